#!/usr/bin/env python3
"""VM benchmark of ipmi-cuse's hardware drivers against the kernel's (not a test).

Boots the compat suite's VM image (compat_tests/harness: same kernel, same
tools, same emulated BMC) once per interface kind. In each boot the guest
(benchmarks/vm/guest-bench.sh) measures ipmi-cuse first, then stops it, loads
the kernel's driver for the same BMC and measures that, so both figures come
from the same boot:

  kcs   QEMU isa-ipmi-kcs at 0xca2: Get Device ID round trip and CPU time per
        transaction (the daemon's own, from /proc/PID/stat, and the guest's
        kernel time, from /proc/stat), ours next to ipmi_si's; the daemon's CPU
        use while idle.
  bt    QEMU isa-ipmi-bt at 0xe4: the same, without the idle measurement.
  extern-kcs  QEMU's KCS in front of OpenIPMI's ipmi_sim on the host (the
        compat suite's extern-kcs BMC): every request crosses a socket, a BMC
        that takes its time; ours next to ipmi_si's, as for kcs. With
        --bmc-delay-us, ipmi_sim sits behind bmc_delay.py's relay, which
        holds each request that long.
  sim   the daemon's embedded BMC (--sim), made slow by `ipmi-cuse control
        fault` (--sim-fault, default a 2 ms delay per command; with
        'set delay 2; set no-irq' one that raises no interrupt, so the driver
        finds each response by its own looks): a slow BMC without a socket;
        no kernel half.
  ssif  QEMU smbus-ipmi on the ICH9 SMBus: Get Device ID round trips per
        second, in one boot: (a) ipmi_ssif through its /dev/ipmi0; (b) ours
        through our /dev/ipmi0; (c) ours inside the daemon's SSIF driver, CUSE
        excluded (the driver's dbg timing log: write to response, per
        transaction); (d) the bus floor: a direct i2c-dev client, no driver
        (i2c_bench.c, built static here).

In every boot, each run of ours follows a run of the same client through the
CUSE floor (cuse_floor.c): a CUSE device with nothing behind it, the part of
our round trip that any CUSE device pays. The pairs see the same host, whose
speed wanders by tens of percent, so their ratio is steadier than either.
For ssif, (f) runs between the two: the CUSE floor plus a worker thread
doing the SSIF exchange on the bus (cuse_worker_floor.c), the least a driver
that keeps blocking transfers off its request loop can cost.

  benchmarks/vm/bench.py --daemon build/daemon/ipmi-cuse [--kinds kcs,bt,ssif]
                         [--n 2000] [--idle 30] [--json FILE] [--smp 1|2]
                         [--slow-bmc] [--base-daemon OTHER/ipmi-cuse]
                         [--clients 30 --rounds 20]

For the KCS kinds the kernel's ipmi_si runs twice: with the IRQ QEMU gives it
(stack kernel) and told the port with no IRQ, so its kipmid polls (stack
kernel-poll, ipmi_si irqs=0 force_kipmid=1); daemon CPU/tx is then kipmid's.
--base-daemon measures another build of the daemon (stack base) in the same
boot, run for run after ours. --clients N runs N processes at once, each
with three requests outstanding per round (ipmi-probe64 --clients).

Clocks (--clock). QEMU here emulates the CPU (TCG, no KVM), and what the
guest measures depends on which clock it reads:

  icount  the default: the guest's clock advances 2**SHIFT ns per guest
          instruction executed (QEMU -icount shift=SHIFT, --icount-shift,
          default 0), and in real time while the guest idles. Figures are
          the same from run to run, whatever the host's speed; the
          kernel's SSIF driver, which idles through its 5 ms timer, still
          waits its timer out.
  wall    the host's real time: the figures move with the host's speed, and
          TCG's software MMU, which starts cold after every process switch,
          makes switch-bound work (every CUSE round trip) an order of
          magnitude dearer than on a real CPU while the kernel's timer costs
          what it costs. Compare the two stacks within one run, not runs on
          different days.

Two vCPUs (--smp 2) run under the wall clock only: icount needs QEMU's
single-threaded TCG and a two-vCPU guest under it did not finish booting
in 11 minutes here. QEMU's default for two vCPUs is a host thread per
vCPU (MTTCG). Then every wake-up across vCPUs (a CUSE transaction makes
six: function-call IPIs, counted per run) depends on the host running the
other vCPU's thread at that moment, and a vCPU whose thread the host has
set aside stalls the other, which waits for it in the guest's kernel: on
this 2-core host, shared with builds, the CUSE floor took 2-28 ms per
round trip, the guest's vCPUs nearly all "busy" in its kernel, where one
vCPU takes 1.3-1.8 ms and two on one host thread 0.5-1.6 ms (README,
issue 22's section). A real two-CPU machine has no such stall, so with
--smp above 1 the VM runs its vCPUs on one host thread (--tcg-thread
single): a wake-up across vCPUs then switches vCPUs at once. It measures
what a second CPU changes in the guest (wake-ups across CPUs, a thread
that spins, no process switch between the client and the daemon on one
CPU), not parallel speed-up: the two vCPUs share one host core.

Each report has a calibration row, (g): a pipe ping-pong between two
processes on one CPU (pingpong.c), run in the guest under the clock chosen
and on the host's real CPU, so that the report says what the clock charges
for a process switch next to what hardware does.
"""

