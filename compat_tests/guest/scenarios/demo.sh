# The README demo (scripts/demo.sh): who serves /dev/ipmi0, what an
# unmodified ipmitool gets from ipmi-cuse --sim, and what the daemon saw.
# In the VM it runs after lib.sh's setup_cuse; on a host whose kernel has
# CUSE, scripts/demo.sh sources it with IPMI_CUSE (the daemon's binary),
# DAEMON_LOG and DAEMON_PID set and its own `t`.
: "${IPMI_CUSE:=ipmi-cuse}" "${DAEMON_LOG:=/tmp/daemon.log}"
[ -n "${DAEMON_PID:-}" ] || DAEMON_PID=$(cat /tmp/daemon.pid)

echo "=== Who answers on /dev/ipmi0"
t ls -l /dev/ipmi0 /dev/cuse
echo "\$ cat /sys/class/cuse/ipmi0/dev    # a CUSE device, and /dev/ipmi0's major:minor"
cat /sys/class/cuse/ipmi0/dev
echo "\$ ls /sys/class/ipmi    # the kernel's ipmi_devintf would list ipmi0 here"
ls /sys/class/ipmi 2>&1
echo "\$ grep ipmi /proc/modules    # what lsmod reads"
grep ipmi /proc/modules || echo "(none: no kernel IPMI module is loaded)"
echo "\$ ls -l /proc/$DAEMON_PID/exe /proc/$DAEMON_PID/fd | grep -e exe -e cuse    # the daemon holds /dev/cuse"
ls -l "/proc/$DAEMON_PID/exe" "/proc/$DAEMON_PID/fd" 2>&1 | grep -e exe -e cuse | sed 's/.* \([^ ]* -> \)/\1/'
echo

echo "=== Unmodified ipmitool against it"
t ipmitool mc info
t ipmitool sdr list
t ipmitool sel list
t ipmitool chassis status
t ipmitool mc watchdog get
echo

echo "=== What the daemon counted"
t "$IPMI_CUSE" status
echo "\$ head -n 12 $DAEMON_LOG    # the daemon's log"
head -n 12 "$DAEMON_LOG"
