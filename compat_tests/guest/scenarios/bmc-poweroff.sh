# Issue 10: the power-off through the BMC's chassis, seen by the host as QEMU's
# exit. QEMU's ipmi-bmc-sim turns Chassis Control "power down" into a
# shutdown request of the whole VM, so QEMU exiting is the BMC powering off.
#
# The guest boots with acpi=off (Scenario.append): it has no power-off of its
# own, so the only way QEMU can exit is the BMC's chassis power-down.
#   kernel: ipmi_poweroff installs the kernel's power-off handler; the guest
#           then runs `poweroff -f`, whose last step is that handler (without
#           it, acpi=off makes `poweroff -f` a halt and QEMU keeps running).
#   cuse:   the daemon is stopped with SIGTERM (it must exit 0 and remove its
#           devices), then `ipmi-cuse shutdown-hook poweroff` talks to the KCS
#           interface directly, as the systemd-shutdown hook does. The guest
#           never powers off by itself; vm.py checks the console for that.
# After the marker line, the host requires QEMU to exit (status 0) within
# its bound; a guest that is still running 20 s later has failed.

await_rc() {
    n=0
    while [ ! -f /tmp/daemon.rc ] && [ $n -lt 100 ]; do
        usleep 50000
        n=$((n + 1))
    done
    cat /tmp/daemon.rc 2>/dev/null || echo "none (still running after 5 s)"
}

case "$MODE" in
    kernel)
        modprobe ipmi_poweroff
        if dmesg | grep -q 'Found a chassis style poweroff function'; then
            ready=yes
        else
            ready="no: $(dmesg | grep -i poweroff)"
        fi
        ;;
    cuse)
        kill -TERM "$(cat /tmp/daemon.pid)"
        rc=$(await_rc)
        if [ "$rc" = 0 ] && [ ! -e /dev/ipmi0 ] && [ ! -e /sys/class/cuse/ipmi0 ]; then
            ready=yes
        else
            ready="no: ipmi-cuse exit status $rc after SIGTERM; $(ls -d /dev/ipmi0 /sys/class/cuse/ipmi0 2>/dev/null)"
        fi
        ;;
esac
echo "power-off handler ready: $ready"
echo "@@AWAIT-BMC-POWEROFF"
case "$MODE" in
    kernel)
        poweroff -f
        ;;
    cuse)
        # shellcheck disable=SC2086
        timeout -s KILL 30 ipmi-cuse $DAEMON_ARGS shutdown-hook poweroff >/tmp/hook.out 2>&1
        echo "#~ shutdown-hook rc=$? $(cat /tmp/hook.out)"
        ;;
esac
sleep 20
echo "the guest is still running 20 s after asking for the power-off"
