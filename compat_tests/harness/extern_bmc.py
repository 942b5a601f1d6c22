"""OpenIPMI's ipmi_sim on the host, reached by QEMU's ipmi-bmc-extern.

ipmi_sim serves the guest's KCS through QEMU's "VM" serial protocol on a
loopback TCP port. Its emulated BMC (0x20) has a second management controller
at IPMB 0x30, so bridged requests (`ipmitool -t 0x30 -b 0`) reach a device that
answers, which QEMU's own BMC cannot offer. One fresh instance per boot keeps
the kernel and the ipmi-cuse runs on identical BMC state.
"""

import os
import shutil
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
user 1 true  ""      ""     user     10 none md2 md5 straight
user 2 true  "admin" "test" admin    10 none md2 md5 straight
"""

EMU = """mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_add 0x{sat:02x} 0 no-device-sdrs 0x42 0x10 0x01 0x20 0x1291 0xf03
mc_enable 0x{sat:02x}
mc_enable 0x20
"""


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port):
    """True when some socket listens on 127.0.0.1:port (from /proc/net/tcp)."""
    want = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                return True
    return False


class ExternBmc:
    """A running ipmi_sim; use as a context manager."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = _free_port()
        self.lan_port = _free_port()
        self.proc = None

    def __enter__(self):
        # A fresh state directory per boot: ipmi_sim keeps its SEL there, and an
        # earlier run's entries would change this run's transcript.
        state = os.path.join(self.workdir, "ipmi_sim_state")
        shutil.rmtree(state, ignore_errors=True)
        os.makedirs(state)
        conf = os.path.join(self.workdir, "lan.conf")
        emu = os.path.join(self.workdir, "bmc.emu")
        with open(conf, "w") as f:
            f.write(LAN_CONF.format(lan_port=self.lan_port, vm_port=self.port))
        with open(emu, "w") as f:
            f.write(EMU.format(sat=SATELLITE_ADDR))
        log = open(os.path.join(self.workdir, "ipmi_sim.log"), "wb")
        self.proc = subprocess.Popen(
            ["ipmi_sim", "-c", conf, "-f", emu, "-s",
             os.path.join(self.workdir, "ipmi_sim_state"), "-n", "-d"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        # Wait until the VM port listens, without connecting to it: ipmi_sim
        # serves one connection on that port, and a probe would take it.
        deadline = time.monotonic() + 10
        while not _listening(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError("ipmi_sim exited at start; see ipmi_sim.log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"ipmi_sim does not listen on 127.0.0.1:{self.port}")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False
