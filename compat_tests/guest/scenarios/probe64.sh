# The ioctl probe, 64-bit: errno paths, TRUNC/EMSGSIZE, msgid echo,
# registrations, settings, events, limits; then a latency loop (info only).
t ipmi-probe64
t ipmi-probe64 --bench 2000
