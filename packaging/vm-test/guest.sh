#!/bin/sh
# Guest half of packaging/vm-test (run by vmtest.service under systemd as
# PID 1, from the per-run disk mounted at /mnt/vmtest). Writes one line per
# step to ttyS1:  @@STEP NAME PASS|FAIL detail  and finally  @@END rc=N.
# First boot: install, service, nodes, group access, restart, stop, then arm
# the BMC watchdog and reboot. Second boot: read the BMC watchdog back through
# the kernel's ipmi_si (ipmi-cuse disabled), then start ipmi-cuse again and
# power off through systemd-shutdown and the package's hook (verb poweroff);
# the host judges that last step from the console (vmtest.py).
set -u
OUT=/dev/ttyS1
STAGE=/var/lib/vmtest/stage
stty -F "$OUT" raw -echo 2>/dev/null
mkdir -p /var/lib/vmtest
failed=0

say() { echo "$*" >"$OUT"; }
pass() { say "@@STEP $1 PASS ${2:-}"; }
fail() { say "@@STEP $1 FAIL ${2:-}"; failed=1; }
# wait_for SECONDS COMMAND...: polls every 0.5 s
wait_for() {
    limit=$(( $1 * 2 )); shift
    n=0
    while [ "$n" -lt "$limit" ]; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.5; n=$((n + 1))
    done
    return 1
}
journal() {
    say "---- journalctl -u ipmi-cuse (last 25) ----"
    journalctl -b -u ipmi-cuse --no-pager -n 25 -o cat >"$OUT" 2>&1
}
finish() {
    say "@@END rc=$failed"
    sync
    systemctl poweroff --force --force
}
is_active() { [ "$(systemctl is-active ipmi-cuse)" = active ]; }
cuse_dev() { cat "/sys/class/cuse/$1/dev" 2>/dev/null; }
# The node /dev/NAME is the character device CUSE registered as NAME.
node_is_cuse() {
    reg=$(cuse_dev "$1"); [ -n "$reg" ] || return 1
    [ -c "/dev/$1" ] || return 1
    [ "$(stat -c '%t:%T' "/dev/$1")" = "$(printf '%x:%x' "${reg%%:*}" "${reg##*:}")" ]
}
# The watchdog node's name: whatever CUSE device is not ipmiN.
watchdog_name() { ls /sys/class/cuse 2>/dev/null | grep -v '^ipmi[0-9]' | head -n 1; }

# A guest-side deadline, as a background shell writing to the tty.
( sleep 600; echo "@@DEADLINE guest deadline of 600 s reached" >"$OUT"; systemctl poweroff --force --force ) \
    </dev/null >/dev/null 2>&1 &

stage=$(cat "$STAGE" 2>/dev/null || echo 1)
say "@@STAGE $stage uptime $(cut -d' ' -f1 /proc/uptime)"

if [ "$stage" = 3 ]; then
    # Stage 2 had begun when the VM restarted: the BMC watchdog fired before
    # the read-back (or the guest crashed), so this boot cannot judge it.
    fail reboot "the VM was reset during the second boot, before or while reading the BMC timer back (the 120 s timer expired first?): $(journalctl -b -1 --no-pager -o short-monotonic 2>/dev/null | tail -n 3 | tr '\n' ' ')"
    finish; exit 0
fi

if [ "$stage" = 1 ]; then
    # The runner starts right after local-fs.target (for the second boot's
    # sake); the first boot's steps need the basic system, with udev's
    # coldplug done (it loads the kernel's ipmi_si for QEMU's BMC).
    wait_for 300 systemctl is-active --quiet basic.target
    say "@@INFO basic.target reached at uptime $(cut -d' ' -f1 /proc/uptime)"
    # -- install ----------------------------------------------------------
    # Dependencies the image lacks come on the test disk (no network here).
    if ls /mnt/vmtest/deps/*.deb >/dev/null 2>&1; then
        dpkg -i /mnt/vmtest/deps/*.deb >/tmp/deps.log 2>&1 || { cat /tmp/deps.log >"$OUT"; }
    fi
    if dpkg -i /mnt/vmtest/ipmi-cuse.deb >/tmp/dpkg.log 2>&1 && getent group ipmi >/dev/null; then
        pass install "$(dpkg-query -W -f='${Version}' ipmi-cuse), group ipmi from sysusers.d: $(getent group ipmi)"
    else
        fail install "dpkg -i: $(tail -n 5 /tmp/dpkg.log | tr '\n' ' ')"
        cat /tmp/dpkg.log >"$OUT"; finish; exit 0
    fi
    # The package turns on neither the watchdog device nor the chassis
    # power-down (the kernel loads neither ipmi_watchdog nor ipmi_poweroff at
    # boot); the steps below use both, switched on as an operator would.
    say "@@INFO package defaults: $(grep '^watchdog_name' /etc/ipmi-cuse/ipmi-cuse.toml | cut -d'#' -f1), $(grep '^IPMI_CUSE_POWEROFF' /etc/default/ipmi-cuse); switched on for this test"
    sed -i 's/^watchdog_name = "none"/watchdog_name = "watchdog"/' /etc/ipmi-cuse/ipmi-cuse.toml
    sed -i 's/^IPMI_CUSE_POWEROFF=no/IPMI_CUSE_POWEROFF=yes/' /etc/default/ipmi-cuse

    # -- conflict ---------------------------------------------------------
    # udev loaded the kernel's ipmi_si/ipmi_devintf for QEMU's BMC at boot,
    # before the package (and its modprobe.d blacklist) was there: the unit
    # must refuse to start and say why, and start once they are unloaded.
    if [ -d /sys/module/ipmi_si ]; then
        sleep 2
        msg=$(journalctl -b -u ipmi-cuse --no-pager -o cat | grep -m 1 "kernel's IPMI driver is loaded")
        if [ "$(systemctl is-active ipmi-cuse)" != active ] && [ -n "$msg" ]; then
            pass conflict "refused: $msg"
        else
            fail conflict "with ipmi_si loaded the unit is $(systemctl is-active ipmi-cuse); message: '${msg:-none}'"
        fi
        modprobe -r ipmi_watchdog ipmi_poweroff ipmi_devintf ipmi_si ipmi_ssif 2>/dev/null
        systemctl reset-failed ipmi-cuse
        systemctl start --no-block ipmi-cuse
    else
        fail conflict "the kernel's ipmi_si was not loaded at boot; the check could not be exercised"
    fi

    # -- service ----------------------------------------------------------
    if wait_for 60 is_active; then
        pass service "active, main PID $(systemctl show -p MainPID --value ipmi-cuse)"
    else
        fail service "not active after 60 s: $(systemctl is-active ipmi-cuse), result $(systemctl show -p Result --value ipmi-cuse)"
        journal
    fi

    say "@@INFO systemd-analyze verify: $(systemd-analyze verify ipmi-cuse.service 2>&1 | tr '\n' ' ' | cut -c1-400)"
    say "@@INFO systemd-analyze security: $(systemd-analyze security ipmi-cuse.service 2>&1 | tail -n 1)"

    # -- nodes ------------------------------------------------------------
    if wait_for 10 node_is_cuse ipmi0; then
        perm=$(stat -c '%U %G %a' /dev/ipmi0)
        if [ "$perm" = "root root 600" ]; then
            pass nodes "/dev/ipmi0 = CUSE $(cuse_dev ipmi0), $perm"
        else
            fail nodes "/dev/ipmi0 is owner/group/mode '$perm', want 'root root 600' (the kernel's)"
        fi
    else
        fail nodes "no /dev/ipmi0 registered by CUSE (/sys/class/cuse: $(ls /sys/class/cuse 2>/dev/null | tr '\n' ' '))"
        journal
    fi
    wd=$(watchdog_name)
    if [ -n "$wd" ] && node_is_cuse "$wd"; then
        pass watchdog-node "/dev/$wd = CUSE $(cuse_dev "$wd")"
    else
        fail watchdog-node "the daemon registered no watchdog device (/sys/class/cuse: $(ls /sys/class/cuse 2>/dev/null | tr '\n' ' '))"
    fi

    # -- group-access -----------------------------------------------------
    # The full /dev/ipmi0 stays root's; the package's commented monitor node,
    # switched on, gives group ipmi reads only. ipmitool opens /dev/ipmi/0
    # when /dev/ipmi0 fails, so a link there points it at the monitor node.
    useradd -m -G ipmi tester 2>/dev/null
    useradd -m outsider 2>/dev/null
    printf '\n[node.ipmi0-monitor]\npolicy = "monitor"\ngroup = "ipmi"\nmode = "0660"\n' \
        >>/etc/ipmi-cuse/ipmi-cuse.toml
    systemctl restart ipmi-cuse
    if wait_for 60 node_is_cuse ipmi0-monitor; then
        mkdir -p /dev/ipmi && ln -sf /dev/ipmi0-monitor /dev/ipmi/0
        as_tester=$(runuser -u tester -- ipmitool mc info 2>&1)
        refused=$(runuser -u tester -- ipmitool chassis identify 1 2>&1)
        as_outsider=$(runuser -u outsider -- ipmitool mc info 2>&1)
        monitor=$(stat -c '%G %a' /dev/ipmi0-monitor)
        sleep 1
        audit=$(journalctl -b -t ipmi-cuse IPMI_EVENT=refused IPMI_CALLER_UID="$(id -u tester)" -o cat --no-pager |
            tail -n 1)
        if echo "$as_tester" | grep -q "Device ID" && echo "$refused" | grep -qi "insufficient privilege" &&
            ! echo "$as_outsider" | grep -q "Device ID" && [ "$monitor" = "ipmi 660" ] && [ -n "$audit" ]; then
            pass group-access "member via /dev/ipmi0-monitor ($monitor): $(echo "$as_tester" | grep 'Firmware Revision' | tr -s ' '); chassis identify: $(echo "$refused" | head -n 1); non-member refused; audit: $audit"
        else
            fail group-access "member: $(echo "$as_tester" | head -n 3 | tr '\n' ' ') / identify: $(echo "$refused" | head -n 2 | tr '\n' ' ') / non-member: $(echo "$as_outsider" | head -n 2 | tr '\n' ' ') / monitor node: $monitor / audit: '${audit:-none}'"
            journal
        fi
    else
        fail group-access "no /dev/ipmi0-monitor after enabling [node.ipmi0-monitor] (/sys/class/cuse: $(ls /sys/class/cuse 2>/dev/null | tr '\n' ' '))"
        journal
    fi

    # -- in-place ---------------------------------------------------------
    # The sandboxed service reaches its clients' ioctl arguments in place
    # (CAP_SYS_PTRACE in its bounding set): every ioctl since the restart,
    # root's on /dev/ipmi0 and the unprivileged member's on the monitor
    # node, took one FUSE round trip.
    ipmitool mc info >/dev/null 2>&1
    status=$(ipmi-cuse status 2>&1)
    counters=$(echo "$status" | grep '^  ioctls_in_place')
    member=$(echo "$status" | grep '^  node /dev/ipmi0-monitor ')
    member_in=$(echo "$member" | sed -n 's/.* ioctls_in_place \([0-9]*\) ioctls_by_retry \([0-9]*\).*/\1/p')
    member_retry=$(echo "$member" | sed -n 's/.* ioctls_in_place \([0-9]*\) ioctls_by_retry \([0-9]*\).*/\2/p')
    set -- $counters
    if [ "${2:-0}" -gt 0 ] && [ "${4:-x}" = 0 ] && [ "${member_in:-0}" -gt 0 ] && [ "${member_retry:-x}" = 0 ]; then
        pass in-place "$(echo "$counters" | tr -s ' '); $(echo "$member" | tr -s ' ')"
    else
        fail in-place "status: ${counters:-none} / ${member:-no monitor node line} / $(echo "$status" | head -n 3 | tr '\n' ' ')"
        journal
    fi

    # -- restart ----------------------------------------------------------
    pid1=$(systemctl show -p MainPID --value ipmi-cuse)
    restarts1=$(systemctl show -p NRestarts --value ipmi-cuse)
    systemctl kill -s KILL --kill-whom=main ipmi-cuse
    restarted() {
        is_active && [ "$(systemctl show -p MainPID --value ipmi-cuse)" != "$pid1" ] && node_is_cuse ipmi0
    }
    if [ "$pid1" != 0 ] && wait_for 30 restarted; then
        pass restart "PID $pid1 killed, now PID $(systemctl show -p MainPID --value ipmi-cuse), NRestarts $restarts1 -> $(systemctl show -p NRestarts --value ipmi-cuse)"
    else
        fail restart "after SIGKILL of PID $pid1: $(systemctl is-active ipmi-cuse), PID $(systemctl show -p MainPID --value ipmi-cuse)"
        journal
    fi

    # -- stop -------------------------------------------------------------
    wd=$(watchdog_name)
    systemctl stop ipmi-cuse
    gone() { [ ! -e /dev/ipmi0 ] && [ ! -e /sys/class/cuse/ipmi0 ] && [ -z "$(watchdog_name)" ]; }
    if wait_for 10 gone; then
        pass stop "nodes removed ($(systemctl is-active ipmi-cuse))"
    else
        fail stop "still present: $(ls /sys/class/cuse 2>/dev/null | tr '\n' ' ') $(ls -l /dev/ipmi0 2>/dev/null)"
    fi

    # -- no-bmc -----------------------------------------------------------
    # A host without a BMC, as discovery sees this one with every firmware
    # source off and no parameter: one line at warning priority, exit 69,
    # the unit inactive (not failed) and not restarted.
    cp /etc/default/ipmi-cuse /tmp/default.saved
    sed -i 's/^IPMI_CUSE_ARGS=.*/IPMI_CUSE_ARGS="--ipmi_si.trydmi=0 --ipmi_si.tryacpi=0 --ipmi_si.trypci=0 --ipmi_si.tryplatform=0"/' \
        /etc/default/ipmi-cuse
    since=$(date '+%Y-%m-%d %H:%M:%S')
    systemctl start ipmi-cuse
    started=$?
    sleep 5 # past RestartSec=2s: a restart would have come
    state=$(systemctl is-active ipmi-cuse)
    result=$(systemctl show -p Result --value ipmi-cuse)
    code=$(systemctl show -p ExecMainStatus --value ipmi-cuse)
    warned=$(journalctl -u ipmi-cuse --since "$since" -p warning..warning -o cat --no-pager | grep -c "nothing to serve")
    as_error=$(journalctl -u ipmi-cuse --since "$since" -p err -o cat --no-pager | grep -c "nothing to serve")
    restarts=$(journalctl -u ipmi-cuse --since "$since" -o cat --no-pager | grep -c "Scheduled restart job")
    line=$(journalctl -u ipmi-cuse --since "$since" -o cat --no-pager | grep -m 1 "nothing to serve")
    if [ "$started" = 0 ] && [ "$state" = inactive ] && [ "$result" = success ] && [ "$code" = 69 ] &&
        [ "$warned" = 1 ] && [ "$as_error" = 0 ] && [ "$restarts" = 0 ]; then
        pass no-bmc "systemctl start: 0, then $state, Result=$result, exit $code, no restart; at warning priority: $line"
    else
        fail no-bmc "systemctl start: $started; $state, Result=$result, exit $code, $restarts restart(s); 'nothing to serve' at warning: $warned, at err: $as_error: ${line:-no such line}"
        journal
    fi
    mv /tmp/default.saved /etc/default/ipmi-cuse

    # -- reboot, part 1: a running BMC watchdog, then reboot ----------------
    # Through the watchdog device if the daemon has one (a keep-alive client,
    # as a watchdog daemon would be, killed by the shutdown without the magic
    # close); otherwise armed with ipmitool (Set Watchdog Timer: SMS/OS, reset,
    # 60 s; then Reset Watchdog Timer), which still tests the shutdown hook.
    sed -i 's/^#timeout = 10 /timeout = 60 /' /etc/ipmi-cuse/ipmi-cuse.toml
    systemctl start ipmi-cuse
    wait_for 60 is_active
    wd=$(watchdog_name)
    # -- upgrade ----------------------------------------------------------
    # The same package again (dpkg runs the postinst as for an upgrade):
    # restarted while nobody holds the watchdog device, left running (and
    # saying so) while a keep-alive client holds it.
    pid0=$(systemctl show -p MainPID --value ipmi-cuse)
    dpkg -i --force-confold /mnt/vmtest/ipmi-cuse.deb >/tmp/upgrade1.log 2>&1
    up1=$?
    wait_for 60 is_active
    pid1=$(systemctl show -p MainPID --value ipmi-cuse)
    wd=$(watchdog_name)
    if [ -n "$wd" ]; then
        systemd-run --unit=wdclient --quiet /bin/sh -c "exec 3>/dev/$wd; while :; do printf k >&3; sleep 5; done"
        how="keep-alive client on /dev/$wd"
        sleep 2
        dpkg -i --force-confold /mnt/vmtest/ipmi-cuse.deb >/tmp/upgrade2.log 2>&1
        up2=$?
        pid2=$(systemctl show -p MainPID --value ipmi-cuse)
        note=$(grep -m 1 "not restarted" /tmp/upgrade2.log)
        if [ "$up1" = 0 ] && [ "$pid1" != "$pid0" ] && [ "$up2" = 0 ] && [ "$pid2" = "$pid1" ] && is_active &&
            systemctl is-active --quiet wdclient && [ -n "$note" ]; then
            pass upgrade "free: restarted (PID $pid0 -> $pid1); held: PID $pid2 kept, client alive: $note"
        else
            fail upgrade "free: dpkg $up1, PID $pid0 -> $pid1 (want a new one); held: dpkg $up2, PID $pid1 -> $pid2 (want the same), $(systemctl is-active ipmi-cuse), client $(systemctl is-active wdclient), note '${note:-none}'"
            tail -n 5 /tmp/upgrade1.log /tmp/upgrade2.log >"$OUT"
        fi
    else
        fail upgrade "no watchdog device to hold (watchdog_name on?)"
        ipmitool raw 0x06 0x24 0x04 0x01 0x00 0x10 0x58 0x02 >/dev/null
        ipmitool raw 0x06 0x22 >/dev/null
        how="ipmitool (no watchdog device)"
    fi
    sleep 3
    before=$(ipmitool mc watchdog get 2>&1 | tr -s ' ' | tr '\n' ';')
    say "@@INFO watchdog before reboot ($how): $before"
    # The next boot reads the BMC through the kernel's driver; ipmi-cuse must
    # not start there (it would stop the timer, as start_now=0 requires).
    systemctl disable --quiet ipmi-cuse
    echo 2 >"$STAGE"
    sync
    say "@@INFO rebooting"
    # The hook reports at notice level through /dev/kmsg; let the console
    # (and so the host) see it.
    dmesg -n 6
    systemctl reboot
    exit 0
fi

# -- reboot, part 2: read the BMC watchdog back ---------------------------
echo 3 >"$STAGE"
sync
modprobe ipmi_si type=kcs ports=0xca2 2>/dev/null || modprobe ipmi_si
modprobe ipmi_devintf
wait_for 20 test -c /dev/ipmi0
# ipmitool 1.8.19 prints "Initial Countdown: 120.0 sec" and "Watchdog Timer
# Action: Hard Reset (0x01)". QEMU's BMC does not report the "running" bit,
# so running means: the present countdown moves.
get=$(ipmitool mc watchdog get 2>&1)
sleep 2
get2=$(ipmitool mc watchdog get 2>&1)
say "@@INFO watchdog after reboot: $(echo "$get" | tr -s ' ' | tr '\n' ';')"
initial=$(echo "$get" | sed -n 's/.*Initial Countdown *: *\([0-9]*\).*/\1/p')
action=$(echo "$get" | sed -n 's/.*Watchdog Timer Actions\{0,1\} *: *\(.*\)$/\1/p')
present1=$(echo "$get" | sed -n 's/.*Present Countdown *: *\([0-9]*\).*/\1/p')
present2=$(echo "$get2" | sed -n 's/.*Present Countdown *: *\([0-9]*\).*/\1/p')
running=0
if [ -n "$present1" ] && [ -n "$present2" ] && [ "$present2" -lt "$present1" ]; then running=1; fi
if [ "$running" = 1 ] && [ -n "$initial" ] && [ "$initial" -ge 120 ] && echo "$action" | grep -q "Hard Reset"; then
    pass reboot "BMC timer running ($present1 -> $present2 s), initial countdown ${initial} s, action $action"
else
    fail reboot "after the reboot the BMC timer is: running=$running (${present1:-?} -> ${present2:-?} s) initial=${initial:-?} s action=${action:-?} (want running, >= 120 s, Hard Reset): the shutdown hook did not re-arm it"
    say "---- the shutdown hook in the previous boot (journal) ----"
    journalctl -b -1 --no-pager -o cat 2>/dev/null | grep -i -A3 "shutdown hook\|shutdown-hook\|system-shutdown" | tail -n 15 >"$OUT"
fi
# -- poweroff-hook: the last power-off goes through the installed
# systemd-shutdown hook with the verb poweroff. The hook acts only if
# ipmi-cuse ran during this boot and no kernel IPMI driver is loaded, so swap
# them; starting ipmi-cuse also stops the timer read above (start_now = 0).
# The hook stops the timer and powers the chassis down if the BMC offers a
# method: then QEMU's BMC ends QEMU before the kernel's own ACPI power-off.
# QEMU's built-in BMC announces no chassis device, so the hook (like the
# kernel's ipmi_poweroff) finds no method and ACPI ends QEMU. The host judges
# this step from the console (the hook's line, "reboot: Power down" or not).
modprobe -r ipmi_watchdog ipmi_poweroff ipmi_devintf ipmi_si 2>/dev/null
systemctl start ipmi-cuse
if wait_for 60 is_active; then
    say "@@INFO poweroff-hook: ipmi-cuse active again, powering off through systemd-shutdown"
else
    say "@@INFO poweroff-hook: ipmi-cuse did not start ($(systemctl is-active ipmi-cuse)); the hook will not act"
    journal
fi
say "@@END rc=$failed"
sync
dmesg -n 6
systemctl poweroff
exit 0
