"""Host-side tests of the harness itself: the cpio writer, the normaliser, the
comparison and the allowed-difference matching, QEMU's machine arguments, the
verdict of a bmc_poweroff boot, and the extern BMC's chassis_control
configuration. They need no VM, so a broken harness is caught before any
scenario is blamed on the daemon or the kernel.
"""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness import compare  # noqa: E402
from harness.cpio import CpioWriter  # noqa: E402
from harness import image  # noqa: E402
from harness import vm  # noqa: E402
from harness import extern_bmc  # noqa: E402
from harness import bmc_faults  # noqa: E402
from harness.scenarios import BY_NAME  # noqa: E402


class CpioTest(unittest.TestCase):
    def test_archive_lists_and_extracts_with_cpio(self):
        if shutil.which("cpio") is None:
            self.skipTest("cpio(1) is not installed")
        buf = io.BytesIO()
        w = CpioWriter(buf)
        w.data("compat/test.env", b"MODE=kernel\n")
        w.symlink("bin", "usr/bin")
        w.data("usr/bin/x.sh", b"#!/bin/sh\n", 0o755)
        w.finish()
        self.assertEqual(len(buf.getvalue()) % 4, 0)
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run(["cpio", "-idm", "--quiet"], input=buf.getvalue(), cwd=d,
                               capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "compat", "test.env"), "rb") as f:
                self.assertEqual(f.read(), b"MODE=kernel\n")
            self.assertEqual(os.readlink(os.path.join(d, "bin")), "usr/bin")
            self.assertTrue(os.stat(os.path.join(d, "usr/bin/x.sh")).st_mode & 0o100)


class NormaliseTest(unittest.TestCase):
    def test_clock_and_countdown_are_masked(self):
        text = ("@@BEGIN x mode=kernel\r\n@@UPTIME 2.5\n   1 | 11/21/2025 | 06:57:01 | Temp\n"
                "Present Countdown:      9.8 sec\n#~ latency: 80 us\nkeep me\n\n")
        self.assertEqual(compare.normalise(text),
                         ["   1 | <DATE> | <TIME> | Temp", "Present Countdown:      <N> sec",
                          "keep me"])

    def test_pre_init_sel_time_is_masked_but_the_record_is_kept(self):
        self.assertEqual(compare.normalise("   1 |  Pre-Init  |0000001161| Temperature #0x30"),
                         ["   1 |  Pre-Init  |<TS>| Temperature #0x30"])

    def test_info_lines_are_collected(self):
        self.assertEqual(compare.info_lines("a\n#~ Get Device ID latency: 80 us\n"),
                         ["#~ Get Device ID latency: 80 us"])


class CompareTest(unittest.TestCase):
    def test_identical_transcripts_are_the_same(self):
        r = compare.compare("probe64", "a\nb\n", "a\nb\n", [])
        self.assertTrue(r.same)

    def test_a_changed_errno_is_reported(self):
        r = compare.compare("probe64", "x: rv=-1 EINVAL\ny\n", "x: rv=-1 ENOTTY\ny\n", [])
        self.assertFalse(r.same)
        self.assertIn("- x: rv=-1 EINVAL", r.unexplained[0])
        self.assertIn("+ x: rv=-1 ENOTTY", r.unexplained[0])

    def test_a_missing_line_is_reported(self):
        r = compare.compare("s", "a\nb\nc\n", "a\nc\n", [])
        self.assertEqual(r.unexplained, ["@@ kernel line 2, ipmi-cuse line 2\n- b"])

    def test_allowed_entry_covers_only_its_scenario_and_lines(self):
        entry = compare.Allowed("users", ["probe*"], r"users: \d+ more opens, then EBUSY",
                                r"users: \d+ more opens, then EBUSY", "reason")
        k = "users: 28 more opens, then EBUSY\n"
        c = "users: 29 more opens, then EBUSY\n"
        r = compare.compare("probe64", k, c, [entry])
        self.assertTrue(r.same)
        self.assertEqual(r.allowed, [("users", "reason")])
        self.assertFalse(compare.compare("concurrent", k, c, [entry]).same)
        self.assertFalse(compare.compare("probe64", k, "users: 29 more opens, then none\n",
                                         [entry]).same)

    def test_an_entry_without_a_side_allows_no_line_there(self):
        entry = compare.Allowed("extra", ["*"], None, r"extra .*", "reason")
        self.assertTrue(compare.compare("s", "a\n", "a\nextra line\n", [entry]).same)
        self.assertFalse(compare.compare("s", "a\nkernel only\n", "a\n", [entry]).same)

    def test_the_reviewed_list_loads_and_every_entry_has_a_reason(self):
        for e in compare.load_allowed():
            self.assertTrue(e.reason)


