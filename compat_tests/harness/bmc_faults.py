"""BMC faults the guest asks the host for (Scenario bmc_faults=True).

Only the host can make ipmi_sim misbehave, and only the guest knows when its
clients are waiting, so the guest asks: it prints one line per fault on its
transcript port (ttyS1), and vm.run, which follows that file every 0.1 s
while QEMU runs, hands the new lines to BmcFaults.update():

  @@BMC-FAULT stop SECONDS   SIGSTOP ipmi_sim: the BMC stops answering;
                             SIGCONT SECONDS later (at most MAX_STOP)
  @@BMC-FAULT kill           SIGKILL ipmi_sim: its end of QEMU's chardev
                             closes, as when a BMC resets; stopped first,
                             a request is left outstanding mid-transfer
  @@BMC-FAULT start          ipmi_sim again, on the same port with the same
                             state; QEMU's chardev reconnects by itself

The guest waits half a second after each line before it relies on the
fault (guest/scenarios/extern-faults.sh); vm.run's poll is 0.1 s.
Every fault is bounded in time: a stop ends on its own, and the end of the
boot continues a stopped ipmi_sim. What the host did is appended to the
transcript: "host:" lines, compared between the halves like the guest's, and
"#~" lines with its timings. A malformed or impossible request fails the boot.
"""

MARK = "@@BMC-FAULT "
MAX_STOP = 30.0


class BmcFaults:
    """Follows the transcript file and applies its requests to an ExternBmc."""

    def __init__(self, result_path, bmc):
        self.path = result_path
        self.bmc = bmc
        self.offset = 0
        self.stopped_at = None
        self.resume_at = None
        self.killed_at = None
        self.requested = ""
        self.lines = []
        self.info = []
        self.problems = []

    def update(self, now):
        """Acts on the complete lines added since the last call, and ends a
        stop whose time is up."""
        for line in self._new_lines():
            if line.startswith(MARK):
                self._request(line[len(MARK):].split(), now)
        if self.resume_at is not None and now >= self.resume_at:
            self._resume(now)

    def finish(self, now):
        """At the end of the boot: the last requests, a stop cut short, and
        the host's lines for the transcript (compared lines first)."""
        self.update(now)
        if self.stopped_at is not None:
            self._fail(f"ipmi_sim still stopped at the end of the boot "
                       f"({now - self.stopped_at:.1f} s)")
            self._resume(now)
        return self.lines + self.info + [f"host: {p}" for p in self.problems]

    def _new_lines(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        complete = data[:data.rfind(b"\n") + 1]
        self.offset += len(complete)
        return complete.decode(errors="replace").replace("\r", "").splitlines()

    def _fail(self, problem):
        self.problems.append(problem)

    def _request(self, words, now):
        what = " ".join(words)
        if words[:1] == ["stop"] and len(words) == 2:
            self._stop(words[1], now)
        elif words == ["kill"]:
            self._kill(now)
        elif words == ["start"]:
            self._start(now)
        else:
            self._fail(f"unknown BMC fault request: {what!r}")

    def _stop(self, seconds, now):
        try:
            duration = float(seconds)
        except ValueError:
            duration = -1.0
        if not 0 < duration <= MAX_STOP:
            self._fail(f"stop {seconds}: the time must be more than 0 and at most {MAX_STOP:.0f} s")
        elif not self.bmc.running():
            self._fail("stop: ipmi_sim is not running")
        elif self.stopped_at is not None:
            self._fail("stop: ipmi_sim is stopped already")
        else:
            self.bmc.stop()
            self.stopped_at, self.resume_at = now, now + duration
            self.requested = seconds

    def _resume(self, now):
        self.bmc.resume()
        self.lines.append(f"host: ipmi_sim stopped for {self.requested} s, then continued: yes")
        self.info.append(f"#~ host: ipmi_sim was stopped {now - self.stopped_at:.2f} s")
        self.stopped_at = self.resume_at = None

    def _kill(self, now):
        if not self.bmc.running():
            self._fail("kill: ipmi_sim is not running")
            return
        was = "while stopped" if self.stopped_at is not None else "while running"
        self.bmc.kill()
        self.stopped_at = self.resume_at = None
        self.killed_at = now
        self.lines.append(f"host: ipmi_sim killed {was}: yes")

    def _start(self, now):
        if self.bmc.running():
            self._fail("start: ipmi_sim is running already")
            return
        self.bmc.restart()
        self.lines.append("host: ipmi_sim started again on the same port: yes")
        if self.killed_at is not None:
            self.info.append(f"#~ host: ipmi_sim was down {now - self.killed_at:.2f} s")
        self.killed_at = None


def transcript_with(transcript, lines):
    """The transcript with the host's lines appended (a cut last line ended)."""
    if not lines:
        return transcript
    text = transcript if transcript.endswith("\n") or not transcript else transcript + "\n"
    return text + "\n".join(lines) + "\n"
