#!/bin/sh
# Formats every C and C++ source of ours with clang-format (.clang-format at
# the top, refined in compat_tests/probe/ and benchmarks/vm/).
#   scripts/format.sh          rewrites the files in place
#   scripts/format.sh --check  changes nothing; lists each file that is not
#                              formatted and exits non-zero if there is one
# (scripts/check-format.sh, which scripts/test.sh runs). The files are the
# tracked *.cpp, *.hpp, *.h and *.c, less the generated or vendored ones in
# $excluded (none today); without git, the same names found under the tree.
set -eu
cd "$(dirname "$0")/.."

# Extended regular expression over the paths; a file of someone else's goes here.
excluded='^(build[^/]*|subprojects)/'

mode=fix
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    *) echo "usage: format.sh [--check]" >&2; exit 2 ;;
esac

if ! command -v clang-format >/dev/null 2>&1; then
    echo "format.sh: clang-format is missing: run scripts/install-deps.sh" >&2
    exit 1
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -- '*.cpp' '*.hpp' '*.h' '*.c'
else
    find . -path ./.git -prune -o -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c' \) -print |
        sed 's|^\./||'
fi | grep -Ev "$excluded" | sort >"$list"

if [ "$mode" = fix ]; then
    xargs -P "$(nproc)" -n 16 clang-format -i <"$list"
    echo "format.sh: $(wc -l <"$list") files formatted"
    exit 0
fi

# A bad .clang-format would fail every file alike: say so once.
clang-format --dump-config >/dev/null
# One name per line (a short write, so parallel jobs do not interleave) for
# each file that --dry-run --Werror fails; run it by hand on one to see why.
# shellcheck disable=SC2016
bad=$(xargs -P "$(nproc)" -n 16 sh -c 'for f; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done' sh <"$list" | sort)
if [ -n "$bad" ]; then
    echo "$bad" | sed 's/^/not formatted: /'
    echo "format.sh: $(echo "$bad" | wc -l) of $(wc -l <"$list") files not formatted: run scripts/format.sh" \
        "(clang-format --dry-run FILE shows why)" >&2
    exit 1
fi
echo "format.sh: $(wc -l <"$list") files formatted as .clang-format says"
