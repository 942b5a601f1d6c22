#!/usr/bin/env python3
"""The systemd VM test of the Debian package (issue 9, "Done means").

Boots a Debian 12 userspace with systemd as PID 1 under QEMU/TCG, on Debian's
own kernel (the one compat_tests/ uses), with QEMU's BMC behind a KCS
interface at 0xca2, installs the ipmi-cuse package built from this tree, and
checks in the guest (guest.sh, one verdict line per step on ttyS1):

  install        dpkg -i succeeds; the group ipmi exists (sysusers.d); then the
                 watchdog device and the chassis power-down, off in the
                 package, are switched on for the steps below
  conflict       with the kernel's ipmi_si loaded (udev loads it for QEMU's BMC
                 at boot) the unit refuses to start with its message; it
                 starts once the kernel's drivers are unloaded
  service        ipmi-cuse.service becomes active (Type=notify: READY=1)
  nodes          /dev/ipmi0 is the registered CUSE device, root 0600 as the kernel's
  watchdog-node  the watchdog node is the registered CUSE device
  group-access   ipmitool works as an unprivileged member of ipmi and is
                 refused to a user outside it
  in-place       the sandboxed service answered every ioctl so far in one
                 FUSE round trip (`ipmi-cuse status`: ioctls_in_place > 0,
                 ioctls_by_retry 0), the unprivileged member's included
  restart        after SIGKILL systemd restarts the service and the node returns
  stop           systemctl stop removes the nodes
  no-bmc         with every firmware source off and no parameter (a host
                 without a BMC) the unit starts, the daemon says "nothing to
                 serve" once at warning priority in the journal, exits 69,
                 and the unit is inactive (Result=success), not restarted
  upgrade        reinstalling the package restarts the daemon while nobody
                 holds its watchdog device, and leaves it running (saying
                 so) while a keep-alive client holds it
  reboot         with the BMC watchdog running, a reboot leaves it set to at
                 least 120 s with the reset action (read back after the reboot
                 through the kernel's ipmi_si, not through ipmi-cuse)
  poweroff-hook  (judged here, from the console) the final `systemctl
                 poweroff` runs the package's systemd-shutdown hook with the
                 verb poweroff: it stops the BMC watchdog timer and powers the
                 chassis down, or finds no power-off method as the kernel
                 does on QEMU's BMC (no chassis device announced); the verdict
                 says whether the BMC's power-down is what ended QEMU

Before booting, lintian's report on the package is printed (errors fail).

Images are cached in packaging/vm-test/cache/: the debootstrapped root file
system (an ext4 image made with mke2fs -d, no loop mounts), the boot
initramfs, and the package (by a hash of the source files it is built from);
the image is made while the package compiles. Each boot uses
the root image with -snapshot semantics, so runs never change the cache.
Anything that cannot be obtained (debootstrap or the Debian mirror, the
kernel, QEMU) fails the test with the reason.
"""

import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, "cache")
SUITE = "bookworm"
IMAGE_RECIPE = "rootfs-v1"
# What the guest needs besides minbase: systemd as PID 1 with udev, module
# tools, ipmitool, and the libraries the package depends on (installed from
# the mirror here, so dpkg -i in the guest needs no network).
INCLUDE = [
    "systemd", "systemd-sysv", "udev", "kmod", "ipmitool", "passwd", "util-linux",
    "libfuse3-3", "libspdlog1.10", "libfmt9", "libi2c0", "libsystemd0",
]
# Modules for mounting the root disk (in the initramfs) and for the test
# (in the root file system): CUSE, and the kernel's IPMI drivers that read
# the BMC back after the reboot.
# ext4 loads crc32c through a soft dependency, which modules.dep does not list.
BOOT_MODULES = ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4"]
ROOT_MODULES = ["virtio_pci", "virtio_blk", "ext4", "fuse", "cuse", "ipmi_msghandler", "ipmi_devintf", "ipmi_si",
                               "ipmi_watchdog", "ipmi_poweroff"]
