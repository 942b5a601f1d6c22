"""OpenIPMI's ipmi_sim on the host, reached by QEMU's ipmi-bmc-extern.

ipmi_sim serves the guest's KCS through QEMU's "VM" serial protocol on a
loopback TCP port. Its emulated BMC (0x20) has a second management controller
at IPMB 0x30, so bridged requests (`ipmitool -t 0x30 -b 0`) reach a device that
answers, which QEMU's own BMC cannot offer. One fresh instance per boot keeps
the kernel and the ipmi-cuse runs on identical BMC state.

By default ipmi_sim performs Chassis Control on the VM itself: power down (and
the first half of a power cycle) makes QEMU exit, which the bmc-poweroff
scenario relies on. With chassis_control=True (a per-scenario option, see
scenarios.py) ipmi_sim runs a small host script for the chassis power state
instead, so `chassis power cycle` really goes off and on again while the VM
keeps running.

The extern-faults scenario (bmc_faults.py) has the host stop, kill and
start ipmi_sim again on the same port, with the same state, while the VM
runs: a BMC that goes silent, one whose connection drops, one that comes back.
"""

import os
import shlex
import shutil
import signal
import socket
import subprocess
import time

SATELLITE_ADDR = 0x30

LAN_CONF = """name "compat"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 {lan_port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  serial 15 127.0.0.1 {vm_port} codec VM
{chassis_control}user 1 true  ""      ""     user     10 none md2 md5 straight
user 2 true  "admin" "test" admin    10 none md2 md5 straight
"""

# ipmi_sim runs the chassis_control program through popen() as
# `PROG get power` (it expects "power:N" on stdout) and `PROG set power "N"`
# (empty output, status 0). A power cycle is "set power 0", then ipmi_sim's own
# one-second timer asks "get power" and, seeing 0, sends "set power 1".
# The state lives in a file next to the script; every call is logged there too.
CHASSIS_SCRIPT = """#!/bin/sh
state={state}
log={log}
echo "$*" >>"$log"
case "$1" in
    get)
        shift
        for parm in "$@"; do
            case "$parm" in
                power) echo "power:$(cat "$state")" ;;
                *) echo "unsupported parameter $parm"; exit 1 ;;
            esac
        done
        ;;
    set)
        shift
        while [ $# -ge 2 ]; do
            case "$1" in
                power)
                    case "$2" in
                        0|1) echo "$2" >"$state" ;;
                        *) echo "bad power value $2"; exit 1 ;;
                    esac
                    ;;
                *) echo "unsupported parameter $1"; exit 1 ;;
            esac
            shift 2
        done
        ;;
    *) echo "usage: $0 get|set ..."; exit 1 ;;
esac
exit 0
"""

EMU = """mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_add 0x{sat:02x} 0 no-device-sdrs 0x42 0x10 0x01 0x20 0x1291 0xf03
mc_enable 0x{sat:02x}
mc_enable 0x20
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """True when some socket listens on 127.0.0.1:port (from /proc/net/tcp)."""
    want = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                return True
    return False


def spawn_listening(argv, port, name, host_cpus=None, **popen):
    """Starts argv (pinned to host_cpus, a taskset list, if given) and waits
    until it listens on 127.0.0.1:port, without connecting: a server of one
    connection would take the probe's. Raises RuntimeError naming `name` if
    it exits first or does not listen within 10 s."""
    pin = ["taskset", "-c", host_cpus] if host_cpus else []
    proc = subprocess.Popen(pin + argv, stdin=subprocess.DEVNULL, **popen)
    deadline = time.monotonic() + 10
    while not listening(port):
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited at start")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} does not listen on 127.0.0.1:{port}")
        time.sleep(0.1)
    return proc


def lan_conf(lan_port, vm_port, chassis_script=None):
    """ipmi_sim's lan.conf; chassis_script adds the chassis_control line to MC 0x20."""
    chassis = ""
    if chassis_script:
        # popen() hands the string to sh: quote the path for the shell, and the
        # whole string for lan.conf's own "..." (a path with '"' cannot be both).
        if '"' in chassis_script:
            raise ValueError(f"chassis_control script path has a '\"': {chassis_script}")
        chassis = f'  chassis_control "{shlex.quote(chassis_script)}"\n'
    return LAN_CONF.format(lan_port=lan_port, vm_port=vm_port, chassis_control=chassis)


