#!/usr/bin/env python3
"""The seams between the rooms, checked: each room may include only the
rooms the "Rooms" table of docs/architecture.md lets it use (the table is
encoded below; change both together). A C or C++ file in room X that includes "Y/..." where X may
not use Y fails the check with file:line and the rule; so does a quoted
include in a product room that does not name its room ("kcs_sm.hpp"
instead of "si/kcs_sm.hpp"), which this check could not see through.

    scripts/seams.py [--root DIR]

Exit status 0 when every include keeps to the table, 1 otherwise.
tests/house/seams_selftest.py checks the checker on a small tree of its own.
"""

import argparse
import os
import re
import sys

# The rooms, longest prefix first where one room is inside another's folder.
# Each maps to the rooms it may include besides itself; ANY means every room.
ANY = None
ROOMS = {
    # The kernel UAPI mirror.
    "abi": set(),
    # std-only mechanisms every room shares (Lifetime, PumpGuard): it exists
    # so cuse/ and sim/, which may not use core/, share the one lifetime
    # mechanism instead of keeping their own.
    "base": set(),
    # core/services and core/testing are part of core.
    "core": {"base", "abi"},
    "si": {"base", "core", "abi"},
    "ssif": {"base", "core", "abi"},
    # The other side of the wire: never si/, ssif/ or core/.
    "sim": {"base", "abi"},
    "cuse": {"base", "abi"},
    "cuse_dev": {"base", "cuse", "core", "abi"},
    "watchdog_dev": {"base", "cuse", "core", "abi"},
    # The program, daemon/backends/ included, joins everything.
    "daemon": ANY,
    "fuzz": ANY,
    "tests": ANY,
    "benchmarks": ANY,
    # Runs unmodified tools against the built program: nothing of ours.
    "compat_tests": set(),
}

# core/testing's test doubles are part of core, but only the rooms that are
# not shipped may use them.
TEST_DOUBLES = "core/testing/"
MAY_USE_TEST_DOUBLES = {"tests", "benchmarks", "fuzz"}

# Rooms whose quoted includes must be rooted ("room/file.hpp"); the others
# (test fixtures beside their tests, the guests' C programs) include
# neighbours by bare name.
ROOTED = {"abi", "base", "core", "si", "ssif", "sim", "cuse", "cuse_dev", "watchdog_dev", "daemon"}

SOURCE_SUFFIXES = (".cpp", ".hpp", ".h", ".c", ".cc", ".hh")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SKIPPED_DIRS = {".git", "subprojects"}


def room_of(path):
    """The room a repository-relative path belongs to, or None."""
    first = path.split("/", 1)[0]
    return first if first in ROOMS else None


def allowed(room):
    uses = ROOMS[room]
    return "any room" if uses is ANY else (", ".join(sorted(uses)) or "nothing of ours")


def check_file(root, path):
    """The violations in one file, as 'file:line: message' strings."""
    room = room_of(path)
    if room is None:
        return []
    problems = []
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            quote, target = match.groups()
            target_room = room_of(target) if "/" in target else None
            where = f"{path}:{number}"
            if target_room is None:
                if quote == '"' and "/" not in target and room in ROOTED:
                    problems.append(f'{where}: "{target}": a quoted include in {room}/ names its room '
                                    f'("{room}/{target}"), so this check can see it')
                continue
            if target.startswith(TEST_DOUBLES) and room not in MAY_USE_TEST_DOUBLES \
                    and not path.startswith(TEST_DOUBLES):
                problems.append(f"{where}: {room}/ includes {target}: core/testing's test doubles are "
                                f"for {', '.join(sorted(MAY_USE_TEST_DOUBLES))} only")
                continue
            uses = ROOMS[room]
            if target_room == room or uses is ANY or target_room in uses:
                continue
            problems.append(f"{where}: {room}/ includes {target}: {room}/ may use {allowed(room)} "
                            f"(docs/architecture.md, Rooms)")
    return problems


def source_files(root):
    for directory, dirs, files in os.walk(root):
        rel = os.path.relpath(directory, root)
        dirs[:] = sorted(d for d in dirs
                         if d not in SKIPPED_DIRS and not (rel == "." and d.startswith("build")))
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.normpath(os.path.join(rel, name)).replace(os.sep, "/")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
                        help="the source tree (default: this script's repository)")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    problems = []
    count = 0
    for path in source_files(root):
        count += 1
        problems.extend(check_file(root, path))
    for problem in problems:
        print(problem)
    if problems:
        print(f"seams.py: {len(problems)} include(s) cross a seam the wrong way in {count} files", file=sys.stderr)
        return 1
    print(f"seams.py: {count} files keep to the rooms' seams")
    return 0


if __name__ == "__main__":
    sys.exit(main())
