#!/bin/sh
# Runs clang-tidy (.clang-tidy at the top) over this project's own sources in
# BUILD_DIR's compile_commands.json: the rooms (the program and its
# libraries; tests/ and benchmarks/ are left to the compiler's warnings and
# the sanitizer build, which keeps CI's run on two cores short), not
# subprojects/ nor anything generated in the build directory. Headers of ours
# are checked through the sources that include them (HeaderFilterRegex).
#   scripts/run-clang-tidy.sh BUILD_DIR
# Uses every core (run-clang-tidy from Debian's clang-tidy package, else
# xargs -P) and exits non-zero on any finding: .clang-tidy makes every
# enabled check an error.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: run-clang-tidy.sh BUILD_DIR" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
if [ ! -f "$build/compile_commands.json" ]; then
    echo "run-clang-tidy.sh: no compile_commands.json in $build (meson setup writes it)" >&2
    exit 1
fi
if ! command -v clang-tidy >/dev/null 2>&1; then
    echo "run-clang-tidy.sh: clang-tidy is missing: run scripts/install-deps.sh" >&2
    exit 1
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
python3 - "$root" "$build" >"$list" <<'PY'
import json, os, sys
root, build = sys.argv[1], sys.argv[2]
seen = set()
for entry in json.load(open(os.path.join(build, "compile_commands.json"))):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, root)
    if rel.startswith("..") or rel.split(os.sep)[0] in ("subprojects", "tests", "benchmarks") \
            or os.path.commonpath([path, build]) == build or path in seen:
        continue
    seen.add(path)
    print(path)
PY
count=$(wc -l <"$list")
if [ "$count" -eq 0 ]; then
    echo "run-clang-tidy.sh: no sources of ours in $build/compile_commands.json" >&2
    exit 1
fi
echo "run-clang-tidy.sh: $count sources, $(nproc) jobs"
# .clang-tidy's HeaderFilterRegex, anchored at this checkout. Clang names
# our headers through meson's -I to the source root, relative to the build
# directory: ROOT/build/../core/x.hpp, /elsewhere/../../ROOT/core/x.hpp.
header_filter=$(python3 -c 'import sys
root = "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in sys.argv[1].lstrip("/"))
print("(^/|/\\.\\./)" + root + "/([^/]+/\\.\\./)?(abi|base|core|si|ssif|sim|cuse|cuse_dev|watchdog_dev|daemon|fuzz)/")' "$root")

# GCC's own warning switches (meson.build turns some off for GCC 12 at -O3)
# are unknown to clang, whose driver would make each one an error here.
extra_arg=-Wno-unknown-warning-option

if command -v run-clang-tidy >/dev/null 2>&1; then
    # Its file arguments are regular expressions over the paths: anchor each.
    # shellcheck disable=SC2046
    exec run-clang-tidy -p "$build" -j "$(nproc)" -quiet -header-filter="$header_filter" -extra-arg="$extra_arg" \
        $(python3 -c 'import re, sys; print(" ".join("^" + re.escape(l.strip()) + "$" for l in sys.stdin))' <"$list")
fi
xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --header-filter="$header_filter" --extra-arg="$extra_arg" <"$list"
