#!/bin/sh
# The full test suite: installs what it needs, then builds and runs
#   1. the house's habits: the format check (scripts/check-format.sh,
#      .clang-format), the rooms' include seams (meson suite 'house',
#      scripts/seams.py) and clang-tidy (scripts/run-clang-tidy.sh,
#      .clang-tidy) over the first build's compile_commands.json,
#   2. the unit suite (GoogleTest) in a release build (build: -O3, NDEBUG,
#      the optimiser's most aggressive reading of the code), and the
#      packaging-files check (man pages and configuration against the
#      program),
#   3. the same unit suite under AddressSanitizer + UBSan, asserts on, and
#      the libFuzzer targets of fuzz/ for 60 s each, two at a time
#      (scripts/fuzz.sh), both from one clang build (build-fuzz: every room
#      compiled once with the sanitizers and the fuzzer's coverage),
#   4. the VM compatibility suite (meson suite 'compat') on the release
#      build's daemon, which boots Debian's kernel in QEMU because the build
#      machines' kernel has no CUSE,
#   5. the packaging VM suite (meson suite 'packaging-vm'): the Debian package
#      built from this tree, installed in a debootstrapped Debian 12 booting
#      systemd as PID 1 under QEMU (the slowest part).
# A failing habit check (1) does not stop the rest, so one run shows every
# problem; any other failure stops the run. Either way it exits non-zero if
# any part failed, and ends with each stage's wall time. Set
# IPMI_CUSE_SKIP_COMPAT=1 to skip 4 and 5 (for quick local iterations; CI
# never sets it).
set -eu
cd "$(dirname "$0")/.."

jobs=$(nproc)

# Each stage's wall time, printed as a table when the script ends, however
# it ends.
timings=$(mktemp)
stage_name=""
stage_start=0
failed=""
stage_end() {
    if [ -n "$stage_name" ]; then
        printf '%s\t%s\t%s\n' "$stage_name" $(($(date +%s) - stage_start)) "$1" >>"$timings"
    fi
    stage_name=""
}
stage() {
    stage_end ok
    stage_name=$1
    stage_start=$(date +%s)
    echo "== $1 =="
}
# A habit check: its failure is recorded and the run goes on.
habit() {
    name=$1
    shift
    stage "$name"
    if ! "$@"; then
        failed="$failed
    $name"
        stage_end FAILED
    fi
}
report() {
    status=$?
    [ -n "$stage_name" ] && stage_end "$([ "$status" -eq 0 ] && echo ok || echo FAILED)"
    echo "== wall time per stage =="
    printf '%-58s %8s  %s\n' stage seconds result
    while IFS="$(printf '\t')" read -r name seconds result; do
        printf '%-58s %8s  %s\n' "$name" "$seconds" "$result"
    done <"$timings"
    rm -f "$timings"
    exit "$status"
}
# The end of a run that got this far: the habit checks decide.
finish() {
    stage_end ok
    if [ -n "$failed" ]; then
        echo "test.sh: failed:$failed" >&2
        exit 1
    fi
    exit 0
}
trap report EXIT
trap 'exit 130' INT TERM

stage "dependencies (scripts/install-deps.sh)"
./scripts/install-deps.sh all

configure() {
    dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@"
    else
        meson configure "$dir" "$@" >/dev/null
    fi
}

habit "format (scripts/check-format.sh)" ./scripts/check-format.sh

# Two trees, each built once: this gcc release tree (habits, unit suite,
# daemon for the VM suite) and the clang sanitizer tree below, whose unit
# run keeps the asserts on.
stage "build (release: -O3, NDEBUG)"
configure build -Dbuildtype=release
ninja -C build -j "$jobs"
stage "unit suite (release build)"
meson test -C build --suite unit --print-errorlogs --num-processes "$jobs"
stage "packaging files (man pages and configuration against the program)"
meson test -C build --suite packaging --print-errorlogs --num-processes "$jobs"
habit "seams between the rooms (suite house)" \
    meson test -C build --suite house --print-errorlogs --num-processes "$jobs"
habit "clang-tidy (scripts/run-clang-tidy.sh build)" ./scripts/run-clang-tidy.sh build

# One tree serves the sanitized unit suite and the fuzz targets: building the
# rooms twice (gcc with the sanitizers, clang for libFuzzer) cost CI a whole
# build. The fuzzer's coverage instrumentation changes no behaviour.
stage "build under ASan + UBSan (clang, the fuzz targets too)"
(
    export CC=clang CXX=clang++
    configure build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dtests=true -Dbenchmarks=false -Dcompat_tests=false
)
ninja -C build-fuzz -j "$jobs"
stage "unit suite under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    meson test -C build-fuzz --suite unit --print-errorlogs --num-processes "$jobs"

stage "fuzz targets (scripts/fuzz.sh, 60 s each, two at a time)"
FUZZ_BUILD_DIR=build-fuzz ./scripts/fuzz.sh --budget 60 --at-once "$jobs"


if [ "${IPMI_CUSE_SKIP_COMPAT:-0}" = 1 ]; then
    stage_end ok
    echo "== compat suite skipped by IPMI_CUSE_SKIP_COMPAT=1 =="
    finish
fi
stage "compat suite (QEMU VM, Debian kernel)"
# A VM per core (TCG keeps one busy), now that the builds are done; 'report'
# runs last and prints the table of scenarios, verdicts and allowed
# differences (also left in build/compat_tests/results/report.md with every
# transcript under runs/).
meson test -C build --suite compat --print-errorlogs --num-processes "$jobs"

stage "packaging VM suite (Debian package, systemd VM)"
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
finish
