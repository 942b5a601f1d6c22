# Issue 19's least-privilege scenario (cuse half only; see scenarios.py):
# ipmi-cuse publishes /dev/ipmi0 (full, root 0600) and /dev/ipmi0-monitor
# (preset monitor, root:monitor 0660) under the fixed major 120, with the audit
# trail on its stderr (/tmp/daemon.log). The user "monitor" (uid/gid 1000, no
# other groups) reads through the monitor node what root reads through the
# full one, is refused every state change (also bridged) with completion code
# 0xD4, leaves the BMC as it was, cannot open the full node, and a restart of
# the daemon keeps both nodes' numbers.
#
# FreeIPMI's tools (1.6.10) refuse in-band use by any uid but 0 before they
# send anything ("permission denied", also with --driver-device), and so does
# prometheus-ipmi-exporter's local mode, which runs them (upstream documents
# running it as root or through sudo). They run as root in a mount namespace
# whose /dev/ipmi0 is the monitor node: what a container given only that node
# sees, where the node's policy is all that stands between them and the BMC.

MON_UID=1000
mkdir -p /tmp/monitor
chown $MON_UID:$MON_UID /tmp/monitor

# as-monitor CMD...: CMD as uid/gid 1000 without supplementary groups, in a
# private mount namespace where /dev/ipmi0 is the monitor node (ipmitool and
# the exporter's FreeIPMI tools open /dev/ipmi0; only the bind mount needs
# root, setpriv drops it before CMD runs). One process from unshare to CMD.
# as-user CMD...: the same user with the real /dev (the full node).
# monitor-ns CMD...: root, with the monitor node as /dev/ipmi0.
# Scripts, not functions, so that `t` (timeout) can run them. setpriv by
# its path: BusyBox's shell runs its own applet of that name (which cannot
# change uid/gid) before any in PATH.
printf '%s\n' '#!/bin/sh' \
    "exec unshare -m sh -c 'mount --bind /dev/ipmi0-monitor /dev/ipmi0 &&" \
    "    exec /usr/bin/setpriv --reuid=$MON_UID --regid=$MON_UID --clear-groups -- \"\$@\"' as-monitor \"\$@\"" \
    >/usr/bin/as-monitor
printf '%s\n' '#!/bin/sh' \
    "exec /usr/bin/setpriv --reuid=$MON_UID --regid=$MON_UID --clear-groups -- \"\$@\"" \
    >/usr/bin/as-user
printf '%s\n' '#!/bin/sh' \
    "exec unshare -m sh -c 'mount --bind /dev/ipmi0-monitor /dev/ipmi0 && exec \"\$@\"' monitor-ns \"\$@\"" \
    >/usr/bin/monitor-ns
chmod 755 /usr/bin/as-monitor /usr/bin/as-user /usr/bin/monitor-ns

# audit_new: the daemon's audit records since the last call, pids replaced
# (they differ from boot to boot) and the logger's prefix (time, level) cut.
: >/tmp/audit.seen
audit_new() {
    grep -E ': uid [0-9]+ gid [0-9]+ pid [0-9]+ ' /tmp/daemon.log >/tmp/audit.all
    seen=$(wc -l </tmp/audit.seen)
    tail -n +$((seen + 1)) /tmp/audit.all >/tmp/audit.new
    cp /tmp/audit.all /tmp/audit.seen
    sed -E 's/^.*[] ](ipmi0[^ ]*: uid )/\1/; s/ pid [0-9]+ / pid <PID> /' /tmp/audit.new
    echo "($(wc -l </tmp/audit.new) records)"
}

# same CMD...: CMD as root on the full node, then as the monitor user on the
# monitor node; prints the monitor run like `t` and whether both printed the
# same (with the diff if not).
same() {
    echo "\$ [monitor node, uid $MON_UID] $*"
    timeout -s KILL 60 "$@" >/tmp/full.out 2>&1
    full_rc=$?
    timeout -s KILL 60 as-monitor "$@" >/tmp/mon.out 2>&1
    mon_rc=$?
    same_verdict
}

# same_freeipmi TOOL ARGS...: the same for a FreeIPMI tool, on the monitor
# node as root in a mount namespace (see above).
same_freeipmi() {
    echo "\$ [monitor node, root in a mount namespace] $* --driver-type=OPENIPMI"
    timeout -s KILL 60 "$@" --driver-type=OPENIPMI >/tmp/full.out 2>&1
    full_rc=$?
    timeout -s KILL 60 monitor-ns "$@" --driver-type=OPENIPMI >/tmp/mon.out 2>&1
    mon_rc=$?
    same_verdict
}

