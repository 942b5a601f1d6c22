# /dev/watchdog: the probe's ioctl/write/magic-close checks (64 and 32 bit),
# then BusyBox's watchdog daemon petting it and stopping it with a magic close
# on SIGTERM; the BMC's view of the timer after each step.
t ipmi-probe64 --watchdog
t ipmi-probe32 --watchdog
echo "\$ watchdog -F -t 1 -T 30 /dev/watchdog (SIGTERM after 3 s)"
timeout -s TERM 3 watchdog -F -t 1 -T 30 /dev/watchdog 2>&1
echo "[rc=$?]"
t ipmitool mc watchdog get
