"""Boots one scenario in one QEMU VM and returns its transcript.

One boot = one scenario in one mode ("kernel": Debian's ipmi_si/ipmi_ssif +
ipmi_devintf + ipmi_watchdog; "cuse": fuse + cuse + ipmi-cuse, no kernel IPMI
module) behind one emulated BMC. The guest writes the transcript to its second
serial port; the console goes to a log file kept for failures. Every wait has a
deadline: the guest arms its own, and the host kills QEMU after a hard one.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time

from . import image as img
from . import extern_bmc
from .bmc_faults import BmcFaults, transcript_with

# A fixed GUID so `mc guid` is the same in every boot.
BMC_GUID = "8f2c3a7e-5b1d-4c6e-9a0f-1d2e3f405162"


def _bmc_sim(fru):
    return ["-device", f"ipmi-bmc-sim,id=bmc0,guid={BMC_GUID},frudatafile={fru},"
                       "mfg_id=343,product_id=0x1234,fwrev1=1,fwrev2=0x23"]


# What each BMC kind adds to QEMU's command line. "sim" has no emulated BMC:
# only ipmi-cuse's own simulator serves it, so it has no kernel half.
def bmc_args(kind, fru, extern_port=None):
    if kind == "kcs":
        return _bmc_sim(fru) + ["-device", "isa-ipmi-kcs,bmc=bmc0,ioport=0xca2"]
    if kind == "bt":
        return _bmc_sim(fru) + ["-device", "isa-ipmi-bt,bmc=bmc0"]
    if kind == "pci-kcs":
        return _bmc_sim(fru) + ["-device", "pci-ipmi-kcs,bmc=bmc0"]
    if kind == "ssif":
        return _bmc_sim(fru) + ["-device", "smbus-ipmi,bmc=bmc0,address=0x10"]
    # The same devices, for scenarios where ipmi-cuse must find them by
    # discovery (SMBIOS type 38 / ACPI IPI0001) instead of parameters.
    if kind in ("kcs-disc", "bt-disc", "ssif-disc"):
        return bmc_args(kind[:-len("-disc")], fru, extern_port)
    if kind == "extern-kcs":
        return ["-chardev", f"socket,id=ipmichr,host=127.0.0.1,port={extern_port},reconnect=1",
                "-device", "ipmi-bmc-extern,id=bmc0,chardev=ipmichr",
                "-device", "isa-ipmi-kcs,bmc=bmc0,ioport=0xca2"]
    if kind == "sim":
        return []
    raise ValueError(f"unknown BMC kind {kind}")


class Boot:
    """The outcome of one VM run."""

    def __init__(self, transcript, console, seconds, ok, reason, boot_seconds):
        self.transcript = transcript
        self.console = console
        self.seconds = seconds
        self.ok = ok
        self.reason = reason
        self.boot_seconds = boot_seconds


def _fru_file():
    """A small, valid FRU image (common header + board area + product area)."""
    path = os.path.join(img.CACHE_DIR, "fru-v1.bin")
    if os.path.exists(path):
        return path

    def field(text):
        b = text.encode()
        return bytes([0xC0 | len(b)]) + b

    def area(body_fields, head):
        body = head + b"".join(field(f) for f in body_fields) + b"\xc1"
        while (len(body) + 1) % 8:
            body += b"\0"
        body = bytearray(body)
        body[1] = (len(body) + 1) // 8
        body += bytes([(-sum(body)) & 0xFF])
        return bytes(body)

    board = area(["ipmi-cuse", "Compat Board", "SN-0001", "PN-0001", "fru.bin"],
                 b"\x01\x00\x19\x00\x00\x00")
    product = area(["ipmi-cuse", "Compat Product", "PN-1", "1.0", "PSN-1", "TAG", "f"],
                   b"\x01\x00\x19")
    header = bytearray([1, 0, 0, 1, 1 + len(board) // 8, 0, 0])
    header.append((-sum(header)) & 0xFF)
    data = bytes(header) + board + product
    data += b"\0" * (1024 - len(data))
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    return path


def machine_args(cpu="max", smp=1, icount_shift=None, icount_sleep=True, tcg_thread=None):
    """QEMU's machine, CPU and clock: TCG, and with `icount_shift` N a guest
    clock of 2**N ns per instruction executed (real time while it idles, or,
    with icount_sleep False, a jump to the next timer). `tcg_thread` "single"
    runs every vCPU on one host thread, "multi" one host thread each (QEMU's
    default without icount)."""
    clock = [] if icount_shift is None else ["-icount", f"shift={icount_shift},sleep={'on' if icount_sleep else 'off'}"]
    accel = "tcg" if tcg_thread is None else f"tcg,thread={tcg_thread}"
    return ["-M", "q35", "-accel", accel] + clock + ["-cpu", cpu, "-m", "384", "-smp", str(smp)]


def run(image, scenario, mode, bmc, env, daemon_args, guest_deadline, host_deadline,
        workdir, extern=None, extra_files=None, cpu="max", smp=1, icount_shift=None, icount_sleep=True,
        kernel_args="", tcg_thread=None, host_cpus=None):
    """Boots once; returns a Boot. Never raises for guest failures.

    `cpu`, `smp`, `icount_shift`, `tcg_thread` (machine_args),
    `kernel_args` (added to the guest kernel's command line) and `host_cpus`
    (where QEMU runs on the host: a pair of CPU sets, one for the vCPU
    threads and one for QEMU's other threads) are for the benchmarks: the
    suites keep the defaults."""
    layers = list(image.layers)
    if mode == "cuse" and image.daemon_layer:
        layers.append(image.daemon_layer)
    test_env = {
        "MODE": mode, "BMC": bmc, "SCENARIO": scenario,
        "DAEMON_ARGS": daemon_args, "GUEST_DEADLINE": str(guest_deadline),
    }
    test_env.update(env)
    lines = "".join(f"{k}='{v}'\nexport {k}\n" for k, v in test_env.items())
    os.makedirs(workdir, exist_ok=True)
    layer = img.test_layer(os.path.join(workdir, "test.cpio"),
                           {"compat/test.env": lines.encode(), **(extra_files or {})})
    initrd = os.path.join(workdir, "initrd.cpio")
    with open(initrd, "wb") as out:
        for part in layers + [layer]:
            with open(part, "rb") as f:
                out.write(f.read())
    console = os.path.join(workdir, "console.log")
    result = os.path.join(workdir, "result.log")
    for p in (console, result):
        if os.path.exists(p):
            os.remove(p)
    spec = _scenario_spec(scenario)
    if extern:
        # Per scenario, never global: bmc-poweroff needs ipmi_sim's default
        # (Chassis Control powers the VM off).
        extern.ensure(chassis_control=getattr(spec, "chassis_control", False))
    extern_port = extern.port if extern else None
    bmc_poweroff = getattr(spec, "bmc_poweroff", False)
    append = "console=ttyS0 panic=-1 quiet loglevel=4 tsc=reliable"
    if getattr(spec, "append", ""):
        append += " " + spec.append
    if kernel_args:
        append += " " + kernel_args
    cmd = (["qemu-system-x86_64"] + machine_args(cpu, smp, icount_shift, icount_sleep, tcg_thread)
           + ["-nodefaults", "-display", "none", "-no-reboot",
              "-uuid", BMC_GUID,
              "-kernel", image.kernel.vmlinux, "-initrd", initrd,
              "-append", append,
              "-serial", f"file:{console}", "-serial", f"file:{result}"]
           + bmc_args(bmc, _fru_file(), extern_port))
    qemu_log = os.path.join(workdir, "qemu.log")
    start = time.monotonic()
    reason = ""
    with open(qemu_log, "wb") as qemu_out_file:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qemu_out_file,
                                stderr=subprocess.STDOUT, start_new_session=True)
        watch = _PowerOffWatch(result) if bmc_poweroff else None
        faults = BmcFaults(result, extern) if extern and getattr(spec, "bmc_faults", False) else None
        placed = host_cpus is None
        while proc.poll() is None:
            now = time.monotonic()
            if not placed:
                placed = _place_threads(proc.pid, *host_cpus, smp)
            if faults:
                faults.update(now)
            if now - start > host_deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                reason = f"host deadline of {host_deadline}s: QEMU killed"
                break
            if watch and (watch.update(now) or watch.overdue(now)):
                # The guest outlived its wait for the BMC, or halted without
                # QEMU exiting: no need to wait for the host deadline.
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                reason = (f"the BMC did not power the chassis off: QEMU still ran "
                          f"{now - watch.marked_at:.0f} s after {POWEROFF_MARK}")
                break
            time.sleep(0.1)
        exited = time.monotonic()
    qemu_out = _read(qemu_log).strip()
    seconds = exited - start
    transcript = _read(result)
    console_text = _read(console)
    boot_seconds = _boot_seconds(transcript)
    if bmc_poweroff:
        if watch.update(exited) and not reason:
            reason = "the BMC did not power the chassis off (the guest finished its wait)"
        if watch.marked_at is None and POWEROFF_MARK in transcript:
            # Printed and powered off between two polls of the host.
            watch.marked_at = exited
        transcript, problem = _bmc_poweroff_outcome(mode, transcript, console_text, watch,
                                                    exited, proc.returncode, qemu_out)
        reason = reason or problem
    else:
        if not reason and proc.returncode != 0:
            reason = f"QEMU exited {proc.returncode}: {qemu_out}"
        if not reason and "@@END rc=" not in transcript:
            reason = "the guest stopped without finishing the scenario (no @@END)"
    if faults:
        transcript = transcript_with(transcript, faults.finish(exited))
        if faults.problems and not reason:
            reason = "BMC faults: " + "; ".join(faults.problems)
    if "@@DEADLINE" in transcript:
        reason = "guest deadline reached"
    return Boot(transcript, console_text, seconds, not reason, reason, boot_seconds)


def _place_threads(pid, vcpu_cpus, other_cpus, smp):
    """Pins QEMU's vCPU threads ("CPU n/TCG") to vcpu_cpus and its other
    threads to other_cpus, once all the vCPU threads exist; True when done."""
    threads = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            threads[int(tid)] = _read(f"/proc/{pid}/task/{tid}/comm").strip()
    except OSError:
        return False
    if sum(1 for name in threads.values() if name.startswith("CPU ")) < smp:
        return False
    for tid, name in threads.items():
        try:
            os.sched_setaffinity(tid, vcpu_cpus if name.startswith("CPU ") else other_cpus)
        except OSError:
            pass  # a thread that ended meanwhile
    return True


def _scenario_spec(name):
    """The Scenario entry of this name (None for an ad-hoc --script boot)."""
    from .scenarios import BY_NAME
    return BY_NAME.get(name)


# The guest prints this line right before the power-off it expects from the BMC;
# from then on, QEMU must exit (status 0) within POWEROFF_BOUND seconds.
POWEROFF_MARK = "@@AWAIT-BMC-POWEROFF"
POWEROFF_BOUND = 15.0


class _PowerOffWatch:
    """Follows ttyS1 while QEMU runs: when the guest announced the power-off."""

    def __init__(self, result_path):
        self.path = result_path
        self.marked_at = None
        self.finished = False

    def update(self, now):
        """True once the guest has finished its scenario (it outlived the wait)."""
        text = _read(self.path)
        if self.marked_at is None and POWEROFF_MARK in text:
            self.marked_at = now
        self.finished = "@@END rc=" in text
        return self.finished

    def overdue(self, now):
        """QEMU has not exited within the bound (plus slack) of the marker."""
        return self.marked_at is not None and now - self.marked_at > POWEROFF_BOUND + 5


def _bmc_poweroff_outcome(mode, transcript, console, watch, exited, status, qemu_out):
    """Checks that QEMU ended because the BMC powered off; returns the transcript
    with the host's observation appended, and the problem ("" if none).

    The host's lines are part of the compared transcript, so both halves must
    observe the same thing; the delay itself is an informational #~ line."""
    lines = []
    problem = ""
    if watch.marked_at is None:
        problem = f"the guest never printed {POWEROFF_MARK}"
    elif status != 0:
        problem = f"QEMU exited {status} after {POWEROFF_MARK}: {qemu_out}"
    else:
        delay = exited - watch.marked_at
        if delay > POWEROFF_BOUND:
            problem = f"QEMU exited {delay:.1f} s after {POWEROFF_MARK} (bound {POWEROFF_BOUND:.0f} s)"
        lines.append(f"host: QEMU exited with status {status} within "
                     f"{POWEROFF_BOUND:.0f} s of {POWEROFF_MARK}: {'yes' if not problem else 'no'}")
        lines.append(f"#~ host: QEMU exited {delay:.1f} s after the guest's {POWEROFF_MARK} ({mode})")
    # The kernel's own power-off path prints this; in the cuse half nothing in
    # the guest may power off, so QEMU's exit can only come from the BMC.
    guest_poweroff = "reboot: Power down" in console or "reboot: System halted" in console
    lines.append(f"#~ host: the guest kernel's power-off path ran: {'yes' if guest_poweroff else 'no'} ({mode})")
    if mode == "cuse" and guest_poweroff and not problem:
        problem = "the guest kernel powered off by itself; the BMC's power-off is not proven"
    if problem:
        lines.append(f"host: {problem}")
    text = transcript if transcript.endswith("\n") or not transcript else transcript + "\n"
    return text + "\n".join(lines) + "\n", problem


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace").replace("\r", "")
    except FileNotFoundError:
        return ""


def _boot_seconds(transcript):
    """Guest uptime when the scenario runner started (its @@UPTIME line)."""
    for line in transcript.splitlines():
        if line.startswith("@@UPTIME "):
            try:
                return float(line.split()[1])
            except (IndexError, ValueError):
                return None
    return None