STEPS = ["install", "conflict", "service", "nodes", "watchdog-node", "group-access", "in-place", "restart", "stop",
         "no-bmc", "upgrade", "reboot", "poweroff-hook"]


class Unavailable(Exception):
    """A prerequisite cannot be obtained or made (or the package fails
    lintian); the message says which and why."""


def log(msg):
    print(f"vmtest: {msg}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------
# The kernel (shared with compat_tests/, which downloads and extracts it)


def kernel(source_root):
    sys.path.insert(0, os.path.join(source_root, "compat_tests"))
    try:
        from harness import image as compat_image  # noqa: E402
    except ImportError as e:
        raise Unavailable(f"compat_tests/harness is not importable: {e}")
    try:
        return compat_image.fetch_kernel(log)
    except compat_image.ImageError as e:
        raise Unavailable(f"the Debian kernel: {e}")


def module_closure(k, names):
    deps = {}
    with open(os.path.join(k.moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
    by_name = {os.path.basename(p).split(".ko")[0].replace("-", "_"): p for p in deps}
    chosen = []

    def add(path):
        if path in chosen:
            return
        for d in deps.get(path, []):
            add(d)
        chosen.append(path)

    for n in names:
        if n not in by_name:
            raise Unavailable(f"kernel {k.version} has no module {n}")
        add(by_name[n])
    return chosen


# --------------------------------------------------------------------------
# The root file system


def mirror():
    """The Debian mirror apt uses on this machine (deb822 or one-line sources)."""
    for path in ("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"):
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        m = re.search(r"^URIs:\s*(\S+)", text, re.M) or \
            re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", text, re.M)
        if m and "security" not in m.group(1):
            return m.group(1)
    return "http://deb.debian.org/debian"


# The runner starts as soon as the root file system is mounted: after the
# reboot the BMC watchdog (120 s) is running, and the read-back must beat it
# under TCG. The first boot's steps wait for basic.target themselves.
GUEST_UNIT = """[Unit]
Description=ipmi-cuse VM test runner (packaging/vm-test)
DefaultDependencies=no
After=local-fs.target
Conflicts=shutdown.target
Before=shutdown.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'mkdir -p /mnt/vmtest && mount -o ro /dev/vdb /mnt/vmtest && exec /bin/sh /mnt/vmtest/guest.sh'
StandardOutput=journal+console
StandardError=journal+console
[Install]
WantedBy=multi-user.target
"""

MASKED = [
    "serial-getty@ttyS0.service", "serial-getty@ttyS1.service", "getty@tty1.service",
    "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer",
    "e2scrub_all.timer", "fstrim.timer", "systemd-timesyncd.service",
    "systemd-networkd.service", "systemd-resolved.service",
]


def build_rootfs(k):
    key = sha(IMAGE_RECIPE, SUITE, mirror(), " ".join(INCLUDE), k.deb_sha, " ".join(ROOT_MODULES),
              GUEST_UNIT, " ".join(MASKED))
    out = os.path.join(CACHE, f"rootfs-{key}.ext4")
    if os.path.exists(out):
        return out
    if shutil.which("debootstrap") is None:
        raise Unavailable("debootstrap is not installed (scripts/install-deps.sh all)")
    if shutil.which("mke2fs") is None:
        raise Unavailable("mke2fs (e2fsprogs) is not installed")
    work = tempfile.mkdtemp(prefix="rootfs-", dir=CACHE)
    try:
        root = os.path.join(work, "root")
        debs = os.path.join(CACHE, "debs")
        os.makedirs(debs, exist_ok=True)
        log(f"debootstrap {SUITE} from {mirror()} (minutes; cached afterwards)")
        # Two stages, so that dpkg in the second one runs with unsafe-io: no
        # fsync per unpacked file (the image is made from this directory
        # afterwards; a crash here only means building it again).
        first = ["debootstrap", "--foreign", "--variant=minbase", f"--cache-dir={debs}",
                 f"--include={','.join(INCLUDE)}", SUITE, root, mirror()]
        second = ["chroot", root, "/debootstrap/debootstrap", "--second-stage"]
        for stage, cmd in (("download and unpack", first), ("second stage", second)):
            started = time.monotonic()
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            except subprocess.TimeoutExpired:
                raise Unavailable(f"debootstrap ({stage}) took more than 900 s (is {mirror()} reachable?)")
            if p.returncode != 0:
                tail = "\n".join((p.stdout + p.stderr).strip().splitlines()[-15:])
                raise Unavailable(f"debootstrap ({stage}) failed (is {mirror()} reachable?):\n{tail}")
            log(f"debootstrap {stage}: {time.monotonic() - started:.0f} s")
            if cmd is first:
                write_file(root, "etc/dpkg/dpkg.cfg.d/vmtest-unsafe-io", "force-unsafe-io\n")
        os.remove(os.path.join(root, "etc/dpkg/dpkg.cfg.d/vmtest-unsafe-io"))
        customise(root, k)
        log("making the ext4 image (mke2fs -d)")
        tmp = out + ".tmp"
        run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", "vmroot", "-d", root, tmp, "1200M"])
        os.replace(tmp, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def write_file(root, rel, text, mode=0o644):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def customise(root, k):
    def write(rel, text, mode=0o644):
        write_file(root, rel, text, mode)

    write("etc/hostname", "vmtest\n")
    write("etc/hosts", "127.0.0.1 localhost vmtest\n")
    write("etc/fstab", "/dev/vda / ext4 rw,noatime 0 1\n")
    # Root without a password is fine: nothing listens, there is no getty.
    run(["chroot", root, "passwd", "-d", "root"])
    sysd = os.path.join(root, "etc/systemd/system")
    for unit in MASKED:
        link = os.path.join(sysd, unit)
        if not os.path.lexists(link):
            os.symlink("/dev/null", link)
    write("etc/systemd/system/vmtest.service", GUEST_UNIT)
    wants = os.path.join(sysd, "multi-user.target.wants")
    os.makedirs(wants, exist_ok=True)
    os.symlink("/etc/systemd/system/vmtest.service", os.path.join(wants, "vmtest.service"))
    os.makedirs(os.path.join(root, "mnt/vmtest"), exist_ok=True)
    # A persistent journal: the second boot shows the first one's shutdown.
    os.makedirs(os.path.join(root, "var/log/journal"), exist_ok=True)
    # ipmitool reads the whole IANA list at every start (0.4 s under TCG).
    ent = os.path.join(root, "usr/share/misc/enterprise-numbers.txt")
    if os.path.exists(ent):
        with open(ent, "w") as f:
            f.write("0\n  Reserved\n343\n  Intel Corporation\n")
    # The kernel's modules this test needs, with a fresh modules.dep.
    moddir = os.path.join(root, "usr/lib/modules", k.version)
    for m in module_closure(k, ROOT_MODULES):
        dst = os.path.join(moddir, m)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(k.moddir, m), dst)
    for f in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
        src = os.path.join(k.moddir, f)
        if os.path.exists(src):
            shutil.copy2(src, os.path.join(moddir, f))
    run(["depmod", "-b", root, k.version])
    # Nothing of the build host's apt lists is needed in the guest.
    shutil.rmtree(os.path.join(root, "var/cache/apt/archives"), ignore_errors=True)
    os.makedirs(os.path.join(root, "var/cache/apt/archives/partial"), exist_ok=True)


INIT = """#!/bin/sh
# /init of the vm-test initramfs: load the root disk's modules, mount it,
# hand over to systemd.
PATH=/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod "/modules/$m" 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /newroot
if ! mount -t ext4 -o rw /dev/vda /newroot; then
    echo "vmtest initramfs: cannot mount /dev/vda" >/dev/console
    poweroff -f
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /lib/systemd/systemd
"""


def build_initrd(k):
    from harness.cpio import CpioWriter  # noqa: E402  (path set by kernel())
    mods = module_closure(k, BOOT_MODULES)
    key = sha("initrd-v1", INIT, k.deb_sha, " ".join(mods))
    out = os.path.join(CACHE, f"initrd-{key}.cpio")
    if os.path.exists(out):
        return out
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        raise Unavailable("busybox-static is not installed (scripts/install-deps.sh all)")
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        w = CpioWriter(f)
        for d in ("usr/bin", "usr/sbin", "proc", "sys", "dev", "newroot", "modules"):
            w.directory(d)
        for top in ("bin", "sbin"):
            w.symlink(top, "usr/" + top)
        w.file("usr/bin/busybox", busybox, 0o755)
        for a in ("sh", "mount", "umount", "insmod", "sleep", "mkdir", "cat", "switch_root",
                  "poweroff", "echo"):
            w.symlink("usr/bin/" + a, "/usr/bin/busybox")
        names = []
        for m in mods:
            base = os.path.basename(m)
            w.file("modules/" + base, os.path.join(k.moddir, m), 0o644)
            names.append(base)
        w.data("modules.order", ("\n".join(names) + "\n").encode())
        w.data("init", INIT.encode(), 0o755)
        w.finish()
    os.replace(tmp, out)
    return out


# --------------------------------------------------------------------------
# The package


# What the package build never reads (the Debian build configures with
# -Dcompat_tests=false, which leaves compat_tests/ but its meson.build and
# packaging/vm-test/ out, and this test builds it with nocheck, -Dtests=false,
# and without benchmarks): editing these must not rebuild the package.
NOT_PACKAGED = ("packaging/vm-test/", "compat_tests/", "tests/", "benchmarks/", "scripts/", ".ci/")
NEEDED_ANYWAY = ("compat_tests/meson.build",)


def tree_files(source_root):
    """The source tree as git sees it: tracked and untracked files, not ignored
    ones, less this test's own directory."""
    try:
        out = run(["git", "-C", source_root, "ls-files", "-co", "--exclude-standard", "-z"]).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise Unavailable(f"cannot list the source tree with git (pass --deb instead): {e}")
    files = []
    for f in out.split("\0"):
        if not f or (f.startswith(NOT_PACKAGED) and f not in NEEDED_ANYWAY):
            continue
        if os.path.isfile(os.path.join(source_root, f)):
            files.append(f)
    return sorted(files)


def build_deb(source_root):
    files = tree_files(source_root)
    h = hashlib.sha256()
    for f in files:
        h.update(f.encode() + b"\0")
        with open(os.path.join(source_root, f), "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
    key = h.hexdigest()[:16]
    ddir = os.path.join(CACHE, f"deb-{key}")
    debs = [f for f in os.listdir(ddir) if f.endswith(".deb")] if os.path.isdir(ddir) else []
    if debs:
        return os.path.join(ddir, debs[0])
    if shutil.which("dpkg-buildpackage") is None:
        raise Unavailable("dpkg-buildpackage is not installed (dpkg-dev, debhelper)")
    work = tempfile.mkdtemp(prefix="debbuild-", dir=CACHE)
    try:
        src = os.path.join(work, "ipmi-cuse")
        for f in files:
            dst = os.path.join(src, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(source_root, f), dst)
        log("building the package: dpkg-buildpackage -us -uc -b (cached by source hash)")
        # The unit suite runs elsewhere (scripts/test.sh); no -dbgsym package.
        env = {**os.environ, "DEB_BUILD_OPTIONS": "nocheck noautodbgsym parallel=2"}
        try:
            p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
                               capture_output=True, text=True, timeout=1800)
        except subprocess.TimeoutExpired:
            raise Unavailable("dpkg-buildpackage took more than 1800 s")
        if p.returncode != 0:
            tail = "\n".join((p.stdout + p.stderr).strip().splitlines()[-30:])
            raise Unavailable(f"dpkg-buildpackage failed:\n{tail}")
        built = [f for f in os.listdir(work) if re.fullmatch(r"ipmi-cuse_.*\.deb", f)]
        if len(built) != 1:
            raise Unavailable(f"dpkg-buildpackage left {os.listdir(work)}")
        os.makedirs(ddir, exist_ok=True)
        shutil.copy2(os.path.join(work, built[0]), ddir)
        return os.path.join(ddir, built[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def lint(deb):
    """lintian's report on the package, printed; an error (E:) fails the test."""
    if shutil.which("lintian") is None:
        raise Unavailable("lintian is not installed (scripts/install-deps.sh all)")
    p = subprocess.run(["lintian", "--info", "--pedantic", "--show-overrides", deb],
                       capture_output=True, text=True)
    lines = [ln for ln in (p.stdout + p.stderr).splitlines()
             if ln.strip() and not ln.startswith("running with root privileges")]
    log("lintian: " + ("clean" if not lines else f"{len(lines)} line(s)"))
    for ln in lines:
        print(f"  {ln}")
    errors = [ln for ln in lines if ln.startswith("E:")]
    if errors:
        raise Unavailable(f"lintian reports {len(errors)} error(s) on the package")


def installed_packages(rootfs):
    """Package names installed in the image (its dpkg status, read with debugfs)."""
    try:
        status = run(["debugfs", "-R", "cat /var/lib/dpkg/status", rootfs]).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise Unavailable(f"cannot read the image's dpkg status with debugfs: {e}")
    names = set()
    for block in status.split("\n\n"):
        m = re.search(r"^Package: (\S+)", block, re.M)
        if m and re.search(r"^Status: install ok installed", block, re.M):
            names.add(m.group(1))
            # Virtual packages count too (libspdlog1.10 provides libspdlog1.10-fmt9).
            p = re.search(r"^Provides: (.*)$", block, re.M)
            if p:
                names |= {re.split(r"[\s(:]", x.strip())[0] for x in p.group(1).split(",")}
    return names


def depends_of(deb):
    out = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    names = []
    for item in out.split(","):
        first = item.split("|")[0].strip()
        if first:
            names.append(re.split(r"[\s(:]", first)[0])
    return names


def missing_dependencies(deb, rootfs):
    """The package's run-time dependencies the image lacks (the guest has no
    network), downloaded from the Debian mirror with apt-get download."""
    have = installed_packages(rootfs)
    ddir = os.path.join(CACHE, "deps")
    os.makedirs(ddir, exist_ok=True)
    wanted = [n for n in depends_of(deb) if n not in have]
    fetched = {}
    while wanted:
        name = wanted.pop()
        if name in fetched or name in have:
            continue
        found = [f for f in os.listdir(ddir) if f.startswith(name + "_") and f.endswith(".deb")]
        if not found:
            log(f"apt-get download {name} (a dependency the image lacks)")
            try:
                run(["apt-get", "download", name], cwd=ddir)
            except (OSError, subprocess.CalledProcessError) as e:
                raise Unavailable(f"apt-get download {name} failed: {getattr(e, 'stderr', e)}")
            found = [f for f in os.listdir(ddir) if f.startswith(name + "_") and f.endswith(".deb")]
        path = os.path.join(ddir, sorted(found)[-1])
        fetched[name] = path
        wanted += [n for n in depends_of(path) if n not in have and n not in fetched]
    return list(fetched.values())


def test_disk(deb, deps, workdir):
    """The per-run disk (/dev/vdb in the guest): the package, the dependencies
    the image lacks (deps/), and guest.sh."""
    d = os.path.join(workdir, "disk")
    os.makedirs(os.path.join(d, "deps"), exist_ok=True)
    shutil.copy2(deb, os.path.join(d, "ipmi-cuse.deb"))
    for p in deps:
        shutil.copy2(p, os.path.join(d, "deps"))
    shutil.copy2(os.path.join(HERE, "guest.sh"), os.path.join(d, "guest.sh"))
    img = os.path.join(workdir, "test.ext4")
    total = sum(os.path.getsize(p) for p in [deb] + deps)
    size_mb = max(16, total // (1 << 20) * 2 + 8)
    run(["mke2fs", "-q", "-F", "-t", "ext4", "-d", d, img, f"{size_mb}M"])
    return img


# --------------------------------------------------------------------------
# One boot (with its reboot)


def boot(k, rootfs, initrd, disk, workdir, deadline):
    console = os.path.join(workdir, "console.log")
    result = os.path.join(workdir, "result.log")
    for p in (console, result):
        if os.path.exists(p):
            os.remove(p)
    cmd = ["qemu-system-x86_64", "-M", "q35", "-accel", "tcg", "-cpu", "max", "-m", "768",
           "-smp", "1", "-nodefaults", "-display", "none",
           "-kernel", k.vmlinux, "-initrd", initrd,
           "-append", "console=ttyS0 panic=-1 quiet loglevel=4 tsc=reliable fsck.mode=skip "
                      "systemd.show_status=0 rd.udev.log_level=3",
           "-drive", f"file={rootfs},if=virtio,format=raw,snapshot=on",
           "-drive", f"file={disk},if=virtio,format=raw,readonly=on",
           "-serial", f"file:{console}", "-serial", f"file:{result}",
           "-device", "ipmi-bmc-sim,id=bmc0",
           "-device", "isa-ipmi-kcs,bmc=bmc0,ioport=0xca2"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    reason = ""
    try:
        out, _ = proc.communicate(timeout=deadline)
        if proc.returncode != 0:
            reason = f"QEMU exited {proc.returncode}: {out.decode(errors='replace').strip()}"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        reason = f"host deadline of {deadline}s reached: QEMU killed"
    seconds = time.monotonic() - start

    def read(p):
        try:
            with open(p, "rb") as f:
                return f.read().decode(errors="replace").replace("\r", "")
        except FileNotFoundError:
            return ""
    return read(result), read(console), seconds, reason


def timed(what, fn, *args):
    started = time.monotonic()
    result = fn(*args)
    log(f"{what}: ready after {time.monotonic() - started:.0f} s")
    return result


def wait_for_vm_slot(limit=900):
    """On a shared development machine at most two TCG guests run at once
    (each takes a core): wait, up to `limit` seconds, while two or more run.
    CI runs nothing else and never waits here."""
    waited = 0
    while waited < limit:
        p = subprocess.run(["pgrep", "-c", "qemu-system"], capture_output=True, text=True)
        if int(p.stdout.strip() or 0) < 2:
            return
        if waited == 0:
            log("two QEMU guests are running already; waiting for one to finish")
        time.sleep(30)
        waited += 30


def verdicts(transcript):
    """{step: (ok, detail)} from '@@STEP name PASS|FAIL detail' lines."""
    found = {}
    for line in transcript.splitlines():
        m = re.match(r"@@STEP (\S+) (PASS|FAIL) ?(.*)$", line)
        if m:
            found[m.group(1)] = (m.group(2) == "PASS", m.group(3))
    return found


def poweroff_verdict(console, reason):
    """The poweroff-hook step, judged on the host from the console: the
    guest's last `systemctl poweroff` ran the installed systemd-shutdown hook
    with the verb poweroff, and the hook stopped the BMC watchdog timer and
    then either
      - commanded the chassis power-down, and that ended QEMU: the kernel
        never reached its own (ACPI) power-off, which prints "reboot: Power
        down" first; or
      - found no power-off method, as the kernel's ipmi_poweroff does on
        QEMU's built-in BMC: its Get Device ID announces no chassis device
        (additional device support 0x07) and it is no ATCA, CPI1, Dell or HP
        BMC. The kernel's ACPI power-off ends QEMU then.
    The detail says which one it was."""
    if reason:
        return False, f"no verdict: {reason}"
    hook = [ln.split("ipmi-cuse shutdown hook: ", 1)[1].strip() for ln in console.splitlines()
            if "ipmi-cuse shutdown hook: " in ln and "poweroff" in ln]
    kernel_off = "reboot: Power down" in console
    if not hook:
        return False, ("the hook reported nothing for poweroff (no 'ipmi-cuse shutdown hook: ... poweroff' "
                       "line on the console); " + ("the kernel powered off by ACPI" if kernel_off else
                                                   "QEMU exited"))
    line = hook[-1]
    if "watchdog timer stopped" not in line and "watchdog timer not running" not in line:
        return False, f"the hook did not stop the watchdog timer: {line}"
    if "power down commanded" in line or "power cycle commanded" in line:
        if kernel_off:
            return False, f"hook: {line}; but QEMU did not exit on it (the kernel's ACPI power-off ran)"
        return True, f"hook: {line}; QEMU exited on the BMC's chassis power-down (the kernel's power-off never ran)"
    if "unable to find a poweroff function" in line:
        return True, (f"hook: {line} (QEMU's BMC announces no chassis device: the kernel's ipmi_poweroff "
                      f"declines too); QEMU exited by {'ACPI power-off' if kernel_off else 'an unknown path'}")
    return False, f"hook: {line}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--deb", help="use this package instead of building one "
                                  "(also: environment IPMI_CUSE_DEB)")
    ap.add_argument("--deadline", type=int, default=900, help="host deadline of the VM, s")
    args = ap.parse_args()
    os.makedirs(CACHE, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)
    try:
        for tool in ("qemu-system-x86_64", "mke2fs"):
            if shutil.which(tool) is None:
                raise Unavailable(f"{tool} is not installed (scripts/install-deps.sh all)")
        k = kernel(args.source_root)
        # The image (network and dpkg bound) is made while the package (CPU
        # bound) compiles; each is cached on its own inputs.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            image = pool.submit(timed, "root file system image", build_rootfs, k)
            deb = args.deb or os.environ.get("IPMI_CUSE_DEB") or timed("package", build_deb, args.source_root)
            rootfs = image.result()
        log(f"package: {deb}")
        lint(deb)
        initrd = build_initrd(k)
        deps = missing_dependencies(deb, rootfs)
    except Unavailable as e:
        print(f"vmtest: FAIL before booting: {e}")
        return 1
    wait_for_vm_slot()
    workdir = tempfile.mkdtemp(prefix="run-", dir=args.results)
    disk = test_disk(deb, deps, workdir)
    log(f"booting (transcript and console in {workdir})")
    transcript, console, seconds, reason = boot(k, rootfs, initrd, disk, workdir, args.deadline)
    found = verdicts(transcript)
    if "@@END" in transcript:
        found["poweroff-hook"] = poweroff_verdict(console, reason)
    ok = not reason and "@@END" in transcript
    print(f"vmtest: VM ran {seconds:.0f} s")
    for step in STEPS:
        if step in found:
            passed, detail = found[step]
            print(f"  {step:14} {'PASS' if passed else 'FAIL'} {detail}")
            ok = ok and passed
        else:
            print(f"  {step:14} NOT RUN")
            ok = False
    if reason:
        print(f"vmtest: {reason}")
    elif "@@END" not in transcript:
        print("vmtest: the guest did not finish (no @@END line)")
    for line in console.splitlines():
        if "ipmi-cuse shutdown hook" in line:
            print(f"vmtest: console: {line.strip()}")
    if not ok:
        print("---- guest transcript (ttyS1) ----")
        print(transcript[-6000:])
        print("---- console tail ----")
        print(console[-4000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