import argparse
import contextlib
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "compat_tests"))

from harness import extern_bmc  # noqa: E402
from harness import image as img  # noqa: E402
from harness import vm  # noqa: E402
from harness.scenarios import DAEMON_ARGS  # noqa: E402
from bmc_delay import DelayedBmc  # noqa: E402

HZ = 100

# The compat suite's SSIF arguments name the BMC's address while ACPI also
# lists it; with discovery on, the daemon then drives the one BMC through two
# interfaces (ipmi0 from ACPI, ipmi1 from the parameters), whose flag polls
# and responses interleave on the bus. The benchmarks measure one driver:
# parameters only. No watchdog device either: its pre-timeout user has the
# daemon fetch the BMC's flags every 100 ms, which would land between the
# worker floor's write and read on the same bus (and the kernel's side runs
# without ipmi_watchdog).
SSIF_ARGS = DAEMON_ARGS["ssif"] + " --ipmi_ssif.tryacpi 0 --ipmi_ssif.trydmi 0 --watchdog-name none"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse(transcript):
    """The @@BENCH lines as dicts (numbers converted); @@BENCH-THREADS lines
    (per thread of the daemon: utime+stime ticks, voluntary and involuntary
    context switches) as stack=threads rows."""
    rows = []
    for line in transcript.splitlines():
        if line.startswith("@@BENCH-THREADS ") or line.startswith("@@BENCH-KERNEL ") or \
                line.startswith("@@BENCH-FAULT "):
            tag, _, rest = line.partition(" ")
            rows.append({"stack": tag[len("@@BENCH-"):].lower(), "text": rest.strip()})
            continue
        if not line.startswith("@@BENCH "):
            continue
        row = {}
        for key, value in re.findall(r"(\w+)=(\S+)", line):
            try:
                row[key] = float(value) if "." in value else int(value)
            except ValueError:
                row[key] = value
        rows.append(row)
    return rows


@functools.lru_cache(maxsize=None)
def build_c_tool(source, flags=(), cc="gcc"):
    """A C program of this directory, built for the image, as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "tool")
        cmd = [cc, "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", exe,
               os.path.join(HERE, source)] + list(flags)
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        with open(exe, "rb") as f:
            return f.read()


def build_i2c_bench():
    """The direct i2c-dev client (the bus floor), static."""
    return build_c_tool("i2c_bench.c", ("-static",))


@functools.lru_cache(maxsize=None)
def fuse_flags():
    return subprocess.run(["pkg-config", "--cflags", "--libs", "fuse3"], check=True,
                          capture_output=True, text=True).stdout.split()


def build_cuse_floor():
    """The CUSE floor device, linked to the image's libfuse3."""
    return build_c_tool("cuse_floor.c", tuple(fuse_flags()))


def build_cuse_worker_floor():
    """The CUSE floor with a worker thread doing the SSIF exchange."""
    return build_c_tool("cuse_worker_floor.c", tuple(fuse_flags()) + ("-pthread",))


def build_pingpong():
    """The process-switch calibration (two processes, one CPU), static."""
    return build_c_tool("pingpong.c", ("-static",))


