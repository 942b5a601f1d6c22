#!/usr/bin/python3
"""Plots the headline of a vm/bench.py run: time per Get Device ID through
/dev/ipmi0 for the kernel's driver, ipmi-cuse and the CUSE floor (a CUSE
device with nothing behind it), per interface kind.

    benchmarks/plot.py RESULTS.json OUT.svg|OUT.png

RESULTS.json is what `bench.py --json` writes; only its "summary" is read
(KIND.kernel.us_per_tx, KIND.ours.us_per_tx, KIND.cuse_floor.us_per_tx and
"clock"). Kinds the run did not measure are marked on the plot. Needs
matplotlib (Debian: python3-matplotlib), hence Debian's own python3.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: a small, diffable file
matplotlib.rcParams["svg.hashsalt"] = "ipmi-cuse"  # the same ids in every run
import matplotlib.pyplot as plt  # noqa: E402

KINDS = ["kcs", "bt", "smic", "ssif"]
NOT_MEASURED = {"smic": "no SMIC device\nin QEMU"}
STACKS = [("kernel", "kernel driver", "#8c8c8c"),
          ("ours", "ipmi-cuse", "#1f77b4"),
          ("cuse_floor", "CUSE floor (empty device)", "#aec7e8")]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        summary = json.load(f)["summary"]
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    width = 0.26
    for i, kind in enumerate(KINDS):
        measured = [s for s, _, _ in STACKS if f"{kind}.{s}.us_per_tx" in summary]
        if not measured:
            ax.text(i, 30, NOT_MEASURED.get(kind, "not measured"), ha="center", va="center",
                    fontsize=8, color="#555555")
        for j, (stack, label, colour) in enumerate(STACKS):
            value = summary.get(f"{kind}.{stack}.us_per_tx")
            if value is None:
                continue
            x = i + (j - 1) * width
            ax.bar(x, value, width, color=colour, label=label if i == 0 else None)
            ax.text(x, value * 1.08, f"{value:.0f}" if value >= 1000 else f"{value:.1f}",
                    ha="center", va="bottom", fontsize=7.5)
    ax.set_yscale("log")
    ax.set_ylim(5, 30000)
    ax.set_xticks(range(len(KINDS)), [k.upper() for k in KINDS])
    ax.set_ylabel("µs per Get Device ID (log scale; lower is better)")
    ax.set_title("Get Device ID through /dev/ipmi0, QEMU's emulated BMC", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    clock = summary.get("clock", "")
    fig.text(0.01, 0.01, f"clock: {clock}" if clock else "", fontsize=6.5, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    # No date in the file, so that the same figures give the same bytes.
    fig.savefig(sys.argv[2], metadata={"Date": None} if sys.argv[2].endswith(".svg") else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
