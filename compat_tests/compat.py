#!/usr/bin/env python3
"""Entry point of the VM compatibility suite (meson suite 'compat').

  compat.py scenario NAME --daemon PATH --results DIR
      boots NAME against the kernel driver and against ipmi-cuse, compares the
      normalised transcripts, writes DIR/NAME.json and the raw logs; exit 0 = same
      (or only reviewed, allowed differences).
  compat.py report --results DIR
      prints the table of all scenarios and fails if any failed or is missing.
  compat.py boot --mode kernel|cuse --bmc KIND --scenario NAME [--daemon PATH]
      one boot, transcript on stdout (for debugging a scenario).
  compat.py demo --daemon PATH
      boots ipmi-cuse --sim and prints the README demo commands' output.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import image as img  # noqa: E402
from harness import vm  # noqa: E402
from harness import compare  # noqa: E402
from harness import extern_bmc  # noqa: E402
from harness.scenarios import BY_NAME, SCENARIOS  # noqa: E402

HOST_GRACE = 60


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def boot_once(image, scenario, mode, workdir, bmc=None, extra_files=None):
    bmc = bmc or scenario.bmc
    env = {"NEED_WATCHDOG": "1" if scenario.watchdog else "0"}
    extern = None
    if bmc.startswith("extern"):
        extern = extern_bmc.ExternBmc(workdir, chassis_control=scenario.chassis_control)
    try:
        if extern:
            extern.__enter__()
        return vm.run(image, scenario.name, mode, bmc, env, scenario.daemon_command_line(bmc),
                      scenario.deadline, scenario.deadline + HOST_GRACE, workdir, extern,
                      extra_files)
    finally:
        if extern:
            extern.__exit__(None, None, None)


EXPECTED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected")


def _half(boot):
    return {"ok": boot.ok, "reason": boot.reason, "seconds": round(boot.seconds, 1),
            "boot_seconds": boot.boot_seconds, "info": compare.info_lines(boot.transcript)}


def _setup_failure(transcript):
    for line in transcript.splitlines():
        if line.startswith("@@SETUP"):
            return line[len("@@SETUP "):]
    return ""


def cmd_scenario(args):
    """Kernel half, then ipmi-cuse half, then the comparison; writes NAME.json."""
    scenario = BY_NAME[args.name]
    results = os.path.abspath(args.results)
    rundir = os.path.join(results, "runs", scenario.name)
    os.makedirs(rundir, exist_ok=True)
    # A run that is killed (meson's timeout) must not leave an old verdict.
    stale = os.path.join(results, scenario.name + ".json")
    if os.path.exists(stale):
        os.remove(stale)
    record = {"scenario": scenario.name, "bmc": scenario.bmc, "verdict": "FAIL",
              "problems": [], "allowed": [], "kernel": None, "cuse": None}
    start = time.monotonic()

    def finish():
        record["seconds"] = round(time.monotonic() - start, 1)
        with open(os.path.join(results, scenario.name + ".json"), "w") as f:
            json.dump(record, f, indent=1)
        for p in record["problems"]:
            print(f"{scenario.name}: {p}")
        print(f"{scenario.name}: {record['verdict']} ({record['seconds']} s)")
        return 0 if record["verdict"] == "PASS" else 1

    try:
        image = img.build(args.daemon, log=log)
    except img.ImageError as e:
        record["problems"].append(f"cannot build the VM image: {e}")
        return finish()

    kernel_text = None
    if scenario.kernel:
        kb = boot_once(image, scenario, "kernel", os.path.join(rundir, "kernel"))
        record["kernel"] = _half(kb)
        _save(rundir, "kernel", kb)
        failure = _setup_failure(kb.transcript)
        if not kb.ok or failure:
            record["problems"].append(
                f"kernel half failed ({kb.reason or failure}); see {rundir}/kernel.console")
            return finish()
        kernel_text = kb.transcript
        expected = os.path.join(EXPECTED_DIR, scenario.name + ".txt")
        if args.update_expected:
            os.makedirs(EXPECTED_DIR, exist_ok=True)
            with open(expected, "w") as f:
                f.write("\n".join(compare.normalise(kernel_text)) + "\n")
        if not os.path.exists(expected):
            record["problems"].append(f"no reviewed kernel transcript {expected} "
                                      "(create it with --update-expected and review it)")
        else:
            with open(expected) as f:
                drift = compare.diff_against(f.read(), kernel_text)
            if drift:
                record["problems"].append("the kernel's transcript differs from the reviewed "
                                          "one (harness or tools changed):\n" + drift)

    if not image.daemon_layer:
        record["cuse"] = {"ok": False, "reason": f"ipmi-cuse binary missing: {args.daemon}"}
        record["problems"].append(f"ipmi-cuse binary missing: {args.daemon} "
                                  "(build the daemon; this half cannot run without it)")
        return finish()
    cb = boot_once(image, scenario, "cuse", os.path.join(rundir, "cuse"))
    record["cuse"] = _half(cb)
    _save(rundir, "cuse", cb)
    if not cb.ok:
        record["problems"].append(f"ipmi-cuse half failed ({cb.reason}); "
                                  f"see {rundir}/cuse.console")
        return finish()
    if kernel_text is None:
        # Only ipmi-cuse can serve this BMC: its transcript is checked against
        # the reviewed one alone.
        expected = os.path.join(EXPECTED_DIR, scenario.name + ".txt")
        if not os.path.exists(expected):
            record["problems"].append(f"no reviewed transcript {expected}")
            return finish()
        with open(expected) as f:
            kernel_text = f.read()
    result = compare.compare(scenario.name, kernel_text, cb.transcript, compare.load_allowed())
    record["allowed"] = [{"id": i, "reason": r} for i, r in result.allowed]
    if not result.same:
        record["problems"].append("ipmi-cuse differs from the kernel:\n" +
                                  "\n".join(result.unexplained))
    if not record["problems"]:
        record["verdict"] = "PASS"
    return finish()


def _save(rundir, mode, boot):
    with open(os.path.join(rundir, mode + ".transcript"), "w") as f:
        f.write(boot.transcript)
    with open(os.path.join(rundir, mode + ".console"), "w") as f:
        f.write(boot.console)


def cmd_report(args):
    results = os.path.abspath(args.results)
    rows, failed = [], 0
    lines = ["# ipmi-cuse compatibility report", "",
             "| scenario | BMC | verdict | kernel | ipmi-cuse | allowed differences |",
             "|---|---|---|---|---|---|"]
    boots, total = [], 0.0
    for s in SCENARIOS:
        path = os.path.join(results, s.name + ".json")
        if not os.path.exists(path):
            failed += 1
            lines.append(f"| {s.name} | {s.bmc} | FAIL (did not run) | | | |")
            continue
        with open(path) as f:
            r = json.load(f)
        if r["verdict"] != "PASS":
            failed += 1
        total += r.get("seconds", 0)

        def half(h):
            if not h:
                return "-"
            if not h.get("ok"):
                return "failed: " + h.get("reason", "")
            return f"ok, {h['seconds']} s"

        for h in (r.get("kernel"), r.get("cuse")):
            if h and h.get("boot_seconds"):
                boots.append(h["boot_seconds"])
        allowed = "; ".join(f"{a['id']}: {a['reason']}" for a in r.get("allowed", []))
        lines.append(f"| {s.name} | {s.bmc} | {r['verdict']} | {half(r.get('kernel'))} | "
                     f"{half(r.get('cuse'))} | {allowed} |")
        for h, who in ((r.get("kernel"), "kernel"), (r.get("cuse"), "ipmi-cuse")):
            for info in (h or {}).get("info", []):
                rows.append(f"- {s.name} ({who}): {info[2:].strip()}")
    lines.append("")
    if boots:
        lines.append(f"Boot to /init: {min(boots):.2f}-{max(boots):.2f} s "
                     f"(mean {sum(boots) / len(boots):.2f} s over {len(boots)} boots)")
    if rows:
        lines += ["", "Measurements:"] + rows
    lines += ["", f"Scenario time in all: {total:.0f} s",
              f"{len(SCENARIOS) - failed} of {len(SCENARIOS)} scenarios passed."]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(results, "report.md"), "w") as f:
        f.write(text)
    print(text)
    print(f"report written to {os.path.join(results, 'report.md')}")
    return 1 if failed else 0


# What one demo boot takes on a 2-core build machine, for the line that says so.
DEMO_SECONDS = 25


def cmd_demo(args):
    """Boots ipmi-cuse --sim and prints the demo commands' output from inside."""
    from harness.scenarios import DEMO
    image = img.build(args.daemon, log=log)
    if not image.daemon_layer:
        print(f"demo: ipmi-cuse binary missing: {args.daemon}", file=sys.stderr)
        return 1
    log(f"demo: 4. booting Debian's kernel in QEMU (no KVM: an emulated CPU), starting ipmi-cuse --sim there and "
        f"running the demo (about {DEMO_SECONDS} s; the output follows when the VM has powered off)")
    b = boot_once(image, DEMO, "cuse", os.path.join(img.CACHE_DIR, "runs", "demo"))
    for line in b.transcript.splitlines():
        if line.startswith("@@SETUP"):
            print("demo: " + line[len("@@SETUP "):], file=sys.stderr)
        elif not line.startswith("@@"):
            print(line)
    failure = _setup_failure(b.transcript)
    if not b.ok or failure:
        print(f"demo: the VM run failed: {b.reason or failure}", file=sys.stderr)
        return 1
    log(f"demo: VM run took {b.seconds:.1f} s")
    return 0