def host_pingpong(count=20000):
    """us per ping-pong round trip on the host's real CPU (the best of three),
    or None, said why, when the host cannot run it."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "pingpong")
        with open(exe, "wb") as f:
            f.write(build_pingpong())
        os.chmod(exe, 0o755)
        runs = []
        for _ in range(3):
            done = subprocess.run([exe, str(count)], capture_output=True, text=True)
            found = re.search(r"us_per_rt=([0-9.]+)", done.stdout)
            if done.returncode != 0 or not found:
                log(f"bench: pingpong on the host failed ({done.stderr.strip() or done.returncode}); "
                    "no calibration against the host's CPU")
                return None
            runs.append(float(found.group(1)))
        return min(runs)


def clock_text(args):
    if args.clock == "wall":
        threads = {"single": ", all on one host thread", "multi": ", a host thread each"}.get(args.tcg_thread, "")
        vcpus = f"{args.smp} vCPU{'s' if args.smp > 1 else ''}"
        return f"the host's wall clock (QEMU TCG, -cpu {args.cpu}, {vcpus}{threads})"
    if args.clock == "icount-nosleep":
        return (f"QEMU icount, shift {args.icount_shift}, sleep=off: {2 ** args.icount_shift} ns per guest instruction, "
                "an idle guest jumps to its next timer")
    return (f"QEMU icount, shift {args.icount_shift}: {2 ** args.icount_shift} ns per guest instruction, "
            "real time while the guest idles")


def run_kind(image, kind, args, workdir):
    with open(os.path.join(HERE, "guest-bench.sh"), "rb") as f:
        script = f.read()
    name = f"bench-{kind}"
    extra = {f"compat/scenarios/{name}.sh": script, "compat/bench/cuse-floor": build_cuse_floor(),
             "compat/bench/pingpong": build_pingpong()}
    if kind == "ssif":
        extra["compat/bench/i2c-bench"] = build_i2c_bench()
        extra["compat/bench/cuse-worker-floor"] = build_cuse_worker_floor()
        with open(args.ssif_loop, "rb") as f:
            extra["compat/bench/ssif-loop"] = f.read()
    n = args.ssif_n if kind == "ssif" else args.n
    env = {"NEED_WATCHDOG": "0", "BENCH_KIND": kind, "BENCH_N": str(n),
           "BENCH_IDLE": str(0 if kind in ("ssif", "bt") else args.idle), "BENCH_KERNEL": "1",
           "BENCH_FAST_N": str(args.ssif_fast_n), "BENCH_RUNS": str(args.runs),
           "BENCH_CLIENTS": str(0 if kind in ("ssif", "bt") else args.clients), "BENCH_ROUNDS": str(args.rounds),
           "BENCH_FAULT": args.sim_fault if kind == "sim" else "",
           "BENCH_KERNEL_POLL": "1" if kind in ("kcs", "extern-kcs") and args.kernel_poll else "0",
           "BENCH_BASE": "1" if args.base_daemon else "0", "BENCH_PROBES": str(args.probes),
           "BENCH_PLACEMENT": "1" if args.placement and kind in ("kcs", "bt") else "0"}
    if args.base_daemon:
        with open(args.base_daemon, "rb") as f:
            extra["compat/bench/ipmi-cuse-base"] = f.read()
    daemon_args = {"kcs": args.kcs_args, "bt": args.bt_args, "extern-kcs": args.kcs_args, "sim": args.sim_args}.get(kind, args.ssif_args)
    if args.clients >= 30 and kind not in ("ssif", "bt"):
        daemon_args += room_for_clients(args.clients)
    deadline = args.deadline
    with extern_bmc_for(kind, os.path.join(workdir, name), args.bmc_cpu, args.bmc_delay_us) as (extern, qemu_cpus):
        boot = vm.run(image, name, "cuse", kind, env, daemon_args, deadline, deadline + 60,
                      os.path.join(workdir, name), extern=extern, extra_files=extra, cpu=args.cpu, smp=args.smp,
                      icount_shift=None if args.clock == "wall" else args.icount_shift,
                      icount_sleep=args.clock == "icount", kernel_args=args.kernel_args,
                      tcg_thread=args.tcg_thread, host_cpus=qemu_cpus)
    rows = parse(boot.transcript)
    if not boot.ok or "@@BENCH-ERROR" in boot.transcript:
        log(f"{name}: boot failed ({boot.reason}); transcript:\n{boot.transcript}")
    return rows, boot


def best(rows, stack):
    """The fastest run of a stack (TCG's speed wanders; the first may pay warm-up costs)."""
    runs = [r for r in rows if r.get("stack") == stack and "us_per_tx" in r]
    return min(runs, key=lambda r: r["us_per_tx"]) if runs else None


def cpu_us(ticks, n):
    return ticks * (1e6 / HZ) / n


def sched_us(row, n):
    """The driver's CPU per transaction as the scheduler counted it (schedstat,
    exact), or None from a guest script that did not report it."""
    return round(row["daemon_ns"] / 1000.0 / n, 1) if "daemon_ns" in row else None


def cell(value):
    return "-" if value is None else f"{value:.1f}"


# With --placement, the floor and ours again with the client on vCPU 0 and
# the server's threads on vCPU 1 (apart) or on vCPU 0 too (together).
STACKS = ("ours", "base", "kernel", "kernel-poll", "cuse-floor",
          "cuse-floor-apart", "ours-apart", "cuse-floor-together", "ours-together")


def clients_best(rows, stack):
    """The fastest many-clients run of a stack."""
    runs = [r for r in rows if r.get("stack") == stack and "clients" in r and r.get("centiseconds", 0) > 0]
    return max(runs, key=lambda r: r["n"] / r["centiseconds"]) if runs else None


def clients_table(results, summary):
    """The many-clients runs: aggregate rate and CPU per transaction."""
    out = ["", "| interface | stack | clients | tx/s (all clients) | guest CPU busy/tx (us) | "
           "driver CPU/tx (us): daemon, the floor's server, or the kernel's kipmid | the same, scheduler's count (us) |",
           "|---|---|---|---|---|---|---|"]
    any_row = False
    for kind, rows in results.items():
        for stack in STACKS:
            r = clients_best(rows, stack)
            if not r:
                continue
            any_row = True
            tps = r["n"] * 100.0 / r["centiseconds"]
            summary[f"{kind}.{stack}.clients{r['clients']}.tx_per_s"] = round(tps, 1)
            summary[f"{kind}.{stack}.clients{r['clients']}.daemon_cpu_us_per_tx"] = round(
                cpu_us(r["daemon_ticks"], r["n"]), 1)
            sched = sched_us(r, r["n"])
            if sched is not None:
                summary[f"{kind}.{stack}.clients{r['clients']}.daemon_sched_us_per_tx"] = sched
            out.append(f"| {kind} | {stack} | {r['clients']} | {tps:.0f} | {cpu_us(r['busy_ticks'], r['n']):.1f} | "
                       f"{cpu_us(r['daemon_ticks'], r['n']):.1f} | {cell(sched)} |")
    return out if any_row else []


def report(results):
    lines = ["| interface | stack | round trip (us) | tx/s | guest CPU busy/tx (us) | "
             "guest kernel CPU/tx (us) | driver CPU/tx (us): daemon, the floor's server, or the kernel's kipmid | "
             "the same, scheduler's count (us) |",
             "|---|---|---|---|---|---|---|---|"]
    summary = {}
    for kind, rows in results.items():
        for stack in STACKS:
            r = best(rows, stack)
            if not r:
                continue
            n = r["n"]
            tps = 1e6 / r["us_per_tx"]
            summary[f"{kind}.{stack}.us_per_tx"] = r["us_per_tx"]
            summary[f"{kind}.{stack}.tx_per_s"] = round(tps, 1)
            daemon = f"{cpu_us(r['daemon_ticks'], n):.1f}"
            summary[f"{kind}.{stack}.driver_cpu_us_per_tx"] = round(cpu_us(r["daemon_ticks"], n), 1)
            sched = sched_us(r, n)
            if sched is not None:
                summary[f"{kind}.{stack}.driver_sched_us_per_tx"] = sched
            lines.append(f"| {kind} | {stack} | {r['us_per_tx']:.1f} | {tps:.0f} | "
                         f"{cpu_us(r['busy_ticks'], n):.1f} | {cpu_us(r['kernel_ticks'], n):.1f} | {daemon} | "
                         f"{cell(sched)} |")
        ours, kern = best(rows, "ours"), best(rows, "kernel")
        if ours and kern:
            ratio = kern["us_per_tx"] / ours["us_per_tx"]
            summary[f"{kind}.speedup_vs_kernel"] = round(ratio, 2)
        floor = floor_pairs(rows)
        if floor:
            summary[f"{kind}.cuse_floor.us_per_tx"] = floor["best_us"]
            summary[f"{kind}.ours_vs_cuse_floor"] = floor["median_ratio"]
            summary[f"{kind}.ours_vs_cuse_floor_runs"] = floor["ratios"]
        for r in rows:
            if "idle_seconds" in r:
                pct = r["daemon_ticks"] * 100.0 / (r["idle_seconds"] * HZ)
                who = "" if r.get("stack", "ours") == "ours" else f"{r['stack']}."
                summary[f"{kind}.{who}idle.daemon_ticks"] = r["daemon_ticks"]
                summary[f"{kind}.{who}idle.daemon_cpu_percent"] = round(pct, 3)
                if "daemon_ns" in r:
                    summary[f"{kind}.{who}idle.daemon_sched_ms"] = round(r["daemon_ns"] / 1e6, 2)
    lines.append("")
    for key, value in summary.items():
        if key.count(".") == 1 and key.endswith("speedup_vs_kernel"):
            lines.append(f"- {key.split('.')[0]}: ours through /dev/ipmi0 is {value:.2f}x the kernel's "
                         f"transaction rate through its /dev/ipmi0")
        if key.endswith(".ours_vs_cuse_floor"):
            kind = key.split(".")[0]
            lines.append(f"- {kind}: the CUSE floor (nothing behind the device) takes "
                         f"{summary[kind + '.cuse_floor.us_per_tx']:.1f} us at best; run for run, ours takes "
                         f"{value:.2f}x the floor (median of the pairs)")
        if key.endswith("idle.daemon_cpu_percent"):
            prefix = key[:-len("daemon_cpu_percent")]
            sched = summary.get(prefix + "daemon_sched_ms")
            lines.append(f"- {prefix[:-len('.idle.')]}: daemon CPU while idle: {summary[prefix + 'daemon_ticks']} "
                         f"ticks of 1/{HZ} s = {value:.3f} %"
                         + (f" (scheduler's count: {sched:.2f} ms)" if sched is not None else ""))
    lines.extend(clients_table(results, summary))
    if "ssif" in results:
        lines.extend(ssif_table(results["ssif"], summary))
    return "\n".join(lines), summary


def calibration(results, host_us, clock, summary):
    """The clock the figures are in, and what it charges for a process switch."""
    lines = [f"- clock: {clock}"]
    summary["clock"] = clock
    summary["pingpong.host_us_per_rt"] = host_us
    for kind, rows in results.items():
        guest = next((r["us_per_rt"] for r in rows if r.get("stack") == "pingpong"), None)
        if guest is None:
            continue
        summary[f"{kind}.pingpong.guest_us_per_rt"] = guest
        text = (f"- (g) {kind} boot: a pipe ping-pong round trip between two processes on one CPU "
                f"(two process switches) takes {guest:.2f} us in the guest under this clock")
        if host_us:
            text += (f" and {host_us:.2f} us on the host's CPU: the clock prices a process switch at "
                     f"{guest / host_us:.1f}x the host's hardware")
        lines.append(text)
    return lines


def floor_pairs(rows, stack="cuse-floor"):
    """Each run of ours against the run of a floor (`stack`) just before it."""
    pairs, floor = [], None
    for r in rows:
        if r.get("stack") == stack and "us_per_tx" in r:
            floor = r["us_per_tx"]
        elif r.get("stack") == "ours" and "us_per_tx" in r and floor:
            pairs.append((floor, r["us_per_tx"]))
            floor = None
    if not pairs:
        return None
    ratios = sorted(o / f for f, o in pairs)
    return {"best_us": min(f for f, _ in pairs), "ratios": ratios, "median_ratio": round(ratios[len(ratios) // 2], 2)}


def ssif_table(rows, summary):
    """The SSIF figures of one boot, side by side, each against the kernel."""
    kern = best(rows, "kernel")
    paths = [("(a)", "kernel", "kernel ipmi_ssif, through its /dev/ipmi0"),
             ("(b)", "ours", "ipmi-cuse, through our /dev/ipmi0 (CUSE)"),
             ("(b')", "ours-dbg", "ipmi-cuse with --ipmi_ssif.dbg 4, through /dev/ipmi0"),
             ("(c)", "ours-loop", "our SSIF driver in-process (benchmarks/ssif_loop), no CUSE"),
             ("(c')", "ours-loop-trace", "the same with its timing log (dbg 4), as the driver sees it"),
             ("(c'')", "ours-driver", "the daemon's SSIF driver, timing log, while CUSE shares the CPU"),
             ("(d)", "i2c-direct", "direct i2c-dev client, no driver (bus floor)"),
             ("(e)", "cuse-floor", "a CUSE device with nothing behind it (cuse_floor.c): CUSE's own price"),
             ("(f)", "cuse-worker-floor",
              "(e) plus a worker thread doing the SSIF exchange (cuse_worker_floor.c): that structure's price")]
    out = ["", "| | path | per Get Device ID (us) | tx/s | rate vs kernel (a) |", "|---|---|---|---|---|"]
    for label, stack, text in paths:
        r = best(rows, stack)
        if not r:
            out.append(f"| {label} | {text} | (no result) | | |")
            continue
        us = r["us_per_tx"]
        versus = f"{kern['us_per_tx'] / us:.2f}x" if kern else "-"
        summary[f"ssif.{stack}.us_per_tx"] = us
        summary[f"ssif.{stack}.tx_per_s"] = round(1e6 / us, 1)
        if kern and stack != "kernel":
            summary[f"ssif.{stack}.speedup_vs_kernel"] = round(kern["us_per_tx"] / us, 2)
        out.append(f"| {label} | {text} | {us:.1f} | {1e6 / us:.0f} | {versus} |")
    for label, stack in (("(c')", "ours-loop-trace"), ("(c'')", "ours-driver")):
        drv = best(rows, stack)
        if drv:
            out.append(f"- {label} per transaction: write {drv['write_us']:.1f} us, first read after "
                       f"{drv['first_read_delay_us']:.1f} us, write-to-response {drv['read_us']:.1f} us, "
                       f"{drv['reads_per_tx']:.3f} reads, {drv['naks']} NAKs in all; inside the SMBus calls "
                       f"{drv['bus_us']:.1f} us (the rest is worker hand-offs and the loop); slowest {drv['max_us']} us; "
                       f"{drv['over_1ms']} of {drv['n']} over 1 ms, {drv['over_1ms_us']} us in all, "
                       f"{drv['over_1ms_bus_us']} us of that inside the SMBus calls")
    loop = best(rows, "ours-loop")
    if loop:
        out.append(f"- (c) median {loop['median_us']:.1f} us, p99 {loop['p99_us']:.1f} us, slowest "
                   f"{loop['max_us']:.1f} us, {loop['read_retries']} read retries")
    direct = best(rows, "i2c-direct")
    if direct:
        out.append(f"- (d) median {direct['median_us']:.1f} us, p99 {direct['p99_us']:.1f} us, slowest "
                   f"{direct['max_us']:.1f} us; write {direct['write_us']:.1f} us, read {direct['read_us']:.1f} us "
                   f"({direct['reads']} reads, {direct['naks']} NAKs for {direct['n']})")
    ours = best(rows, "ours")
    all_ours = sorted(r["us_per_tx"] for r in rows if r.get("stack") == "ours" and "us_per_tx" in r)
    if all_ours:
        out.append(f"- (b) every run (us per transaction, sorted): {', '.join(f'{u:.1f}' for u in all_ours)}; "
                   f"median {all_ours[len(all_ours) // 2]:.1f}")
        summary["ssif.ours.runs_us"] = all_ours
    if "ssif.ours_vs_cuse_floor_runs" in summary:
        out.append(f"- (b)/(e) run for run: "
                   f"{', '.join(f'{x:.2f}' for x in summary['ssif.ours_vs_cuse_floor_runs'])}; "
                   f"median {summary['ssif.ours_vs_cuse_floor']:.2f}")
    worker_floor = floor_pairs(rows, "cuse-worker-floor")
    if worker_floor:
        summary["ssif.ours_vs_cuse_worker_floor"] = worker_floor["median_ratio"]
        out.append(f"- (b)/(f) run for run: {', '.join(f'{x:.2f}' for x in worker_floor['ratios'])}; "
                   f"median {worker_floor['median_ratio']:.2f}")
    if kern and loop and ours:
        out.append(f"- target: our SSIF path at least 10x the kernel's rate; the driver alone (c) is "
                   f"{kern['us_per_tx'] / loop['us_per_tx']:.2f}x, through CUSE (b) "
                   f"{kern['us_per_tx'] / ours['us_per_tx']:.2f}x")
    return out


def room_for_clients(clients):
    """Daemon arguments for that many clients at once. The daemon's own users
    (its watchdog device) count against max_users (30, the kernel's default)
    as ipmi_watchdog's would: room for the clients and them."""
    return f" --ipmi_msghandler.max_users {clients + 8}"


@contextlib.contextmanager
def extern_bmc_for(kind, workdir, bmc_cpu, delay_us=0):
    """(the running ipmi_sim, QEMU's host_cpus for vm.run) for an extern-kcs
    boot, pinned as --bmc-cpu says, behind bmc_delay.py's relay when delay_us
    is set; (None, None) for the other kinds."""
    if kind != "extern-kcs":
        yield None, None
        return
    bmc_cpus, qemu_cpus = bmc_placement(bmc_cpu)
    extern = extern_bmc.ExternBmc(workdir, host_cpus=bmc_cpus)
    os.makedirs(extern.workdir, exist_ok=True)
    with extern:
        if not delay_us:
            yield extern, qemu_cpus
            return
        with DelayedBmc(extern, delay_us, host_cpus=bmc_cpus) as delayed:
            yield delayed, qemu_cpus


def bmc_placement(choice):
    """(ipmi_sim's host CPUs as a taskset list, (QEMU's vCPU threads' CPUs, its
    other threads' CPUs)) for vm.run; (None, None) for no pinning. With a
    list or 'auto', ipmi_sim shares its CPUs with QEMU's I/O thread, which
    carries its socket; with 'apart' it has the last CPU to itself."""
    cpus = sorted(os.sched_getaffinity(0))
    if choice == "none" or (choice in ("auto", "apart") and len(cpus) < 2):
        return None, None
    if choice == "apart":
        # ipmi_sim alone on the last CPU, the vCPUs on the others, QEMU's
        # other threads wherever the host puts them.
        return str(cpus[-1]), (set(cpus[:-1]), set(cpus))
    bmc = [cpus[-1]] if choice == "auto" else [int(c) for c in choice.split(",")]
    rest = [c for c in cpus if c not in bmc]
    if not rest:
        raise SystemExit(f"bench: --bmc-cpu {choice} leaves no host CPU for the guest's vCPUs")
    return ",".join(map(str, bmc)), (set(rest), set(bmc))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--daemon", required=True, help="the ipmi-cuse binary (a build dir's daemon/ipmi-cuse)")
    p.add_argument("--kinds", help="kcs, bt, ssif, extern-kcs, sim (default kcs,ssif; with --slow-bmc extern-kcs,sim)")
    p.add_argument("--n", type=int, default=2000, help="KCS and BT transactions per run")
    p.add_argument("--ssif-n", type=int, default=200, help="SSIF transactions per run (the kernel's wait out a 5 ms timer)")
    p.add_argument("--ssif-fast-n", type=int, default=2000,
                   help="transactions per run of the in-process SSIF loop and the direct i2c-dev client")
    p.add_argument("--runs", type=int, default=5,
                   help="runs of ours and of the kernel's through /dev/ipmi0; the best is reported")
    p.add_argument("--idle", type=int, default=30, help="seconds of idle measurement (0 to skip)")
    p.add_argument("--kcs-args", default=DAEMON_ARGS["kcs"])
    p.add_argument("--bt-args", default=DAEMON_ARGS["bt"])
    p.add_argument("--sim-args", default=DAEMON_ARGS["sim"] + " --watchdog-name none",
                   help="the daemon's arguments for the sim kind")
    p.add_argument("--sim-fault", default="set delay 2",
                   help="sim: the `ipmi-cuse control fault` words that make the embedded BMC slow "
                        "(e.g. 'set delay 2', 'set byte-delay 20'), several separated by ';' "
                        "('set delay 2; set no-irq': a BMC with no interrupt, found by the driver's looks)")
    p.add_argument("--slow-bmc", action="store_true",
                   help="the slow BMCs: --kinds extern-kcs,sim unless --kinds is given")
    p.add_argument("--kernel-poll", action=argparse.BooleanOptionalAction, default=True,
                   help="KCS kinds: also the kernel's ipmi_si without its IRQ, polled by kipmid")
    p.add_argument("--base-daemon", help="another ipmi-cuse build (e.g. main's), measured in the same boot as 'base'")
    p.add_argument("--clients", type=int, default=30, help="processes in the many-clients run (0 skips it)")
    p.add_argument("--rounds", type=int, default=20, help="rounds of three requests per client")
    p.add_argument("--probes", type=int, default=0,
                   help="sample where the daemon's threads are (system call, kernel stack) N times idle, and "
                        "during the runs (@@BENCH-PROBE/-STACK lines of the transcript)")
    p.add_argument("--deadline", type=int, default=600, help="seconds the guest may take per kind")
    p.add_argument("--ssif-args", default=SSIF_ARGS)
    p.add_argument("--workdir", default=os.path.join(img.CACHE_DIR, "runs", "bench"))
    p.add_argument("--json", help="also write the figures here")
    p.add_argument("--cpu", default="max", help="QEMU -cpu model of the VM (the compat suite's: max)")
    p.add_argument("--smp", type=int, default=1, help="vCPUs of the VM (the compat suite's: 1)")
    p.add_argument("--tcg-thread", choices=("single", "multi"),
                   help="QEMU's -accel tcg,thread=: single runs every vCPU on one host thread, multi one host thread "
                        "per vCPU. Default: single with --smp above 1 (multi makes each wake-up across vCPUs wait for "
                        "the host to schedule the other vCPU's thread; see the module's help), QEMU's own otherwise")
    p.add_argument("--placement", action="store_true",
                   help="kcs, bt with --smp 2: also the floor and ours with the client pinned to vCPU 0 and the "
                        "server's threads to vCPU 1 (stacks *-apart), then to vCPU 0 (*-together)")
    p.add_argument("--bmc-cpu", default="none",
                   help="extern-kcs: the host CPUs (a list: 1 or 1,2) that ipmi_sim and QEMU's threads other than "
                        "its vCPUs run on, the vCPUs on the others; 'auto' the host's last CPU, 'apart' ipmi_sim "
                        "alone on the last CPU and the vCPUs on the others, 'none' (default) no pinning. None of "
                        "them keeps the guest from standing still while ipmi_sim works on a request "
                        "(benchmarks/README.md, issue 22)")
    p.add_argument("--bmc-delay-us", type=int, default=0,
                   help="extern-kcs: every request reaches ipmi_sim this much later (bmc_delay.py's relay): a BMC "
                        "that takes its time while the guest runs on")
    p.add_argument("--kernel-args", default="", help="added to the guest kernel's command line (e.g. idle=halt)")
    p.add_argument("--ssif-loop", help="benchmarks/ssif_loop of the same build (default: next to --daemon)")
    p.add_argument("--clock", choices=("icount", "icount-nosleep", "wall"), default="icount",
                   help="the guest's clock: icount (instructions executed; the same whatever the host's speed), "
                        "icount-nosleep (the same, and an idle guest jumps to its next timer instead of waiting it "
                        "out in real time: a slow embedded BMC's waits then cost what they cost, whatever the host's "
                        "load; not for extern-kcs, whose BMC answers in the host's real time) or wall (the host's real "
                        "time under TCG)")
    p.add_argument("--icount-shift", type=int, default=0, choices=range(0, 11), metavar="0-10",
                   help="with --clock icount: 2**SHIFT ns per guest instruction (default 0: 1 ns)")
    args = p.parse_args()
    if args.smp > 1 and args.clock != "wall":
        log("bench: --smp above 1 needs --clock wall (under icount a two-vCPU guest does not finish booting here)")
        return 2
    if args.tcg_thread is None and args.smp > 1:
        args.tcg_thread = "single"
    if not args.kinds:
        args.kinds = "extern-kcs,sim" if args.slow_bmc else "kcs,ssif"
    if args.base_daemon and not os.path.exists(args.base_daemon):
        log(f"bench: no base daemon at {args.base_daemon}")
        return 1
    unknown = [k for k in args.kinds.split(",") if k and k not in ("kcs", "bt", "ssif", "extern-kcs", "sim")]
    if unknown:
        log(f"bench: unknown kind {', '.join(unknown)} (kcs, bt, ssif, extern-kcs, sim; QEMU has no SMIC device)")
        return 2
    if not os.path.exists(args.daemon):
        log(f"bench: no daemon at {args.daemon}")
        return 1
    if not args.ssif_loop:
        build_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.daemon)))
        args.ssif_loop = os.path.join(build_dir, "benchmarks", "ssif_loop")
    if "ssif" in args.kinds.split(",") and not os.path.exists(args.ssif_loop):
        log(f"bench: no {args.ssif_loop} (ninja -C BUILD benchmarks/ssif_loop, or --ssif-loop)")
        return 1
    try:
        image = img.build(args.daemon, log=log)
    except img.ImageError as e:
        log(f"bench: cannot build the VM image: {e}")
        return 1
    host_us = host_pingpong()
    results = {}
    ok = True
    for kind in [k for k in args.kinds.split(",") if k]:
        start = time.monotonic()
        rows, boot = run_kind(image, kind, args, args.workdir)
        log(f"bench {kind}: {time.monotonic() - start:.0f} s, ok={boot.ok} {boot.reason}")
        ok = ok and boot.ok and bool(rows)
        results[kind] = rows
    text, summary = report(results)
    print("\n".join(calibration(results, host_us, clock_text(args), summary)))
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": results, "summary": summary}, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
