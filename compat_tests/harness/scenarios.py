"""The scenario table: which guest script, which emulated BMC, which deadlines.

Each scenario is compat_tests/guest/scenarios/<name>.sh, run once against the
kernel's drivers and once against ipmi-cuse on the same kind of BMC. The
daemon's command line for each BMC kind is here too, in one place, because it
is the one thing that has to follow the daemon's own options.
"""

# ipmi-cuse's command line per BMC kind (daemon/main: --type/--ports like ipmi_si's
# parameters, --sim for the embedded simulator).
DAEMON_ARGS = {
    "kcs": "--ipmi_si.type kcs --ipmi_si.ports 0xca2 --ipmi_si.trydmi 0 --ipmi_si.tryacpi 0 --ipmi_si.trypci 0",
    "extern-kcs": "--ipmi_si.type kcs --ipmi_si.ports 0xca2 --ipmi_si.trydmi 0 --ipmi_si.tryacpi 0 --ipmi_si.trypci 0",
    "bt": "--ipmi_si.type bt --ipmi_si.ports 0xe4 --ipmi_si.trydmi 0 --ipmi_si.tryacpi 0 --ipmi_si.trypci 0",
    "pci-kcs": "--ipmi_si.trydmi 0 --ipmi_si.tryacpi 0",
    "ssif": "--ipmi_ssif.addr 0x10 --ipmi_ssif.adapter 0",
    "sim": "--sim",
}


class Scenario:
    def __init__(self, name, bmc="kcs", deadline=120, watchdog=False, kernel=True):
        self.name = name
        self.bmc = bmc
        # Guest-side deadline; the host kills QEMU 60 s after it.
        self.deadline = deadline
        # The cuse half needs /dev/watchdog from the daemon as well.
        self.watchdog = watchdog
        # False for BMCs only ipmi-cuse can serve (its own --sim).
        self.kernel = kernel


SCENARIOS = [
    Scenario("ipmitool-mc"),
    Scenario("ipmitool-sdr"),
    Scenario("ipmitool-sel"),
    Scenario("ipmitool-sel-event", bmc="extern-kcs"),
    Scenario("ipmitool-fru-chassis"),
    Scenario("ipmitool-watchdog"),
    Scenario("ipmitool-raw"),
    Scenario("ipmitool-exec"),
    Scenario("ipmitool-bridged-absent", deadline=180),
    Scenario("ipmitool-bridged-present", bmc="extern-kcs", deadline=180),
    Scenario("freeipmi"),
    Scenario("openipmi"),
    Scenario("probe64"),
    Scenario("probe32"),
    Scenario("watchdog-dev", watchdog=True),
    Scenario("concurrent"),
    Scenario("bt-basic", bmc="bt"),
    Scenario("ssif-basic", bmc="ssif", deadline=180),
]

# Not part of the suite: the README demo, against ipmi-cuse's own simulator.
DEMO = Scenario("demo", bmc="sim", kernel=False)

BY_NAME = {s.name: s for s in SCENARIOS}
