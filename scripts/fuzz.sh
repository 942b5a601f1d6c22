#!/bin/sh
# Runs the libFuzzer targets of fuzz/ (fuzz/README.md) for a fixed budget:
#
#   scripts/fuzz.sh [--budget SECONDS] [--jobs N] [--at-once N] [--update-corpus] [TARGET...]
#
# Configures build-fuzz (clang, -Dfuzz=true, ASan + UBSan) if needed and
# builds only the fuzz targets, then runs each TARGET (default: every
# fuzz/NAME_fuzz.cpp) for SECONDS (default 60) over a work corpus in
# build-fuzz/fuzz-work/NAME/corpus, seeded from and merged with the
# committed fuzz/corpus/NAME (which is only read, unless --update-corpus
# merges the inputs that add coverage back into it). --at-once N runs N
# targets side by side (default 1: one after the other); --jobs N runs N
# worker processes per target (libFuzzer's -fork=N).
#
# Prints per target the executions, libFuzzer's coverage (cov: edges, ft:
# features) from its final stats, the corpus size and, for a failure, the
# file holding the input (build-fuzz/fuzz-work/NAME/artifacts/). Exits
# non-zero if any target crashed, leaked, timed out or ran out of memory.
# FUZZ_BUILD_DIR overrides build-fuzz.
set -eu
cd "$(dirname "$0")/.."

usage() {
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
}

budget=60
jobs=1
at_once=1
update=0
targets=""
while [ $# -gt 0 ]; do
    case $1 in
    --budget) [ $# -ge 2 ] || usage; budget=$2; shift 2 ;;
    --budget=*) budget=${1#--budget=}; shift ;;
    --jobs) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
    --jobs=*) jobs=${1#--jobs=}; shift ;;
    --at-once) [ $# -ge 2 ] || usage; at_once=$2; shift 2 ;;
    --at-once=*) at_once=${1#--at-once=}; shift ;;
    --update-corpus) update=1; shift ;;
    -h | --help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) targets="$targets $1"; shift ;;
    esac
done
case $budget in '' | *[!0-9]*) echo "fuzz.sh: --budget takes whole seconds, not '$budget'" >&2; exit 64 ;; esac
case $jobs in '' | 0 | *[!0-9]*) echo "fuzz.sh: --jobs takes a positive number, not '$jobs'" >&2; exit 64 ;; esac
case $at_once in '' | 0 | *[!0-9]*) echo "fuzz.sh: --at-once takes a positive number, not '$at_once'" >&2; exit 64 ;; esac

all=$(for f in fuzz/*_fuzz.cpp; do basename "$f" _fuzz.cpp; done)
[ -n "$targets" ] || targets=$all
for t in $targets; do
    if [ ! -f "fuzz/${t}_fuzz.cpp" ]; then
        echo "fuzz.sh: no target '$t' (known: $(echo "$all" | tr '\n' ' '))" >&2
        exit 64
    fi
done

build=${FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
    CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dtests=false -Dbenchmarks=false -Dcompat_tests=false
fi
ninja_targets=""
for t in $targets; do
    ninja_targets="$ninja_targets fuzz/fuzz_$t"
done
# shellcheck disable=SC2086 # one word per target
nice ninja -C "$build" -j "$(nproc)" $ninja_targets

work=$build/fuzz-work
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
# One target's run: its summary line goes to $summary (FAILED in it marks a
# finding), its details to stdout.
run_target() {
    t=$1
    dir=$work/$t
    mkdir -p "$dir/corpus" "$dir/artifacts"
    log=$dir/last-run.log
    echo "== fuzz $t: ${budget} s =="
    status=0
    if [ "$jobs" -gt 1 ]; then
        parallel="-fork=$jobs"
    else
        parallel="-print_final_stats=1"
    fi
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        nice "$build/fuzz/fuzz_$t" "$parallel" -max_total_time="$budget" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$dir/artifacts/" "$dir/corpus" "fuzz/corpus/$t" >"$log" 2>&1 || status=$?
    # The last status line: "#EXECS <what> cov: N ft: N corp: N/..." (with
    # -fork: "#EXECS: cov: N ft: N corp: N ...").
    stats=$(grep -E '^#[0-9]+:?[[:space:]].*cov: [0-9]+' "$log" | tail -n 1 || true)
    execs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -n 1)
    [ -n "$execs" ] || execs=$(echo "$stats" | sed -nE 's/^#([0-9]+).*/\1/p')
    cov=$(echo "$stats" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
    ft=$(echo "$stats" | sed -nE 's/.*ft: ([0-9]+).*/\1/p')
    corp=$(echo "$stats" | sed -nE 's/.*corp: ([0-9]+).*/\1/p')
    artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
    if [ "$status" -eq 0 ]; then
        result=ok
    else
        result="FAILED (exit $status)"
        grep -E 'ERROR: |fuzz check failed|SUMMARY: |runtime error' "$log" | head -n 5 || true
        echo "log: $log"
        [ -z "$artifact" ] || echo "input: $artifact (reproduce: $build/fuzz/fuzz_$t $artifact)"
    fi
    printf '%-16s %12s %8s %8s %8s  %s%s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result" \
        "${artifact:+  $artifact}" >>"$summary"
    if [ "$update" -eq 1 ] && [ "$status" -eq 0 ]; then
        # Only the inputs that add coverage to the committed corpus.
        "$build/fuzz/fuzz_$t" -merge=1 "fuzz/corpus/$t" "$dir/corpus" >"$dir/merge.log" 2>&1
        echo "fuzz/corpus/$t: $(find "fuzz/corpus/$t" -type f | wc -l) inputs after the merge"
    fi
}

# Batches of --at-once targets: every run has the same budget, so a batch
# ends when its slowest member does.
batch=0
for t in $targets; do
    run_target "$t" &
    batch=$((batch + 1))
    if [ "$batch" -ge "$at_once" ]; then
        wait
        batch=0
    fi
done
wait
failed=$(awk '/FAILED/ {printf " %s", $1}' "$summary")

echo "== fuzz summary (budget ${budget} s per target) =="
printf '%-16s %12s %8s %8s %8s  %s\n' target executions cov ft corpus result
sort "$summary"
if [ -n "$failed" ]; then
    echo "fuzz.sh: failed:$failed" >&2
    exit 1
fi