class ImageTest(unittest.TestCase):
    def test_vmlinux_is_found_after_a_decoy_magic(self):
        import lzma
        elf = b"\x7fELF" + bytes(range(256)) * 8
        blob = b"MZ junk \xfd7zXZ\x00 not a stream " + lzma.compress(elf) + b"trailer"
        self.assertEqual(image._find_vmlinux(blob), elf)

    def test_no_kernel_inside_is_a_clear_error(self):
        with self.assertRaises(image.ImageError):
            image._find_vmlinux(b"MZ nothing compressed here")

    def test_usr_merge_mapping(self):
        self.assertEqual(image._merged("/lib64/ld-linux-x86-64.so.2"),
                         "/usr/lib64/ld-linux-x86-64.so.2")
        self.assertEqual(image._merged("/usr/bin/ipmitool"), "/usr/bin/ipmitool")


class MachineArgsTest(unittest.TestCase):
    def test_the_suites_boot_one_max_cpu_on_the_host_clock(self):
        args = vm.machine_args()
        self.assertNotIn("-icount", args)
        self.assertEqual(args[args.index("-accel") + 1], "tcg")
        self.assertEqual(args[args.index("-cpu") + 1], "max")
        self.assertEqual(args[args.index("-smp") + 1], "1")

    def test_an_icount_shift_gives_the_guest_an_instruction_clock(self):
        args = vm.machine_args("qemu64", 2, icount_shift=3)
        self.assertEqual(args[args.index("-icount") + 1], "shift=3,sleep=on")
        self.assertEqual(args[args.index("-cpu") + 1], "qemu64")
        self.assertEqual(args[args.index("-smp") + 1], "2")

    def test_without_sleep_an_idle_guest_jumps_to_its_next_timer(self):
        args = vm.machine_args(icount_shift=0, icount_sleep=False)
        self.assertEqual(args[args.index("-icount") + 1], "shift=0,sleep=off")

    def test_two_vcpus_can_share_one_host_thread(self):
        args = vm.machine_args(smp=2, tcg_thread="single")
        self.assertEqual(args[args.index("-accel") + 1], "tcg,thread=single")
        self.assertEqual(args[args.index("-smp") + 1], "2")


