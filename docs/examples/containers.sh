#!/bin/sh
# The shell commands of docs/containers.md, run. Every ```sh block of that
# page is one of the blocks below, between a "# >>> NAME" and a "# <<<" line,
# word for word (docs/examples/check_containers.py checks that, and lists the
# few blocks that are not run here, with the reason).
#
#   containers.sh docker-cli
#       Runs each `docker run` of the page through the docker client found on
#       PATH, against the daemon that DOCKER_HOST names. check_containers.py
#       points DOCKER_HOST at a stand-in daemon that records what the client
#       sent (devices, cgroup rules, command) and creates nothing: the
#       client's own parsing is what is tested.
#   containers.sh in-vm
#       Root, on a kernel with CUSE and a BMC that discovery finds, with
#       ipmi-cuse already serving it as /dev/ipmi0 (the compat suite's
#       `containers` scenario: QEMU's KCS BMC, in its VM). Runs
#       every block. `docker run` is played by container_run below: the
#       command runs in new mount and PID namespaces whose /dev is a tmpfs
#       holding only the devices given with --device, as Docker makes it; the
#       guest's own tools stand in for the image. Prints one line per check;
#       what varies from boot to boot (device numbers) is on "#~" lines.
set -u

# docker run [--rm] [--device HOST[:CONTAINER]]... [--device-cgroup-rule R]...
#            IMAGE COMMAND...: the stand-in of the in-vm mode. The cgroup
# rules are not enforced here (the VM has no device cgroup); their syntax is
# what docker-cli checks.
container_run() {
    [ "$1" = run ] || { echo "stand-in docker: only 'run' is played"; return 125; }
    shift
    nodes=""
    while [ $# -gt 0 ]; do
        case $1 in
            --rm) shift ;;
            --device)
                # The node as the runtime copies it: same number and mode.
                numbers=$(stat -c '%t:%T:%a' "${2%%:*}") || return 125
                nodes="$nodes ${2#*:}:$numbers"
                shift 2 ;;
            --device-cgroup-rule) shift 2 ;;
            -*) echo "stand-in docker: option $1 is not played"; return 125 ;;
            *) break ;;
        esac
    done
    shift # the image: the guest's own tools play it
    NODES=$nodes unshare -m -p -f --mount-proc sh -c '
        mount -t tmpfs -o mode=0755 dev /dev && mount -t tmpfs run /run &&
            mount -t tmpfs tmp /tmp || exit 125
        mknod -m 0666 /dev/null c 1 3 && mknod -m 0666 /dev/zero c 1 5 || exit 125
        for node in $NODES; do
            path=${node%%:*} numbers=${node#*:}
            major=${numbers%%:*} minor=${numbers#*:}
            mknod -m "${minor#*:}" "$path" c $((0x$major)) $((0x${minor%%:*})) || exit 125
        done
        exec "$@"' container "$@"
}

# ---------------------------------------------------------------------------
# The page's blocks, in its order.

find_the_number() {
# >>> find-the-number
cat /sys/class/cuse/ipmi0/dev            # 241:0  (what ipmi-cuse itself checks)
awk '$2 == "ipmi0" { print $1 }' /proc/devices
stat -c '%t:%T' /dev/ipmi0               # in hex
# <<<
}

monitor_node_daemon() {
# >>> monitor-node-daemon
ipmi-cuse --device-group root --device-mode 0600 --device-major 120 \
    --node ipmi0-monitor.policy=monitor \
    --node ipmi0-monitor.group=ipmi --node ipmi0-monitor.mode=0660
# <<<
}

tools_in_a_container() {
# >>> tools-in-a-container
docker run --rm --device /dev/ipmi0 debian-with-ipmitool ipmitool mc info
# <<<
}

monitor_node_by_path() {
# >>> monitor-node-by-path
docker run --rm --device /dev/ipmi0-monitor:/dev/ipmi0 debian-with-ipmitool ipmitool sdr list
docker run --rm --device /dev/ipmi0-monitor:/dev/ipmi0 debian-with-ipmitool ipmitool chassis power off
# <<<
}

monitor_node_by_rule() {
# >>> monitor-node-by-rule
docker run --rm --device-cgroup-rule 'c 120:256 rwm' debian-with-ipmitool \
    sh -c 'mknod -m 0660 /dev/ipmi0 c 120 256 && exec ipmitool sdr list'
# <<<
}

daemon_in_a_container() {
# >>> daemon-in-a-container
set --
for m in $(seq 234 254); do set -- "$@" --device-cgroup-rule "c $m:* rwm"; done
docker run --rm --device /dev/cuse "$@" debian-with-ipmi-cuse \
    sh -c 'ipmi-cuse --sim --device-name ipmi-ctr1 --watchdog-name none --create-node /dev &
           for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/ipmi-ctr1 ] && break; sleep 1; done
           ln -sf ipmi-ctr1 /dev/ipmi0; ipmitool mc info'
# <<<
}

