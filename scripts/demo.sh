#!/bin/sh
# The README's first command: installs what ipmi-cuse needs, builds the
# daemon alone (not the tests or benchmarks) into build/, starts
# `ipmi-cuse --sim` (the embedded simulated BMC), shows that /dev/ipmi0 is
# its CUSE device and that no kernel IPMI driver is loaded, runs unmodified
# ipmitool against it, then shows `ipmi-cuse status` and the daemon's log,
# and stops the daemon.
#
# Where this machine's kernel has CUSE (/dev/cuse exists or `modprobe cuse`
# works) the daemon runs here. Otherwise (e.g. a kernel built without CUSE)
# the same demo runs inside a QEMU VM booting Debian's kernel, through the
# compatibility suite's harness (compat_tests/compat.py demo). Either way the
# commands shown are compat_tests/guest/scenarios/demo.sh.
set -eu
cd "$(dirname "$0")/.."

# One line per step, with what it costs, before it starts.
step() {
    echo "demo: $*"
}

step "1. installing the build tools, ipmitool and QEMU from Debian (scripts/install-deps.sh; several minutes the first time, seconds after)"
./scripts/install-deps.sh all

step "2. building ipmi-cuse alone: build/daemon/ipmi-cuse (138 of the project's 248 build steps: 10-20 minutes on 2 cores the first time, seconds after)"
if [ ! -f build/build.ninja ]; then
    meson setup build >/dev/null
fi
daemon=build/daemon/ipmi-cuse
nice ninja -C build "${daemon#build/}"
if [ ! -x "$daemon" ]; then
    echo "demo: $daemon was not built (see the ninja output above)" >&2
    exit 1
fi

run_local() {
    if [ -e /sys/class/ipmi/ipmi0 ]; then
        echo "demo: the kernel's ipmi_devintf already owns /dev/ipmi0 here; using the VM instead" >&2
        return 2
    fi
    log=$(mktemp)
    step "3. starting $daemon --sim here (this kernel has CUSE) and running ipmitool against it (seconds)"
    "$daemon" --sim </dev/null >"$log" 2>&1 &
    pid=$!
    n=0
    while [ ! -e /sys/class/cuse/ipmi0/dev ] || [ ! -e /dev/ipmi0 ]; do
        n=$((n + 1))
        if [ "$n" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
            echo "demo: ipmi-cuse --sim did not create /dev/ipmi0; its log:" >&2
            cat "$log" >&2
            kill "$pid" 2>/dev/null || true
            rm -f "$log"
            return 1
        fi
        sleep 0.1
    done
    rc=0
    # shellcheck disable=SC2034 # read by the demo script sourced below
    IPMI_CUSE=$daemon DAEMON_LOG=$log DAEMON_PID=$pid
    t() {
        echo "\$ $*"
        timeout 60 "$@" 2>&1
        echo "[rc=$?]"
    }
    # shellcheck source=compat_tests/guest/scenarios/demo.sh
    . compat_tests/guest/scenarios/demo.sh || rc=1
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
    return "$rc"
}

if [ -e /dev/cuse ] || modprobe cuse 2>/dev/null; then
    set +e
    run_local
    rc=$?
    set -e
    [ "$rc" -ne 2 ] && exit "$rc"
fi
step "3. this kernel has no CUSE: building a VM image of Debian's own kernel, busybox, ipmitool and the daemon (the kernel package is downloaded once; about a minute the first time, cached in compat_tests/cache/ after)"
exec python3 compat_tests/compat.py demo --daemon "$daemon"