class BmcPowerOffOutcomeTest(unittest.TestCase):
    """vm._bmc_poweroff_outcome: the host's verdict on a boot that must end with
    the BMC powering the chassis (QEMU) off."""

    MARK = vm.POWEROFF_MARK

    def watch(self, marked_at):
        w = vm._PowerOffWatch("/nonexistent/result.log")
        w.marked_at = marked_at
        return w

    def outcome(self, mode="kernel", transcript=None, console="", marked_at=100.0,
                exited=103.0, status=0, qemu_out=""):
        if transcript is None:
            transcript = f"power-off handler ready: yes\n{self.MARK}\n"
        return vm._bmc_poweroff_outcome(mode, transcript, console, self.watch(marked_at),
                                        exited, status, qemu_out)

    def test_kernel_power_off_within_the_bound_passes(self):
        text, problem = self.outcome(console="[ 5.0] reboot: Power down\n")
        self.assertEqual(problem, "")
        self.assertEqual(text.splitlines()[2:], [
            f"host: QEMU exited with status 0 within 15 s of {self.MARK}: yes",
            f"#~ host: QEMU exited 3.0 s after the guest's {self.MARK} (kernel)",
            "#~ host: the guest kernel's power-off path ran: yes (kernel)",
        ])

    def test_both_halves_normalise_alike_when_both_pass(self):
        kernel, kp = self.outcome("kernel", console="reboot: Power down\n", exited=101.5)
        cuse, cp = self.outcome("cuse", console="", exited=108.0)
        self.assertEqual((kp, cp), ("", ""))
        self.assertEqual(compare.normalise(kernel), compare.normalise(cuse))
        self.assertIn("#~ host: the guest kernel's power-off path ran: no (cuse)",
                      cuse.splitlines())

    def test_cuse_half_must_not_power_off_by_itself(self):
        text, problem = self.outcome("cuse", console="reboot: System halted\n")
        self.assertEqual(problem, "the guest kernel powered off by itself; "
                                  "the BMC's power-off is not proven")
        self.assertEqual(text.splitlines()[-1], "host: " + problem)

    def test_a_late_exit_fails_and_says_no(self):
        text, problem = self.outcome(exited=100.0 + vm.POWEROFF_BOUND + 0.5)
        self.assertEqual(problem, f"QEMU exited 15.5 s after {self.MARK} (bound 15 s)")
        self.assertIn(f"host: QEMU exited with status 0 within 15 s of {self.MARK}: no",
                      text.splitlines())

    def test_exit_exactly_at_the_bound_passes(self):
        _, problem = self.outcome(exited=100.0 + vm.POWEROFF_BOUND)
        self.assertEqual(problem, "")

    def test_a_nonzero_qemu_status_fails_with_its_output(self):
        text, problem = self.outcome(status=1, qemu_out="qemu: boom")
        self.assertEqual(problem, f"QEMU exited 1 after {self.MARK}: qemu: boom")
        self.assertNotIn("within", text)
        self.assertEqual(text.splitlines()[-1], "host: " + problem)

    def test_no_marker_fails(self):
        text, problem = self.outcome(transcript="@@BEGIN x\n", marked_at=None)
        self.assertEqual(problem, f"the guest never printed {self.MARK}")
        self.assertEqual(text, "@@BEGIN x\n"
                               "#~ host: the guest kernel's power-off path ran: no (kernel)\n"
                               f"host: {problem}\n")

    def test_a_transcript_cut_mid_line_gets_its_newline(self):
        text, _ = self.outcome(transcript=f"{self.MARK}")
        self.assertTrue(text.startswith(f"{self.MARK}\nhost: QEMU exited"))

    def test_the_watch_sees_the_marker_and_the_end(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "result.log")
            w = vm._PowerOffWatch(path)
            self.assertFalse(w.update(1.0))
            self.assertIsNone(w.marked_at)
            with open(path, "w") as f:
                f.write(f"x\n{self.MARK}\n")
            self.assertFalse(w.update(2.0))
            self.assertEqual(w.marked_at, 2.0)
            self.assertFalse(w.overdue(2.0 + vm.POWEROFF_BOUND + 5))
            self.assertTrue(w.overdue(2.0 + vm.POWEROFF_BOUND + 5.1))
            with open(path, "a") as f:
                f.write("@@END rc=0\n")
            self.assertTrue(w.update(3.0))
            self.assertEqual(w.marked_at, 2.0)