same_verdict() {
    cat /tmp/mon.out
    echo "[rc=$mon_rc]"
    if [ "$full_rc" = "$mon_rc" ] && cmp -s /tmp/full.out /tmp/mon.out; then
        echo "same as root on the full node: yes"
    else
        echo "same as root on the full node: NO (full node rc=$full_rc)"
        diff /tmp/full.out /tmp/mon.out
    fi
}

# bmc_state: what the refused requests would have changed, read as root on
# the full node. QEMU's BMC has no user or LAN commands (Invalid Command, and
# no Get Channel Info, so `lan print` finds no LAN channel): those lines show
# that the answers stay what they were, not that a value was kept.
bmc_state() {
    for c in "chassis power status" "chassis status" "mc info" "mc selftest" \
        "user list 1" "lan print 1" "sel info" "mc watchdog get"; do
        echo "\$ ipmitool $c"
        # shellcheck disable=SC2086
        timeout -s KILL 60 ipmitool $c >/tmp/state.out 2>&1
        rc=$?
        grep -v -E '^(Last (Add|Del) Time|Present Countdown)' /tmp/state.out
        echo "[rc=$rc]"
    done
}

# scrape PORT OUT [RUNNER]: starts the exporter (through RUNNER), waits until
# it listens, fetches /metrics once with BusyBox wget, stops it.
# The exporter is started from a subshell that exits at once, so it is no job
# of this shell's: its death by SIGTERM prints no "Terminated" here.
scrape() {
    (
        $3 prometheus-ipmi-exporter --config.file=/tmp/ipmi_local.yml \
            --web.listen-address="127.0.0.1:$1" </dev/null >"/tmp/exporter-$1.log" 2>&1 &
        echo $! >"/tmp/exporter-$1.pid"
    )
    pid=$(cat "/tmp/exporter-$1.pid")
    n=0
    while ! netstat -ltn 2>/dev/null | grep -q "127.0.0.1:$1 "; do
        n=$((n + 1))
        [ "$n" -gt 200 ] && break
        usleep 100000
    done
    timeout -s KILL 60 wget -q -O "$2" "http://127.0.0.1:$1/metrics"
    echo "scrape on port $1: wget rc=$?"
    kill "$pid"
    n=0
    while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 100 ]; do
        n=$((n + 1))
        usleep 50000
    done
    # What the exporter reported, without the values that move (durations).
    grep '^ipmi_' "$2" | grep -v '^ipmi_scrape_duration_seconds' >"$2.ipmi"
}

# numbers: each node's major:minor (decimal), owner and mode.
numbers() {
    for node in /dev/ipmi0 /dev/ipmi0-monitor; do
        printf '%s: %d:%d %s\n' "$node" "0x$(stat -c %t "$node")" "0x$(stat -c %T "$node")" \
            "$(stat -c '%U:%G %a' "$node")"
    done
}

echo "# the nodes"
t stat -c '%n: %F, owner %U:%G, mode %a' /dev/ipmi0 /dev/ipmi0-monitor
t cat /sys/class/cuse/ipmi0/dev /sys/class/cuse/ipmi0-monitor/dev

echo "# reads: root on /dev/ipmi0 and the monitor user on /dev/ipmi0-monitor"
# `fru print 0`, not `fru print`: the exit status of the walk over every FRU
# locator varies from boot to boot on the kernel driver too (see
# ipmitool-fru-chassis.sh).
same ipmitool sdr list
same ipmitool sensor list
same ipmitool sel list
same ipmitool fru print 0
same ipmitool mc info
same ipmitool chassis status
# FreeIPMI's own uid check, before it opens anything (no audit record):
t as-monitor ipmi-sensors --driver-type=OPENIPMI --quiet-cache
t as-user ipmi-sensors --driver-type=OPENIPMI --driver-device=/dev/ipmi0-monitor --quiet-cache
same_freeipmi ipmi-sensors --quiet-cache
same_freeipmi ipmi-sel --quiet-cache
same_freeipmi bmc-info --get-device-id
echo "# audit records of the reads (changes and refusals only; none expected):"
audit_new

echo "# prometheus-ipmi-exporter, local mode (FreeIPMI tools as root), one scrape each:"
echo "# root on the full node, and root in a mount namespace with only the monitor node"
ip link set lo up
printf '%s\n' 'modules:' '  default:' '    collectors:' \
    '      - bmc' '      - ipmi' '      - chassis' '      - dcmi' '      - sel' >/tmp/ipmi_local.yml
