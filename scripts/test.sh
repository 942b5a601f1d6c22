#!/bin/sh
# The full test suite: installs what it needs, then builds and runs
#   1. the unit suite (GoogleTest) in a normal build, and the packaging-files
#      check (man pages and configuration against the program),
#   2. the same unit suite under AddressSanitizer + UBSan, and in a release
#      build (-O3, NDEBUG: the optimiser's most aggressive reading of the code),
#   3. the VM compatibility suite (meson suite 'compat'), which boots Debian's
#      kernel in QEMU because the build machines' kernel has no CUSE,
#   4. the packaging VM suite (meson suite 'packaging-vm'): the Debian package
#      built from this tree, installed in a debootstrapped Debian 12 booting
#      systemd as PID 1 under QEMU (the slowest part).
# Exits non-zero if any part fails. Set IPMI_CUSE_SKIP_COMPAT=1 to run only
# the unit suites (for quick local iterations; CI never sets it).
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh all

jobs=$(nproc)

configure() {
    dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@"
    else
        meson configure "$dir" "$@" >/dev/null
    fi
}

echo "== unit suite (release-like build) =="
configure build
ninja -C build -j "$jobs"
meson test -C build --suite unit --print-errorlogs --num-processes "$jobs"
echo "== packaging files (man pages and configuration against the program) =="
meson test -C build --suite packaging --print-errorlogs --num-processes "$jobs"

echo "== unit suite under ASan + UBSan =="
configure build-sanitize -Db_sanitize=address,undefined -Db_lundef=false -Dbenchmarks=false
ninja -C build-sanitize -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    meson test -C build-sanitize --suite unit --print-errorlogs --num-processes "$jobs"

echo "== unit suite in a release build (-O3, NDEBUG) =="
configure build-release -Dbuildtype=release -Dbenchmarks=false -Dcompat_tests=false
ninja -C build-release -j "$jobs"
meson test -C build-release --suite unit --print-errorlogs --num-processes "$jobs"

if [ "${IPMI_CUSE_SKIP_COMPAT:-0}" = 1 ]; then
    echo "== compat suite skipped by IPMI_CUSE_SKIP_COMPAT=1 =="
    exit 0
fi
echo "== compat suite (QEMU VM, Debian kernel) =="
# One VM at a time (TCG takes a core each); 'report' runs last and prints the
# table of scenarios, verdicts and allowed differences (also left in
# build/compat_tests/results/report.md with every transcript under runs/).
meson test -C build --suite compat --print-errorlogs --num-processes 1

echo "== packaging VM suite (Debian package, systemd VM) =="
# packaging/vm-test/vmtest.py: builds the .deb (dpkg-buildpackage -b, nocheck)
# while it debootstraps the guest image (both cached in packaging/vm-test/cache/
# by their inputs), boots it and prints one verdict per step. A missing QEMU,
# debootstrap or Debian mirror fails it with the reason; so does a build
# directory in which the suite is not registered. It builds its own package
# from the source tree, so build/ need not be rebuilt for it.
if ! meson test -C build --no-rebuild --list --suite packaging-vm 2>/dev/null | grep -q packaging-systemd-vm; then
    echo "test.sh: the packaging-vm suite is not registered in build/ (-Dcompat_tests=false?)" >&2
    exit 1
fi
meson test -C build --no-rebuild --suite packaging-vm --verbose --num-processes 1