class ExternBmc:
    """A running ipmi_sim; use as a context manager.

    chassis_control: True makes Chassis Control act on a host-side power state
    (CHASSIS_SCRIPT) instead of powering the VM off; see the module comment."""

    def __init__(self, workdir, chassis_control=False, host_cpus=None):
        self.workdir = workdir
        # Host CPUs ipmi_sim may run on (a taskset list), or None for any.
        self.host_cpus = host_cpus
        self.port = free_port()
        self.lan_port = free_port()
        self.chassis_control = chassis_control
        self.proc = None

    def chassis_power_file(self):
        """The host-side chassis power state ("0"/"1") when chassis_control is on."""
        return os.path.join(self.workdir, "chassis-power")

    def _write_chassis_script(self):
        script = os.path.join(self.workdir, "chassis-control.sh")
        with open(self.chassis_power_file(), "w") as f:
            f.write("1\n")
        # The log, like the power state, starts afresh with each ipmi_sim.
        open(os.path.join(self.workdir, "chassis-control.log"), "w").close()
        with open(script, "w") as f:
            f.write(CHASSIS_SCRIPT.format(
                state=shlex.quote(self.chassis_power_file()),
                log=shlex.quote(os.path.join(self.workdir, "chassis-control.log"))))
        os.chmod(script, 0o755)
        return script

    def ensure(self, chassis_control):
        """Makes the running ipmi_sim use this chassis_control setting, restarting
        it (with fresh state, before QEMU connects) if it was started without it."""
        if chassis_control == self.chassis_control and self.proc:
            return self
        self.__exit__(None, None, None)
        self.chassis_control = chassis_control
        return self.__enter__()

    def __enter__(self):
        # A fresh state directory per boot: ipmi_sim keeps its SEL there, and an
        # earlier run's entries would change this run's transcript.
        state = os.path.join(self.workdir, "ipmi_sim_state")
        shutil.rmtree(state, ignore_errors=True)
        os.makedirs(state)
        conf = os.path.join(self.workdir, "lan.conf")
        emu = os.path.join(self.workdir, "bmc.emu")
        script = self._write_chassis_script() if self.chassis_control else None
        with open(conf, "w") as f:
            f.write(lan_conf(self.lan_port, self.port, script))
        with open(emu, "w") as f:
            f.write(EMU.format(sat=SATELLITE_ADDR))
        open(os.path.join(self.workdir, "ipmi_sim.log"), "wb").close()
        self._spawn()
        return self

    def _spawn(self):
        """Starts ipmi_sim on this instance's files and port; waits until it listens."""
        # Appended: after a restart the log still shows why the first one ended.
        with open(os.path.join(self.workdir, "ipmi_sim.log"), "ab") as log:
            # ipmi_sim serves one connection on the VM port.
            self.proc = spawn_listening(
                ["ipmi_sim", "-c", os.path.join(self.workdir, "lan.conf"),
                 "-f", os.path.join(self.workdir, "bmc.emu"),
                 "-s", os.path.join(self.workdir, "ipmi_sim_state"), "-n", "-d"],
                self.port, "ipmi_sim (see ipmi_sim.log)", self.host_cpus, stdout=log, stderr=subprocess.STDOUT)

    # The faults of bmc_faults.py: a BMC that goes silent (stopped), one whose
    # connection drops (killed: the socket closes, QEMU sees the chardev close)
    # and one that comes back (started again: same port, same state, and QEMU's
    # chardev reconnects by itself).

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        self.proc.send_signal(signal.SIGSTOP)
        # The signal is delivered asynchronously: return once it has been.
        os.waitpid(self.proc.pid, os.WUNTRACED)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def restart(self):
        if self.running():
            self.kill()
        self._spawn()

    def __exit__(self, *exc):
        if self.running():
            # A stopped ipmi_sim would act on SIGTERM only once continued.
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        return False
