#!/usr/bin/env python3
"""What the daemon executes per Get Device ID through /dev/ipmi0, in the VM (not a test).

Boots the compat suite's VM image with valgrind's callgrind added and runs
the daemon (same binary, same arguments as the compat scenario of that
kind) under callgrind twice, for BASE and BASE + N transactions of
`ipmi-probe64 --bench` (benchmarks/vm/guest-callgrind.sh). The difference of
the two profiles, divided by N, is what one transaction costs in user-space
instructions, start-up and warm-up cancelled: in total, per library, and per
function (exclusive). Instruction counts do not depend on the host's speed,
so unlike bench.py's timings they compare across boots and days.

  benchmarks/vm/callgrind.py --daemon build/daemon/ipmi-cuse [--kind ssif]
                             [--n 500] [--base-n 100] [--out DIR] [--top 30]

Needs valgrind on the host (its callgrind tool is copied into the guest, and
callgrind_annotate reads the profiles). The two profiles are left in --out.
"""

import argparse
import base64
import collections
import gzip
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "compat_tests"))

from harness import image as img  # noqa: E402
from harness import vm  # noqa: E402
from harness.scenarios import DAEMON_ARGS  # noqa: E402
from bench import SSIF_ARGS  # noqa: E402

VALGRIND_FILES = ["callgrind-amd64-linux", "vgpreload_core-amd64-linux.so", "default.supp"]
# The daemon as bench.py runs it.
BENCH_ARGS = {**DAEMON_ARGS, "ssif": SSIF_ARGS}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def valgrind_files():
    """The guest paths and host bytes of valgrind's launcher and callgrind tool."""
    libexec = "/usr/libexec/valgrind"
    launcher = "/usr/bin/valgrind.bin"
    missing = [p for p in [launcher] + [os.path.join(libexec, f) for f in VALGRIND_FILES] if not os.path.exists(p)]
    if missing or shutil.which("callgrind_annotate") is None:
        raise SystemExit(f"callgrind: valgrind is not installed here (apt-get install valgrind); missing {missing}")
    files = {"usr/bin/valgrind.bin": launcher}
    files.update({f"usr/libexec/valgrind/{f}": os.path.join(libexec, f) for f in VALGRIND_FILES})
    out = {}
    for guest, host in files.items():
        with open(host, "rb") as f:
            out[guest] = f.read()
    return out


def exclusive_costs(profile):
    """{function: instructions} from callgrind_annotate, exclusive, every function."""
    text = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", profile],
                          check=True, capture_output=True, text=True).stdout
    costs = collections.Counter()
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(.*)$", line)
        if m and "=>" not in line:
            costs[m.group(2).strip()] += int(m.group(1).replace(",", ""))
    return costs


def library_of(function):
    m = re.search(r"\[(/[^\]]*)\]$", function)
    return os.path.basename(m.group(1)) if m else "(inlined into ipmi-cuse)"


def report(small, large, n, top):
    per_tx = {k: (large[k] - small[k]) / n for k in set(small) | set(large)}
    total = per_tx.pop("PROGRAM TOTALS", 0.0)
    lines = [f"user-space instructions per transaction, all threads: {total:,.0f}", "", "by library:"]
    libraries = collections.Counter()
    for function, cost in per_tx.items():
        libraries[library_of(function)] += cost
    lines += [f"  {cost:10,.0f}  {lib}" for lib, cost in libraries.most_common() if cost >= 1]
    lines += ["", f"top {top} functions (exclusive):"]
    ranked = sorted(per_tx.items(), key=lambda kv: -kv[1])[:top]
    lines += [f"  {cost:10,.1f}  {function[:150]}" for function, cost in ranked]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--daemon", required=True, help="the ipmi-cuse binary (a build dir's daemon/ipmi-cuse)")
    p.add_argument("--kind", default="ssif", choices=sorted(DAEMON_ARGS), help="the emulated BMC (compat scenario kind)")
    p.add_argument("--n", type=int, default=500, help="transactions measured (the difference of the two runs)")
    p.add_argument("--base-n", type=int, default=100, help="transactions of the shorter run")
    p.add_argument("--out", default=os.path.join(img.CACHE_DIR, "runs", "callgrind"))
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args()
    if not os.path.exists(args.daemon):
        log(f"callgrind: no daemon at {args.daemon}")
        return 1
    extra = valgrind_files()
    with open(os.path.join(HERE, "guest-callgrind.sh"), "rb") as f:
        extra["compat/scenarios/callgrind.sh"] = f.read()
    try:
        # With DWARF: callgrind_annotate names functions by file.
        image = img.build(args.daemon, log=log, keep_debug=True)
    except img.ImageError as e:
        log(f"callgrind: cannot build the VM image: {e}")
        return 1
    env = {"NEED_WATCHDOG": "0", "CG_N": str(args.n), "CG_BASE_N": str(args.base_n)}
    daemon_args = BENCH_ARGS[args.kind]
    deadline = 900 + args.n  # valgrind under TCG: minutes to start, milliseconds per transaction
    boot = vm.run(image, "callgrind", "cuse", args.kind, env, daemon_args, deadline, deadline + 60,
                  args.out, extra_files=extra)
    profiles = {}
    for line in boot.transcript.splitlines():
        if line.startswith("@@CALLGRIND "):
            _, count, data = line.split(" ", 2)
            path = os.path.join(args.out, f"callgrind.{count}.out")
            with open(path, "wb") as f:
                f.write(gzip.decompress(base64.b64decode(data)))
            profiles[int(count)] = path
        elif line.startswith("@@CALLGRIND-"):
            log(line)
    if len(profiles) != 2 or not boot.ok:
        log(f"callgrind: no pair of profiles ({boot.reason}); transcript in {args.out}")
        return 1
    small, large = (exclusive_costs(profiles[k]) for k in sorted(profiles))
    print(report(small, large, args.n, args.top))
    log(f"callgrind: profiles in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
