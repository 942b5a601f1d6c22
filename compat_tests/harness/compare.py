"""Normalising transcripts and comparing the kernel's with ipmi-cuse's.

Normalising removes only what legitimately differs between two boots of the
same scenario (clock readings, countdowns that run while the tool works, the
informational "#~" lines such as latencies). Everything else must match,
except a difference that an entry of allowed-differences.toml covers: a hunk
is allowed when every kernel line of it matches the entry's `kernel` pattern
and every ipmi-cuse line matches its `cuse` pattern. The entries are reviewed
like code; each carries its reason, and the report names the ones used.
"""

import difflib
import fnmatch
import os
import re
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ALLOWED_FILE = os.path.join(os.path.dirname(HERE), "allowed-differences.toml")

# (pattern, replacement), applied in order to every line.
RULES = [
    # Dates and times from the BMC's clock or the tools' formatting of it.
    (re.compile(r"\b\d{2}/\d{2}/\d{2}(\d{2})?\b"), "<DATE>"),
    (re.compile(r"\b[A-Z][a-z]{2}-\d{2}-\d{4}\b"), "<DATE>"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}\b"), "<TIME>"),
    # Pre-init SEL timestamps are seconds since the BMC started.
    (re.compile(r"(Pre-Init\s*\|)\d{10}\|"), r"\1<TS>|"),
    # A running watchdog's remaining time depends on how long the tool took.
    (re.compile(r"(Present Countdown:\s+)[\d.]+( sec)"), r"\1<N>\2"),
    (re.compile(r"(Current Countdown:\s+)\d+( seconds)"), r"\1<N>\2"),
]

DROPPED_PREFIXES = ("#~", "@@BEGIN", "@@UPTIME")


def normalise(transcript):
    out = []
    for line in transcript.replace("\r", "").split("\n"):
        line = line.rstrip()
        if line.startswith(DROPPED_PREFIXES):
            continue
        for pattern, repl in RULES:
            line = pattern.sub(repl, line)
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out


def info_lines(transcript):
    """The informational lines (latencies and the like) for the report."""
    return [line.rstrip() for line in transcript.split("\n") if line.startswith("#~")]


class Allowed:
    def __init__(self, ident, scenarios, kernel, cuse, reason):
        self.ident = ident
        self.scenarios = scenarios
        self.kernel = re.compile(kernel) if kernel is not None else None
        self.cuse = re.compile(cuse) if cuse is not None else None
        self.reason = reason

    def covers(self, scenario, kernel_lines, cuse_lines):
        if not any(fnmatch.fnmatch(scenario, s) for s in self.scenarios):
            return False
        if kernel_lines and (self.kernel is None or
                             not all(self.kernel.fullmatch(l) for l in kernel_lines)):
            return False
        if cuse_lines and (self.cuse is None or
                           not all(self.cuse.fullmatch(l) for l in cuse_lines)):
            return False
        return True


def load_allowed(path=ALLOWED_FILE):
    with open(path, "rb") as f:
        data = tomllib.load(f)
    entries = []
    for ident, e in data.get("difference", {}).items():
        if not e.get("reason"):
            raise ValueError(f"{path}: difference {ident} has no reason")
        entries.append(Allowed(ident, e.get("scenarios", ["*"]), e.get("kernel"),
                               e.get("cuse"), e["reason"]))
    return entries


class Comparison:
    def __init__(self):
        self.unexplained = []   # diff text of hunks no entry covers
        self.allowed = []       # (ident, reason) of entries used

    @property
    def same(self):
        return not self.unexplained


def compare(scenario, kernel_text, cuse_text, allowed):
    a, b = normalise(kernel_text), normalise(cuse_text)
    result = Comparison()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        k, c = a[i1:i2], b[j1:j2]
        entry = next((e for e in allowed if e.covers(scenario, k, c)), None)
        if entry:
            if (entry.ident, entry.reason) not in result.allowed:
                result.allowed.append((entry.ident, entry.reason))
            continue
        hunk = [f"@@ kernel line {i1 + 1}, ipmi-cuse line {j1 + 1}"]
        hunk += ["- " + line for line in k] + ["+ " + line for line in c]
        result.unexplained.append("\n".join(hunk))
    return result


def diff_against(expected_text, actual_text):
    """Unified diff of two normalised transcripts (for the kernel's golden copy)."""
    a, b = normalise(expected_text), normalise(actual_text)
    if a == b:
        return ""
    return "\n".join(difflib.unified_diff(a, b, "expected", "kernel", lineterm=""))
