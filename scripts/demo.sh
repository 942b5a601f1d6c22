#!/bin/sh
# The README's first command: installs what ipmi-cuse needs, builds it into
# build/, starts `ipmi-cuse --sim` (the embedded simulated BMC) and shows what
# unmodified ipmitool sees on /dev/ipmi0, then stops the daemon.
#
# Where this machine's kernel has CUSE (/dev/cuse exists or `modprobe cuse`
# works) the daemon runs here. Otherwise (e.g. a kernel built without CUSE) the
# same demo runs inside a QEMU VM booting Debian's kernel, through the
# compatibility suite's harness (compat_tests/compat.py demo).
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh all

if [ ! -f build/build.ninja ]; then
    meson setup build
fi
ninja -C build
daemon=build/daemon/ipmi-cuse
if [ ! -x "$daemon" ]; then
    echo "demo: $daemon was not built (see the ninja output above)" >&2
    exit 1
fi

commands="mc info
sdr list
sel list
chassis status
mc watchdog get"

run_local() {
    if [ -e /sys/class/ipmi/ipmi0 ]; then
        echo "demo: the kernel's ipmi_devintf already owns /dev/ipmi0 here; using the VM instead" >&2
        return 2
    fi
    log=$(mktemp)
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
    echo "$commands" | while IFS= read -r c; do
        echo "\$ ipmitool $c"
        # shellcheck disable=SC2086
        timeout 60 ipmitool $c || echo "(ipmitool exited $?)"
        echo
    done || rc=1
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
echo "demo: this kernel has no CUSE; running the demo in a QEMU VM (Debian's kernel)" >&2
exec python3 compat_tests/compat.py demo --daemon "$daemon"