class ExternBmcChassisControlTest(unittest.TestCase):
    """ipmi_sim's chassis_control: per scenario, and the script's protocol."""

    def test_default_lan_conf_has_no_chassis_control(self):
        conf = extern_bmc.lan_conf(1000, 1001)
        self.assertNotIn("chassis_control", conf)
        self.assertIn("serial 15 127.0.0.1 1001 codec VM", conf)

    def test_chassis_control_line_follows_the_working_mc(self):
        conf = extern_bmc.lan_conf(1000, 1001, "/tmp/a b/chassis.sh").splitlines()
        line = conf.index("  chassis_control \"'/tmp/a b/chassis.sh'\"")
        self.assertGreater(line, conf.index("set_working_mc 0x20"))
        with self.assertRaises(ValueError):
            extern_bmc.lan_conf(1000, 1001, '/tmp/"q"/chassis.sh')

    def test_only_the_power_cycle_scenario_replaces_the_vm_power_off(self):
        self.assertFalse(BY_NAME["bmc-poweroff"].chassis_control)
        self.assertTrue(BY_NAME["chassis-power-cycle"].chassis_control)
        self.assertEqual(BY_NAME["chassis-power-cycle"].bmc, "extern-kcs")
        for s in BY_NAME.values():
            if s.chassis_control:
                self.assertTrue(s.bmc.startswith("extern"), s.name)

    def test_ensure_restarts_ipmi_sim_only_for_a_changed_setting(self):
        if shutil.which("ipmi_sim") is None:
            self.skipTest("ipmi_sim (openipmi) is not installed")
        with tempfile.TemporaryDirectory() as d:
            with extern_bmc.ExternBmc(d) as bmc:
                first = bmc.proc
                with open(os.path.join(d, "lan.conf")) as f:
                    self.assertNotIn("chassis_control", f.read())
                self.assertIs(bmc.ensure(chassis_control=False).proc, first)
                bmc.ensure(chassis_control=True)
                self.assertIsNot(bmc.proc, first)
                self.assertIsNotNone(first.poll())
                self.assertIsNone(bmc.proc.poll())
                with open(os.path.join(d, "lan.conf")) as f:
                    self.assertIn(f'chassis_control "{d}/chassis-control.sh"', f.read())
                second = bmc.proc
                self.assertIs(bmc.ensure(chassis_control=True).proc, second)
            self.assertIsNotNone(second.poll())

    def test_the_script_keeps_the_power_state_as_ipmi_sim_calls_it(self):
        with tempfile.TemporaryDirectory() as d:
            bmc = extern_bmc.ExternBmc(d, chassis_control=True)
            script = bmc._write_chassis_script()

            def call(*words):
                # ipmi_sim's popen() command line: PROG get power / PROG set power "N"
                cmd = " ".join([script] + list(words))
                return subprocess.run(["sh", "-c", cmd], capture_output=True, text=True)

            self.assertEqual(call("get", "power").stdout, "power:1\n")
            r = call("set", "power", '"0"')
            self.assertEqual((r.returncode, r.stdout), (0, ""))
            self.assertEqual(call("get", "power").stdout, "power:0\n")
            self.assertEqual(call("set", "power", '"1"').returncode, 0)
            self.assertEqual(call("get", "power").stdout, "power:1\n")
            self.assertNotEqual(call("set", "power", '"7"').returncode, 0)
            self.assertNotEqual(call("get", "reset").returncode, 0)
            self.assertEqual(call("get", "power").stdout, "power:1\n")
            with open(os.path.join(d, "chassis-control.log")) as f:
                self.assertEqual(f.readline(), "get power\n")


class RecordingBmc:
    """What BmcFaults asks of an ExternBmc, in order."""

    def __init__(self):
        self.calls = []
        self.up = True

    def running(self):
        return self.up

    def stop(self):
        self.calls.append("stop")

    def resume(self):
        self.calls.append("resume")

    def kill(self):
        self.calls.append("kill")
        self.up = False

    def restart(self):
        self.calls.append("restart")
        self.up = True


