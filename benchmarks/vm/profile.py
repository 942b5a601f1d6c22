#!/usr/bin/env python3
"""Where the guest's CPU goes while Get Device IDs go through ours, in the VM (not a test).

Boots the compat suite's VM image with the host's perf added and samples the
whole guest (perf record -a, cpu-clock) while `ipmi-probe64 --bench N` runs
against the daemon: every task, kernel and user space, by command, library
and symbol. bench.py says how much CPU a transaction costs; this says where.

  benchmarks/vm/profile.py --daemon build/daemon/ipmi-cuse [--kind extern-kcs] [--n 1000] [--clock wall]
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "compat_tests"))

from harness import image as img  # noqa: E402
from harness import vm  # noqa: E402
from harness.scenarios import DAEMON_ARGS  # noqa: E402
from bench import extern_bmc_for, room_for_clients  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def perf_files():
    perf = "/usr/bin/perf"
    if not os.path.exists(perf):
        raise SystemExit("profile: perf is not installed here (apt-get install linux-perf)")
    out = {}
    # The image has the loader already, executable; the test layer keeps no modes.
    for path in [perf] + [lib for lib in img.library_closure([perf]) if "ld-linux" not in lib]:
        with open(path, "rb") as f:
            out[img._merged(path).lstrip("/")] = f.read()
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--daemon", required=True)
    p.add_argument("--kind", default="extern-kcs", choices=sorted(DAEMON_ARGS))
    p.add_argument("--daemon-args", default="", help="added to the compat scenario's daemon arguments")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--clients", type=int, default=0, help="that many clients at once instead of one")
    p.add_argument("--rounds", type=int, default=10, help="with --clients: rounds of three requests each")
    p.add_argument("--hz", type=int, default=4000)
    p.add_argument("--limit", default="0.3", help="perf report's --percent-limit")
    p.add_argument("--sched-n", type=int, default=200, help="transactions in the switch and system-call records")
    p.add_argument("--sched-lines", type=int, default=120, help="the switch record's last lines to print")
    p.add_argument("--sched-events", default="",
                   help="tracepoints added to the switch record, comma-separated (raw_syscalls:sys_enter,...)")
    p.add_argument("--bmc-cpu", default="none", help="extern-kcs: as bench.py's")
    p.add_argument("--clock", choices=["wall", "icount"], default="wall")
    p.add_argument("--out", default=os.path.join(img.CACHE_DIR, "runs", "profile"))
    args = p.parse_args()
    extra = perf_files()
    with open(os.path.join(HERE, "guest-profile.sh"), "rb") as f:
        extra["compat/scenarios/profile.sh"] = f.read()
    image = img.build(args.daemon, log=log, keep_debug=True)
    env = {"NEED_WATCHDOG": "0", "PROF_N": str(args.n), "PROF_HZ": str(args.hz), "PROF_LIMIT": args.limit,
           "PROF_CLIENTS": str(args.clients), "PROF_ROUNDS": str(args.rounds),
           "PROF_SCHED_N": str(args.sched_n), "PROF_SCHED_LINES": str(args.sched_lines),
           "PROF_SCHED_EVENTS": args.sched_events.replace(",", " ")}
    daemon_args = (DAEMON_ARGS[args.kind] + " " + args.daemon_args).strip()
    if args.clients:
        daemon_args += room_for_clients(args.clients)
    with extern_bmc_for(args.kind, os.path.join(args.out, "extern"), args.bmc_cpu) as (extern, qemu_cpus):
        boot = vm.run(image, "profile", "cuse", args.kind, env, daemon_args, 900, 960, args.out, extern=extern,
                      extra_files=extra, icount_shift=0 if args.clock == "icount" else None, host_cpus=qemu_cpus)
    lines = [line for line in boot.transcript.splitlines() if line.startswith("@@PROF")]
    for line in lines:
        print(line)
    if not boot.ok or not any(line.startswith("@@PROF comm ") for line in lines):
        log(f"profile: no profile ({boot.reason}); transcript in {args.out}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