dynamic_majors_taken() {
# >>> dynamic-majors-taken
awk '$1 >= 234 && $1 <= 254' /proc/devices
# <<<
}

checking() {
# >>> checking
cat /sys/class/cuse/ipmi0/dev        # registered?
ls -l /dev/ipmi0                     # node, owner, mode
ipmi-cuse status                     # interfaces and counters (control socket)
ipmitool mc info
# <<<
}

# ---------------------------------------------------------------------------

# The docker command lines alone, for the real docker client.
docker_cli() {
    for example in tools_in_a_container monitor_node_by_path monitor_node_by_rule daemon_in_a_container; do
        echo "=== $example"
        "$example"
    done
}

# run NAME FUNCTION: the block's output in /tmp/block.out, its status in $rc.
run() {
    echo "=== $1"
    "$2" >/tmp/block.out 2>&1
    rc=$?
}

# info: the block's output as "#~" lines (numbers that vary from boot to boot).
info() {
    sed 's/^/#~ /' /tmp/block.out
}

# shows TEXT: whether the block's output has the line (fixed string).
shows() {
    if grep -qF -- "$1" /tmp/block.out; then echo "shows \"$1\": yes"; else echo "shows \"$1\": no"; fi
}

# wait_for PATH: up to 20 s.
wait_for() {
    n=0
    while [ ! -e "$1" ] && [ "$n" -lt 200 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    [ -e "$1" ]
}

in_vm() {
    docker() { container_run "$@"; }

    run find-the-number find_the_number
    info
    set -- $(cat /tmp/block.out)
    major=${1%%:*}
    hex=$(printf '%x:%x' "$major" "${1#*:}")
    echo "rc=$rc; sysfs, /proc/devices and stat name one number: $([ "$2" = "$major" ] && [ "$3" = "$hex" ] && echo yes || echo no)"

    run checking checking
    info
    echo "rc=$rc"
    shows "interface 0 device /dev/ipmi0 type kcs"
    shows "Device ID                 : 32"

    run tools-in-a-container tools_in_a_container
    echo "rc=$rc"
    shows "Device ID                 : 32"

    run daemon-in-a-container daemon_in_a_container
    info
    echo "rc=$rc"
    shows "Device ID                 : 32"
    echo "the container's daemon and its device are gone with it: $([ -e /sys/class/cuse/ipmi-ctr1 ] && echo no || echo yes)"

    run dynamic-majors-taken dynamic_majors_taken
    info
    echo "rc=$rc; lists ipmi0: $(grep -qw ipmi0 /tmp/block.out && echo yes || echo no)"

    # The monitor node: ipmi-cuse with the page's command line, in place of
    # the scenario's daemon; the group it names must exist.
    kill "$(cat /tmp/daemon.pid)"
    n=0
    while [ -e /sys/class/cuse/ipmi0 ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    grep -q '^ipmi:' /etc/group || echo 'ipmi:x:997:' >>/etc/group
    echo "=== monitor-node-daemon"
    monitor_node_daemon </dev/null >/tmp/monitor.log 2>&1 &
    job=$!
    if wait_for /dev/ipmi0-monitor && wait_for /dev/ipmi0; then
        usleep 200000 # owner and mode are applied right after the node appears
        # shellcheck disable=SC2012 # ls -l is what the page shows
        ls -l /dev/ipmi0 /dev/ipmi0-monitor | awk '{ print $1, $3, $4, $5, $6, $NF }'
    else
        echo "no /dev/ipmi0-monitor in 20 s; the daemon's log:"
        cat /tmp/monitor.log
    fi

    run monitor-node-by-path monitor_node_by_path
    echo "rc=$rc"
    shows "Set Chassis Power Control to Down/Off failed: Insufficient privilege level"
    echo "sdr list read sensors: $(grep -c '|' /tmp/block.out | sed 's/^0$/no/; s/^[1-9][0-9]*$/yes/')"

    run monitor-node-by-rule monitor_node_by_rule
    echo "rc=$rc"
    echo "sdr list read sensors: $(grep -c '|' /tmp/block.out | sed 's/^0$/no/; s/^[1-9][0-9]*$/yes/')"

    # The job is the shell around the daemon; its status is the daemon's.
    kill "$(pidof ipmi-cuse)"
    wait "$job"
    echo "monitor-node daemon exit status after SIGTERM: $?"
}

case "${1:-}" in
    docker-cli) docker_cli ;;
    in-vm) in_vm ;;
    *)
        echo "usage: containers.sh docker-cli|in-vm" >&2
        exit 2
        ;;
esac
