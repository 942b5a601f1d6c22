#!/bin/sh
# Shared by run.sh and the scenarios: bringing up the IPMI stack of one mode,
# and `t`, which runs one command under a hard timeout and records it.

# t CMD ARGS...: prints "$ CMD ARGS", its merged output and "[rc=N]".
t() {
    echo "\$ $*"
    timeout -s KILL "${CMD_TIMEOUT:-60}" "$@" 2>&1
    echo "[rc=$?]"
}

# wait_for PATH SECONDS: polls (0.1 s) until PATH exists.
wait_for() {
    n=0
    while [ ! -e "$1" ]; do
        n=$((n + 1))
        [ "$n" -gt $(( $2 * 10 )) ] && return 1
        usleep 100000
    done
    return 0
}

modprobe_or_fail() {
    if ! modprobe "$@"; then
        echo "@@SETUP modprobe $* failed"
        return 1
    fi
}

setup_kernel() {
    modprobe_or_fail ipmi_msghandler || return 1
    modprobe_or_fail ipmi_devintf || return 1
    case "$BMC" in
        ssif*)
            modprobe_or_fail i2c-i801 || return 1
            modprobe_or_fail ipmi_ssif || return 1 ;;
        *)
            modprobe_or_fail ipmi_si || return 1 ;;
    esac
    if ! wait_for /dev/ipmi0 20; then
        echo "@@SETUP the kernel driver created no /dev/ipmi0"
        dmesg | grep -i ipmi
        return 1
    fi
    modprobe_or_fail ipmi_watchdog || return 1
    wait_for /dev/watchdog 10 || { echo "@@SETUP no /dev/watchdog"; return 1; }
    return 0
}

# start_daemon LOG: ipmi-cuse $DAEMON_ARGS in the background, its output to
# LOG (a file, never a pipe: a pipe would keep the scenario's output open and
# hang the VM), its pid in /tmp/daemon.pid. A watching subshell records the
# daemon's exit status in /tmp/daemon.rc (scenarios that stop the daemon
# check it; `wait` works only there).
start_daemon() {
    rm -f /tmp/daemon.pid /tmp/daemon.rc
    # shellcheck disable=SC2086
    (
        /usr/sbin/ipmi-cuse $DAEMON_ARGS </dev/null >"$1" 2>&1 &
        echo $! >/tmp/daemon.pid.new
        mv /tmp/daemon.pid.new /tmp/daemon.pid
        wait $!
        echo $? >/tmp/daemon.rc
    ) </dev/null >/dev/null 2>&1 &
    wait_for /tmp/daemon.pid 5
}

setup_cuse() {
    modprobe_or_fail fuse || return 1
    modprobe_or_fail cuse || return 1
    case "$BMC" in
        ssif*) modprobe_or_fail i2c-i801 && modprobe_or_fail i2c-dev || return 1 ;;
    esac
    if [ ! -x /usr/sbin/ipmi-cuse ]; then
        echo "@@SETUP ipmi-cuse is not in the image (the host build has no daemon/ipmi-cuse)"
        return 1
    fi
    start_daemon /tmp/daemon.log || { echo "@@SETUP could not start ipmi-cuse"; return 1; }
    if ! wait_for /sys/class/cuse/ipmi0/dev 20; then
        echo "@@SETUP ipmi-cuse ($DAEMON_ARGS) registered no ipmi0 in 20 s; its log:"
        cat /tmp/daemon.log
        return 1
    fi
    wait_for /dev/ipmi0 5 || { echo "@@SETUP no /dev/ipmi0 node"; return 1; }
    if [ "${NEED_WATCHDOG:-0}" = 1 ] && ! wait_for /dev/watchdog 5; then
        echo "@@SETUP ipmi-cuse created no /dev/watchdog; its log:"
        cat /tmp/daemon.log
        return 1
    fi
    return 0
}

setup_stack() {
    case "$MODE" in
        kernel) setup_kernel ;;
        cuse) setup_cuse ;;
        *) echo "@@SETUP unknown MODE=$MODE"; return 1 ;;
    esac
}

teardown_stack() {
    if [ -f /tmp/daemon.pid ]; then
        kill "$(cat /tmp/daemon.pid)" 2>/dev/null
        usleep 300000
        echo "--- ipmi-cuse exit status: $(cat /tmp/daemon.rc 2>/dev/null || echo 'still running') ---"
        echo "--- ipmi-cuse log ---"
        cat /tmp/daemon.log
    fi
    echo "--- dmesg (ipmi) ---"
    dmesg | grep -iE 'ipmi|cuse|watchdog'
}

# found: how this half's stack found the BMC, in words both halves share:
# the interface (type, address space, address, as the kernel's sysfs
# `params` spells them) and whether discovery or parameters named it. The
# exact source (ACPI, SMBIOS, PCI) is an informational #~ line: the kernel
# prefers ACPI when both tables describe the same interface.
found() {
    if [ "$MODE" = kernel ]; then
        where=$(cat /sys/devices/*/params /sys/devices/*/*/params /sys/devices/*/*/*/params 2>/dev/null |
            grep -E '^(kcs|bt|smic),' | head -n 1 | cut -d, -f1-3)
        src=$(dmesg | sed -n 's/.*Trying \([A-Za-z-]*\)-specified.*/\1/p' | head -n 1)
    else
        line=$(sed -n 's/.*interface 0: \([a-z]*\) \([a-z/]*\) \(0x[0-9a-f]*\) .*(\([A-Za-z-]*\))$/\1,\2,\3 \4/p' \
            /tmp/daemon.log | head -n 1)
        where=${line% *}
        src=${line##* }
    fi
    case "$src" in
        hardcoded|hotmod|"") how=parameters ;;
        *) how=discovery ;;
    esac
    echo "found: ${where:-nothing} by $how"
    echo "#~ address source ($MODE): ${src:-none}"
}

# si_found_and_sdr: the SI discovery scenarios' common checks: how the BMC
# was found, Get Device ID and the whole SDR repository, byte for byte.
si_found_and_sdr() {
    found
    t ipmitool mc info
    t ipmitool raw 0x06 0x01
    t ipmitool sdr dump /tmp/sdr.bin
    t sha256sum /tmp/sdr.bin
    t hexdump -C /tmp/sdr.bin
    t ipmitool sdr list full
    t ipmitool sdr elist
}
