#!/bin/sh
# Fails, naming each file, if a C or C++ source of ours is not formatted as
# .clang-format says; scripts/format.sh fixes them (it holds the file list).
set -eu
exec "$(dirname "$0")/format.sh" --check
