# The IPMI watchdog device with a pre-timeout that really fires on QEMU's BMC.
# The watchdog is brought up again with preaction=pre_int
# preop=preop_give_data (the kernel: ipmi_watchdog reloaded with those module
# parameters; ipmi-cuse: the daemon restarted with the same --ipmi_watchdog.*
# options) and action=power_off (QEMU's BMC refuses a power-cycle action in
# Set Watchdog Timer). The probe sets timeout 4 s / pretimeout 2 s, waits for
# the byte with poll() and then, after a heartbeat, with a blocking read, and
# closes with 'V' at once: the expiry, 2 s after the pre-timeout, would power
# the VM off (the boot would end with no @@END). ipmitool shows the BMC's
# timer before and after; the first ipmitool afterwards also receives the
# watchdog sensor's event that the pre-timeout queued (msgid 0).
# util-linux's wdctl reads the device as a user sees it (GETSUPPORT,
# GETSTATUS, GETBOOTSTATUS, GETTIMEOUT, GETPRETIMEOUT, GETTIMELEFT, then the
# magic close): before the probe (the module's defaults), while the shell
# holds /dev/watchdog open with the timer running (a second open is refused
# with EBUSY; still the 10 s default timeout, no pre-timeout), and after the
# probes (the timeout and pre-timeout they set stay with the driver). wdctl
# sends no heartbeat, so its own open and magic close leave the timer stopped.

# wdtn CMD ARGS...: like `t`; "Timeleft: N" (none of the IPMI drivers answer
# GETTIMELEFT today, but a running countdown must not make the transcript
# unstable if one does) is masked after the command has finished.
wdtn() {
    echo "\$ $*"
    timeout -s KILL "${CMD_TIMEOUT:-60}" "$@" >/tmp/wdtn.out 2>&1
    rc=$?
    sed -r 's/^(Timeleft: +)[0-9]+/\1<N>/' </tmp/wdtn.out
    echo "[rc=$rc]"
}

WDT_PARAMS="action=power_off preaction=pre_int preop=preop_give_data"
echo "# watchdog parameters: $WDT_PARAMS"
case "$MODE" in
    kernel)
        rmmod ipmi_watchdog || echo "@@SETUP rmmod ipmi_watchdog failed"
        # shellcheck disable=SC2086
        modprobe ipmi_watchdog $WDT_PARAMS || echo "@@SETUP modprobe ipmi_watchdog failed"
        ;;
    cuse)
        kill "$(cat /tmp/daemon.pid)"
        n=0
        while [ -e /sys/class/cuse/ipmi0 ] || [ -e /sys/class/cuse/watchdog ]; do
            n=$((n + 1))
            [ "$n" -gt 100 ] && { echo "@@SETUP ipmi-cuse did not go away"; break; }
            usleep 100000
        done
        opts=""
        for p in $WDT_PARAMS; do
            opts="$opts --ipmi_watchdog.${p%%=*} ${p#*=}"
        done
        # shellcheck disable=SC2086
        /usr/sbin/ipmi-cuse $DAEMON_ARGS $opts </dev/null >>/tmp/daemon.log 2>&1 &
        echo $! >/tmp/daemon.pid
        wait_for /sys/class/cuse/ipmi0/dev 20 || echo "@@SETUP ipmi-cuse did not come back"
        wait_for /dev/watchdog 5 || echo "@@SETUP ipmi-cuse created no /dev/watchdog"
        ;;
esac
wait_for /dev/watchdog 10 || echo "@@SETUP no /dev/watchdog"
wait_for /dev/ipmi0 10 || echo "@@SETUP no /dev/ipmi0"
t ipmitool mc watchdog get
wdtn wdctl /dev/watchdog
t ipmitool mc watchdog get
# Opening alone does not start the timer (both drivers wait for the first
# heartbeat); writing a byte other than 'V' is that heartbeat. Still the
# defaults (timeout 10 s, no pre-timeout): nothing fires while it is held.
echo "# the shell holds /dev/watchdog open (timer running); wdctl must find it busy"
exec 3>/dev/watchdog
printf x >&3
# 3>&-: only the shell may hold it (busybox timeout's watcher process would
# keep an inherited copy open for up to a second after wdctl exits).
# wdctl 2.38 then falls back to sysfs, which neither driver has (ENOENT).
wdtn wdctl /dev/watchdog 3>&-
t ipmitool mc watchdog get 3>&-
# The magic close: 'V', then the last close stops the timer.
printf V >&3
exec 3>&-
t ipmitool mc watchdog get
t ipmi-probe64 --pretimeout
t ipmitool mc watchdog get
t ipmi-probe32 --pretimeout
t ipmitool mc watchdog get
wdtn wdctl /dev/watchdog
t ipmitool mc watchdog get