chmod 644 /tmp/ipmi_local.yml
scrape 9291 /tmp/metrics-full
scrape 9290 /tmp/metrics-monitor monitor-ns
echo "\$ [monitor node, root in a mount namespace] prometheus-ipmi-exporter: ipmi_* metrics"
cat /tmp/metrics-monitor.ipmi
if cmp -s /tmp/metrics-full.ipmi /tmp/metrics-monitor.ipmi; then
    echo "same as root on the full node: yes"
else
    echo "same as root on the full node: NO"
    diff /tmp/metrics-full.ipmi /tmp/metrics-monitor.ipmi
fi
grep 'level=error' /tmp/exporter-9290.log | sed 's/^/#~ exporter (monitor node): /'
echo "# audit records of the exporter's scrapes (none expected):"
audit_new

echo "# state changes on the monitor node: refused with 0xD4, also bridged"
bmc_state >/tmp/state-before 2>&1
t as-monitor ipmitool chassis power off
t as-monitor ipmitool mc reset cold
# ipmitool reports a cold reset as sent whatever the answer (a BMC that
# resets may not answer); the same request raw shows the completion code.
t as-monitor ipmitool raw 0x06 0x02
t as-monitor ipmitool user set password 2 x
t as-monitor ipmitool lan set 1 ipaddr 10.0.0.9
# QEMU's BMC has no Get Channel Info, so `lan set` stops before its Set LAN
# Configuration Parameters; the request itself, raw (parameter 3, IP address).
t as-monitor ipmitool raw 0x0c 0x01 0x01 0x03 0x0a 0x00 0x00 0x09
t as-monitor ipmitool -b 0 -t 0x72 chassis power off
t as-monitor ipmitool -b 0 -t 0x72 mc reset cold
t as-monitor ipmitool -b 0 -t 0x72 user set password 2 x
t as-monitor ipmitool -b 0 -t 0x72 raw 0x0c 0x01 0x01 0x03 0x0a 0x00 0x00 0x09
bmc_state >/tmp/state-after 2>&1
echo "# the BMC's state, read back as root on the full node"
cat /tmp/state-after
if cmp -s /tmp/state-before /tmp/state-after; then
    echo "BMC state unchanged: yes"
else
    echo "BMC state unchanged: NO"
    diff /tmp/state-before /tmp/state-after
fi
echo "# audit records (caller's uid, node, request, outcome):"
audit_new

echo "# epoll on the monitor node, as the monitor user"
t as-monitor ipmi-probe64 --epoll

echo "# the full node stays root-only"
t as-user ipmitool mc info
t as-user ipmi-probe64 --epoll
t as-user ipmi-sensors --driver-type=OPENIPMI --driver-device=/dev/ipmi0 --quiet-cache

echo "# per node: opens, requests, refusals"
echo "\$ ipmi-cuse status (node lines; counters as info)"
timeout -s KILL 20 ipmi-cuse status >/tmp/status.out 2>&1
echo "[rc=$?]"
grep '^  node ' /tmp/status.out | sed -E 's/ [0-9]+/ <N>/g'
grep '^  node ' /tmp/status.out | sed 's/^ */#~ /'

echo "# a restart with --device-major 120 keeps the numbers"
numbers >/tmp/numbers-before
cat /tmp/numbers-before
kill "$(cat /tmp/daemon.pid)"
n=0
while [ ! -f /tmp/daemon.rc ] || [ -e /sys/class/cuse/ipmi0-monitor ]; do
    n=$((n + 1))
    [ "$n" -gt 100 ] && break
    usleep 100000
done
echo "ipmi-cuse exit status after SIGTERM: $(cat /tmp/daemon.rc 2>/dev/null || echo 'still running after 10 s')"
echo "monitor node gone: $([ -e /dev/ipmi0-monitor ] && echo no || echo yes)"
if start_daemon /tmp/daemon-restarted.log && wait_for /sys/class/cuse/ipmi0-monitor/dev 20 &&
    wait_for /dev/ipmi0-monitor 5; then
    # The daemon sets group and mode right after the node appears.
    n=0
    while [ "$(stat -c %a /dev/ipmi0-monitor)" != 660 ] && [ "$n" -lt 50 ]; do
        n=$((n + 1))
        usleep 100000
    done
    numbers >/tmp/numbers-after
    cat /tmp/numbers-after
    if cmp -s /tmp/numbers-before /tmp/numbers-after; then
        echo "numbers kept: yes"
    else
        echo "numbers kept: NO"
    fi
    t as-monitor ipmitool mc info
else
    echo "ipmi-cuse did not come back; its log:"
    cat /tmp/daemon-restarted.log
fi
cat /tmp/daemon-restarted.log >/dev/console 2>&1
