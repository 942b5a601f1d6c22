"""Host-side tests of the harness itself: the cpio writer, the normaliser, the
comparison and the allowed-difference matching. They need no VM, so a broken
harness is caught before any scenario is blamed on the daemon or the kernel.
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


if __name__ == "__main__":
    unittest.main()
