#!/usr/bin/env python3
"""scripts/seams.py checked on small trees of its own: a tree that keeps to
the seams passes, and each kind of wrong-way include fails, naming the file,
the line and the rule."""

import os
import subprocess
import sys
import tempfile
import unittest

SEAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "seams.py")


def run(files):
    """Runs seams.py over a tree holding files ({path: text})."""
    with tempfile.TemporaryDirectory() as root:
        for path, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                f.write(text)
        result = subprocess.run([sys.executable, SEAMS, "--root", root],
                                capture_output=True, text=True, check=False)
        return result.returncode, result.stdout


GOOD = {
    "abi/ipmi.hpp": "#pragma once\n#include <cstdint>\n",
    "core/user.hpp": '#include "abi/ipmi.hpp"\n',
    "core/testing/fake.hpp": '#include "core/user.hpp"\n',
    "base/lifetime.hpp": "#pragma once\n#include <memory>\n",
    "si/kcs.cpp": '#include "si/kcs.hpp"\n#include "core/user.hpp"\n',
    "sim/models/kcs_model.cpp": '#include "base/lifetime.hpp"\n#include "abi/ipmi.hpp"\n',
    "daemon/backends/sim.cpp": '#include "sim/bmc.hpp"\n#include "si/kcs.hpp"\n',
    "tests/unit/si/kcs_test.cpp": '#include "core/testing/fake.hpp"\n#include "fixture.hpp"\n',
}


class SeamsTest(unittest.TestCase):
    def test_a_tree_that_keeps_to_the_seams_passes(self):
        status, out = run(GOOD)
        self.assertEqual(status, 0, out)

    def test_a_wrong_way_include_fails_naming_file_line_and_rule(self):
        status, out = run({**GOOD, "si/kcs.cpp": '#include "si/kcs.hpp"\n\n#include "sim/models/kcs_model.hpp"\n'})
        self.assertEqual(status, 1)
        self.assertIn("si/kcs.cpp:3: si/ includes sim/models/kcs_model.hpp: si/ may use abi, base, core", out)

    def test_abi_may_use_nothing_of_ours(self):
        status, out = run({**GOOD, "abi/ipmi.hpp": '#include "core/user.hpp"\n'})
        self.assertEqual(status, 1)
        self.assertIn("abi/ipmi.hpp:1: abi/ includes core/user.hpp: abi/ may use nothing of ours", out)

    def test_base_may_use_nothing_of_ours(self):
        status, out = run({**GOOD, "base/lifetime.hpp": '#include "abi/ipmi.hpp"\n'})
        self.assertEqual(status, 1)
        self.assertIn("base/lifetime.hpp:1: base/ includes abi/ipmi.hpp: base/ may use nothing of ours", out)

    def test_test_doubles_are_for_tests_only(self):
        status, out = run({**GOOD, "daemon/main.cpp": '#include "core/testing/fake.hpp"\n'})
        self.assertEqual(status, 1)
        self.assertIn("daemon/main.cpp:1: daemon/ includes core/testing/fake.hpp", out)

    def test_a_bare_quoted_include_in_a_product_room_fails(self):
        status, out = run({**GOOD, "si/bt.cpp": '#include "bt.hpp"\n'})
        self.assertEqual(status, 1)
        self.assertIn('si/bt.cpp:1: "bt.hpp"', out)


if __name__ == "__main__":
    unittest.main()