def cmd_list(_args):
    for s in SCENARIOS:
        print(s.name)
    return 0


def cmd_boot(args):
    image = img.build(args.daemon, log=log)
    extra = {}
    if args.script:
        from harness.scenarios import Scenario
        scenario = Scenario(args.scenario, bmc=args.bmc or "kcs", deadline=args.deadline)
        with open(args.script, "rb") as f:
            extra[f"compat/scenarios/{args.scenario}.sh"] = f.read()
    else:
        scenario = BY_NAME[args.scenario]
    workdir = args.workdir or os.path.join(img.CACHE_DIR, "runs", f"{args.scenario}-{args.mode}")
    b = boot_once(image, scenario, args.mode, workdir, args.bmc, extra)
    sys.stdout.write(b.transcript)
    log(f"boot: {b.seconds:.1f}s wall, /init at {b.boot_seconds}s, ok={b.ok} {b.reason}")
    if args.console:
        sys.stdout.write("---- console ----\n" + b.console)
    return 0 if b.ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("boot")
    b.add_argument("--mode", choices=["kernel", "cuse"], required=True)
    b.add_argument("--bmc")
    b.add_argument("--scenario", required=True)
    b.add_argument("--daemon", default="")
    b.add_argument("--workdir")
    b.add_argument("--console", action="store_true")
    b.add_argument("--script", help="run this guest script instead of the stored scenario")
    b.add_argument("--deadline", type=int, default=120)
    sc = sub.add_parser("scenario")
    sc.add_argument("name", choices=sorted(BY_NAME))
    sc.add_argument("--daemon", required=True)
    sc.add_argument("--results", required=True)
    sc.add_argument("--update-expected", action="store_true",
                    help="rewrite expected/NAME.txt from this kernel run (review the diff!)")
    rp = sub.add_parser("report")
    rp.add_argument("--results", required=True)
    sub.add_parser("list")
    dm = sub.add_parser("demo")
    dm.add_argument("--daemon", required=True)
    args = p.parse_args()
    try:
        if args.cmd == "boot":
            return cmd_boot(args)
        if args.cmd == "scenario":
            return cmd_scenario(args)
        if args.cmd == "report":
            return cmd_report(args)
        if args.cmd == "demo":
            return cmd_demo(args)
        if args.cmd == "list":
            return cmd_list(args)
    except img.ImageError as e:
        print(f"compat: cannot build the VM image: {e}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