class BmcFaultsTest(unittest.TestCase):
    """The guest's @@BMC-FAULT requests, acted on by the host (extern-faults)."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "result.log")
        self.bmc = RecordingBmc()
        self.faults = bmc_faults.BmcFaults(self.path, self.bmc)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, text):
        with open(self.path, "a") as f:
            f.write(text)

    def test_a_stop_ends_on_its_own_after_its_time(self):
        self.faults.update(0.0)  # no transcript yet
        self.write("== silent\n@@BMC-FAULT stop 10\n")
        self.faults.update(1.0)
        self.assertEqual(self.bmc.calls, ["stop"])
        self.faults.update(10.9)
        self.assertEqual(self.bmc.calls, ["stop"])
        self.faults.update(11.0)
        self.assertEqual(self.bmc.calls, ["stop", "resume"])
        self.assertEqual(self.faults.finish(20.0), [
            "host: ipmi_sim stopped for 10 s, then continued: yes",
            "#~ host: ipmi_sim was stopped 10.00 s"])

    def test_a_line_is_acted_on_only_once_complete(self):
        self.write("@@BMC-FAULT ki")
        self.faults.update(1.0)
        self.assertEqual(self.bmc.calls, [])
        self.write("ll\n")
        self.faults.update(2.0)
        self.faults.update(3.0)
        self.assertEqual(self.bmc.calls, ["kill"])

    def test_kill_while_stopped_then_start(self):
        self.write("@@BMC-FAULT stop 20\n@@BMC-FAULT kill\n")
        self.faults.update(1.0)
        self.write("@@BMC-FAULT start\n")
        self.faults.update(2.5)
        # The stop's own end never comes: the killed process is gone.
        self.faults.update(30.0)
        self.assertEqual(self.bmc.calls, ["stop", "kill", "restart"])
        self.assertEqual(self.faults.finish(31.0), [
            "host: ipmi_sim killed while stopped: yes",
            "host: ipmi_sim started again on the same port: yes",
            "#~ host: ipmi_sim was down 1.50 s"])
        self.assertEqual(self.faults.problems, [])

    def test_bad_requests_fail_the_boot(self):
        self.write("@@BMC-FAULT stop 0\n@@BMC-FAULT stop 31\n@@BMC-FAULT stop soon\n"
                   "@@BMC-FAULT pause 3\n@@BMC-FAULT start\n@@BMC-FAULT kill\n@@BMC-FAULT stop 1\n")
        self.faults.update(1.0)
        self.assertEqual(self.bmc.calls, ["kill"])
        self.assertEqual(self.faults.problems, [
            "stop 0: the time must be more than 0 and at most 30 s",
            "stop 31: the time must be more than 0 and at most 30 s",
            "stop soon: the time must be more than 0 and at most 30 s",
            "unknown BMC fault request: 'pause 3'",
            "start: ipmi_sim is running already",
            "stop: ipmi_sim is not running"])
        self.assertIn("host: unknown BMC fault request: 'pause 3'", self.faults.finish(2.0))

    def test_a_stop_left_at_the_end_of_the_boot_is_ended_and_reported(self):
        self.write("@@BMC-FAULT stop 30\n")
        self.faults.update(1.0)
        lines = self.faults.finish(5.0)
        self.assertEqual(self.bmc.calls, ["stop", "resume"])
        self.assertIn("host: ipmi_sim still stopped at the end of the boot (4.0 s)", lines)

    def test_host_lines_follow_the_transcript(self):
        self.assertEqual(bmc_faults.transcript_with("@@END rc=0", ["host: x"]), "@@END rc=0\nhost: x\n")
        self.assertEqual(bmc_faults.transcript_with("a\n", []), "a\n")

    def test_only_extern_faults_asks_for_faults_and_only_of_ipmi_sim(self):
        self.assertTrue(BY_NAME["extern-faults"].bmc_faults)
        for s in BY_NAME.values():
            if s.bmc_faults:
                self.assertEqual(s.bmc, "extern-kcs", s.name)

    def test_ipmi_sim_is_stopped_continued_killed_and_started_on_its_port(self):
        if shutil.which("ipmi_sim") is None:
            self.skipTest("ipmi_sim (openipmi) is not installed")

        def state(proc):
            with open(f"/proc/{proc.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0]

        with tempfile.TemporaryDirectory() as d:
            with extern_bmc.ExternBmc(d) as bmc:
                faults = bmc_faults.BmcFaults(os.path.join(d, "result.log"), bmc)
                with open(faults.path, "w") as f:
                    f.write("@@BMC-FAULT stop 1\n")
                faults.update(0.0)
                self.assertEqual(state(bmc.proc), "T")
                faults.update(1.0)
                self.assertNotEqual(state(bmc.proc), "T")
                first = bmc.proc
                with open(faults.path, "a") as f:
                    f.write("@@BMC-FAULT stop 5\n@@BMC-FAULT kill\n")
                faults.update(2.0)
                self.assertIsNotNone(first.poll())
                self.assertFalse(bmc.running())
                self.assertFalse(extern_bmc.listening(bmc.port))
                with open(faults.path, "a") as f:
                    f.write("@@BMC-FAULT start\n")
                faults.update(3.0)
                self.assertTrue(bmc.running())
                self.assertTrue(extern_bmc.listening(bmc.port))
                self.assertEqual(faults.problems, [])


if __name__ == "__main__":
    unittest.main()
