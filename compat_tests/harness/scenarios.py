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
    # Discovery only: no address on the command line (SMBIOS type 38 / ACPI IPI0001).
    "kcs-disc": "",
    "bt-disc": "",
    "ssif-disc": "",
    "sim": "--sim",
}

# policy-nodes: /dev/ipmi0-monitor (preset monitor, root:1000 0660) beside the
# full /dev/ipmi0 (root 0600), fixed major 120 so a restart keeps the numbers,
# and the audit trail of changes and refusals on the daemon's stderr.
POLICY_NODE_ARGS = ("--device-major 120 --node ipmi0-monitor.policy=monitor "
                    "--node ipmi0-monitor.group=1000 --node ipmi0-monitor.mode=0660 "
                    "--audit changes")


class Scenario:
    def __init__(self, name, bmc="kcs", deadline=120, watchdog=False, kernel=True,
                 bmc_poweroff=False, append="", chassis_control=False, daemon_args="",
                 bmc_faults=False):
        self.name = name
        self.bmc = bmc
        # Guest-side deadline; the host kills QEMU 60 s after it.
        self.deadline = deadline
        # The cuse half needs /dev/watchdog from the daemon as well.
        self.watchdog = watchdog
        # False for BMCs only ipmi-cuse can serve (its own --sim).
        self.kernel = kernel
        # True when the expected end of the run is QEMU exiting because the
        # emulated BMC powered its chassis off (vm.py checks and records it).
        self.bmc_poweroff = bmc_poweroff
        # Extra words for the guest kernel's command line.
        self.append = append
        # extern-kcs only: ipmi_sim keeps the chassis power state in a host
        # script (extern_bmc.CHASSIS_SCRIPT) instead of powering the VM off, so
        # `chassis power cycle` goes off and on while the guest keeps running.
        self.chassis_control = chassis_control
        # Options ipmi-cuse gets after its BMC kind's DAEMON_ARGS (the cuse
        # half only; the guest's lib.sh restarts the daemon with the same).
        self.daemon_args = daemon_args
        # extern-kcs only: the guest may ask the host to stop, kill and
        # restart ipmi_sim (harness/bmc_faults.py) while its clients wait.
        self.bmc_faults = bmc_faults

    def daemon_command_line(self, bmc=None):
        return " ".join(a for a in (DAEMON_ARGS[bmc or self.bmc], self.daemon_args) if a)


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
    Scenario("watchdog-pretimeout", watchdog=True, deadline=90),
    Scenario("concurrent"),
    Scenario("bt-basic", bmc="bt"),
    Scenario("hotmod", deadline=150),
    Scenario("ssif-basic", bmc="ssif", deadline=180),
    Scenario("kcs-discovery", bmc="kcs-disc", deadline=90),
    Scenario("bt-discovery", bmc="bt-disc", deadline=90),
    Scenario("pci-kcs", bmc="pci-kcs", deadline=90),
    Scenario("ssif-discovery", bmc="ssif-disc", deadline=150),
    Scenario("sim-tools", bmc="sim", kernel=False, deadline=150),
    Scenario("sim-sigterm", bmc="sim", kernel=False, deadline=60),
    # Issue 20: the simulated BMC's faults (slow, garbage, a bare completion
    # code, a reset mid-transfer, a busy status register, 60 s of silence)
    # and a SIGKILL while a client waits; no kernel half (its BMC has no
    # fault injection). Checked against expected/sim-faults.txt alone.
    Scenario("sim-faults", bmc="sim", kernel=False, deadline=240),
    # Issue 20: every user slot busy for 40 s, 64- and 32-bit, with victims
    # killed mid-request; the kernel's driver gives the reference.
    Scenario("soak", deadline=200),
    # acpi=off: the guest has no power-off of its own, so QEMU can only exit
    # because the BMC's chassis powered off (see guest/scenarios/bmc-poweroff.sh).
    # extern-kcs: QEMU's own BMC does not claim to be a chassis device, so
    # ipmi_poweroff (and ipmi-cuse, which detects the same way) refuse it.
    Scenario("bmc-poweroff", bmc="extern-kcs", deadline=60, bmc_poweroff=True, append="acpi=off"),
    Scenario("chassis-power-cycle", bmc="extern-kcs", deadline=90, chassis_control=True),
    # Issue 20: BMC faults the kernel's driver meets too, on ipmi_sim made to
    # misbehave by the host: silent for 10 s (stopped), its connection
    # dropped with a request outstanding (killed), then back (restarted).
    Scenario("extern-faults", bmc="extern-kcs", deadline=90, bmc_faults=True),
    # Issue 19: a monitor node beside the full one, used by an unprivileged
    # user (uid/gid 1000). The kernel has no such node: the reference for the
    # monitor node's reads is the full node in the same boot (itself compared
    # with the kernel by ipmitool-sdr, ipmitool-sel, ipmitool-fru-chassis and
    # freeipmi), so the transcript is checked against expected/ alone.
    Scenario("policy-nodes", kernel=False, daemon_args=POLICY_NODE_ARGS),
    # Issue 23: the commands of docs/containers.md (docs/examples/containers.sh
    # in-vm), each `docker run` in private mount and PID namespaces; ipmi-cuse
    # only, checked against expected/containers.txt. A BMC that discovery
    # finds, as the page's command lines name none.
    Scenario("containers", bmc="kcs-disc", kernel=False, deadline=90),
]

# Not part of the suite: the README demo, against ipmi-cuse's own simulator.
DEMO = Scenario("demo", bmc="sim", kernel=False)

BY_NAME = {s.name: s for s in SCENARIOS}
