"""Builds the VM image the compatibility scenarios boot, and caches it.

The image is Debian's own kernel (the exact package the `linux-image-amd64`
meta package names, so the guest runs what Debian 12 users run) booted as an
uncompressed ELF through PVH, plus layered initramfs archives:

  base    busybox, the kernel modules the scenarios load, the unmodified client
          tools with the libraries ldd names, their runtime files, /init and the
          guest-side scenario scripts;
  probe   the ioctl probe, built static for x86_64 and i386;
  daemon  the project's ipmi-cuse binary and its libraries (absent if not built);
  test    one small archive per run: which scenario, which mode, which BMC.

Each layer lives under compat_tests/cache/ in a file named by a hash of its
inputs, so a changed input rebuilds exactly the layers it feeds.
"""

import hashlib
import lzma
import bz2
import gzip
import os
import re
import shutil
import subprocess
import tempfile
import zlib
import fcntl

from .cpio import CpioWriter

HERE = os.path.dirname(os.path.abspath(__file__))
COMPAT_DIR = os.path.dirname(HERE)
CACHE_DIR = os.path.join(COMPAT_DIR, "cache")

# Modules the scenarios load by name; their dependencies come from modules.dep.
WANTED_MODULES = [
    "ipmi_msghandler", "ipmi_devintf", "ipmi_si", "ipmi_ssif", "ipmi_watchdog",
    "ipmi_poweroff", "fuse", "cuse", "i2c-i801", "i2c-dev",
]

# The client tools, exactly as Debian ships them.
CLIENT_TOOLS = [
    "/usr/bin/ipmitool",
    "/usr/sbin/bmc-info", "/usr/sbin/ipmi-sensors", "/usr/sbin/ipmi-sel",
    "/usr/sbin/ipmi-fru", "/usr/sbin/ipmi-chassis", "/usr/sbin/bmc-watchdog",
    "/usr/sbin/ipmi-raw",
    "/usr/bin/openipmicmd",
    # util-linux: the watchdog ioctls (GETSUPPORT, GETSTATUS, GETBOOTSTATUS,
    # GETTIMEOUT, GETPRETIMEOUT, GETTIMELEFT) and the magic close, as a user sees them.
    "/usr/bin/wdctl",
    # policy-nodes: util-linux's setpriv (BusyBox's cannot change uid/gid) runs
    # the tools as an unprivileged user; prometheus-ipmi-exporter in local mode
    # runs the FreeIPMI tools below, ipmimonitoring and ipmi-dcmi among them.
    "/usr/bin/setpriv",
    "/usr/bin/prometheus-ipmi-exporter",
    "/usr/sbin/ipmimonitoring", "/usr/sbin/ipmi-dcmi",
]

# Manufacturer numbers kept from the IANA list (ipmitool parses the whole file
# on every start, 0.4 s per call under TCG): the ones the emulated BMCs report.
KEPT_ENTERPRISES = {0, 2, 343, 4753, 5703, 7244, 10876, 20974, 40092}

# uid/gid 1000 is policy-nodes' unprivileged monitoring user; its home (where
# FreeIPMI keeps its SDR cache) is made by the scenario on the tmpfs.
ETC_FILES = {
    "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nmonitor:x:1000:1000:monitor:/tmp/monitor:/bin/sh\n",
    "etc/group": b"root:x:0:\nmonitor:x:1000:\n",
    "etc/nsswitch.conf": b"passwd: files\ngroup: files\nhosts: files\n",
    "etc/hosts": b"127.0.0.1 localhost\n",
}


class ImageError(Exception):
    """Something the image needs cannot be obtained; the message says what."""


def _sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _file_sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def _merged(path):
    """The path a file has in the image, whose /bin, /sbin, /lib, /lib64 are usr-merged."""
    for top in ("/bin/", "/sbin/", "/lib/", "/lib64/"):
        if path.startswith(top):
            return "/usr" + path
    return path


# --------------------------------------------------------------------------
# The kernel


def pinned_kernel_package():
    """The exact linux-image-6.1.0-*-amd64 the meta package depends on."""
    try:
        out = _run(["apt-cache", "depends", "linux-image-amd64"]).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise ImageError(f"cannot ask apt which kernel linux-image-amd64 names: {e}")
    for m in re.finditer(r"Depends:\s*(linux-image-[0-9][^\s]*-amd64)", out):
        return m.group(1)
    raise ImageError("apt-cache depends linux-image-amd64 names no linux-image-*-amd64 "
                     "(run apt-get update?):\n" + out)


def _find_vmlinux(blob):
    """Decompress the kernel payload inside a bzImage (what extract-vmlinux does)."""
    codecs = [
        (b"\xfd7zXZ\x00", lambda d: lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(d)),
        (b"\x1f\x8b\x08", lambda d: zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(d)),
        (b"BZh", lambda d: bz2.BZ2Decompressor().decompress(d)),
        (b"\x5d\x00\x00\x00", lambda d: lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(d)),
    ]
    for magic, decode in codecs:
        start = 0
        while True:
            at = blob.find(magic, start)
            if at < 0:
                break
            start = at + 1
            try:
                out = decode(blob[at:])
            except (lzma.LZMAError, zlib.error, OSError, EOFError, ValueError):
                continue
            if out[:4] == b"\x7fELF":
                return out
    raise ImageError("no compressed ELF kernel found inside the vmlinuz")


class Kernel:
    """The extracted kernel: vmlinux path, module tree, version string."""

    def __init__(self, package, version, vmlinux, root, deb_sha):
        self.package = package
        self.version = version
        self.vmlinux = vmlinux
        self.root = root
        self.deb_sha = deb_sha

    @property
    def moddir(self):
        return os.path.join(self.root, "lib", "modules", self.version)


def fetch_kernel(log):
    package = pinned_kernel_package()
    version = package[len("linux-image-"):]
    kdir = os.path.join(CACHE_DIR, "kernel-" + version)
    done = os.path.join(kdir, "ready")
    vmlinux = os.path.join(kdir, "vmlinux")
    if os.path.exists(done):
        with open(done) as f:
            return Kernel(package, version, vmlinux, os.path.join(kdir, "root"), f.read().strip())
    shutil.rmtree(kdir, ignore_errors=True)
    os.makedirs(kdir)
    log(f"image: downloading {package}")
    try:
        _run(["apt-get", "download", package], cwd=kdir)
    except (OSError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        raise ImageError(f"cannot download the kernel package {package}: {detail.strip()}")
    debs = [f for f in os.listdir(kdir) if f.endswith(".deb")]
    if len(debs) != 1:
        raise ImageError(f"apt-get download {package} left {debs} in {kdir}")
    deb = os.path.join(kdir, debs[0])
    root = os.path.join(kdir, "root")
    _run(["dpkg-deb", "-x", deb, root])
    moddir = os.path.join(root, "lib", "modules", version)
    if not os.path.isdir(moddir):
        raise ImageError(f"{deb} has no lib/modules/{version}")
    _run(["depmod", "-b", root, version])
    with open(os.path.join(root, "boot", "vmlinuz-" + version), "rb") as f:
        elf = _find_vmlinux(f.read())
    with open(vmlinux, "wb") as f:
        f.write(elf)
    deb_sha = _file_sha(deb)
    os.remove(deb)
    with open(done, "w") as f:
        f.write(deb_sha + "\n")
    return Kernel(package, version, vmlinux, root, deb_sha)


def _module_closure(kernel):
    deps = {}
    with open(os.path.join(kernel.moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
    by_name = {}
    for path in deps:
        name = os.path.basename(path).split(".ko")[0].replace("-", "_")
        by_name[name] = path
    chosen = []

    def add(path):
        if path in chosen:
            return
        for d in deps.get(path, []):
            add(d)
        chosen.append(path)

    for name in WANTED_MODULES:
        key = name.replace("-", "_")
        if key not in by_name:
            raise ImageError(f"kernel {kernel.version} has no module {name}")
        add(by_name[key])
    return chosen, deps


# --------------------------------------------------------------------------
# Libraries and runtime files


def library_closure(binaries):
    """Every shared object (and the loader) that ldd lists for the binaries."""
    libs = []
    for b in binaries:
        try:
            out = _run(["ldd", b]).stdout
        except subprocess.CalledProcessError as e:
            if "not a dynamic executable" in (e.stdout + e.stderr):
                continue
            raise ImageError(f"ldd {b} failed: {e.stderr.strip()}")
        for line in out.splitlines():
            line = line.strip()
            if "not found" in line:
                raise ImageError(f"{b}: library missing on the host: {line}")
            m = re.match(r"\S+ => (/\S+)", line) or re.match(r"(/\S+) \(0x", line)
            if m and m.group(1) not in libs:
                libs.append(m.group(1))
    # glibc loads libgcc_s at thread cancellation; libfuse aborts at exit without it.
    gcc_s = "/lib/x86_64-linux-gnu/libgcc_s.so.1"
    if os.path.exists(gcc_s) and gcc_s not in libs:
        libs.append(gcc_s)
    return libs


def add_files_with_links(writer, paths, seen):
    """Adds each file at its real path, and a symlink where the name differs."""
    for p in paths:
        real = os.path.realpath(p)
        if real not in seen:
            seen.add(real)
            writer.file(_merged(real), real)
        name = _merged(p)
        if name != real and name not in seen:
            seen.add(name)
            writer.symlink(name, real)


def _trimmed_enterprise_numbers(path):
    out = []
    keep = False
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    started = False
    for line in lines:
        if re.fullmatch(r"\d+", line):
            started = True
            keep = int(line) in KEPT_ENTERPRISES
        if not started or keep:
            out.append(line)
    return ("\n".join(out) + "\n").encode()


def _inputs_digest(paths):
    return _sha(*[p + ":" + _file_sha(p) for p in paths])


# Scripts from elsewhere in the tree that guest scenarios run, by their path
# in the guest: docs/examples/containers.sh runs the commands of
# docs/containers.md (scenario `containers`).
GUEST_EXTRAS = {
    "compat/examples/containers.sh": os.path.join(os.path.dirname(COMPAT_DIR), "docs", "examples", "containers.sh"),
}


def _guest_files():
    guest = os.path.join(COMPAT_DIR, "guest")
    files = []
    for dirpath, _, names in os.walk(guest):
        for n in sorted(names):
            files.append(os.path.join(dirpath, n))
    return guest, sorted(files)


def build_base(kernel, log):
    tools = [t for t in CLIENT_TOOLS]
    for t in tools:
        if not os.path.exists(t):
            raise ImageError(f"client tool {t} is not installed (scripts/install-deps.sh all)")
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        raise ImageError("busybox-static is not installed (scripts/install-deps.sh all)")
    libs = library_closure(tools)
    guest, guest_files = _guest_files()
    extra = ["/usr/share/misc/enterprise-numbers.txt", "/var/lib/freeipmi/ipckey"]
    for e in extra:
        if not os.path.exists(e):
            raise ImageError(f"{e} is missing on the host")
    key = _sha("base-v2", kernel.deb_sha, ",".join(WANTED_MODULES), sorted(ETC_FILES.items()),
               _inputs_digest(tools + libs + [busybox] + extra + guest_files + sorted(GUEST_EXTRAS.values())))
    out = os.path.join(CACHE_DIR, f"base-{key}.cpio")
    if os.path.exists(out):
        return out
    log(f"image: building base layer {os.path.basename(out)}")
    modules, deps = _module_closure(kernel)
    tmp = f"{out}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        w = CpioWriter(f)
        for d in ("usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "proc", "sys", "dev",
                  "tmp", "run", "root", "var/lib/freeipmi", "etc"):
            w.directory(d)
        for top in ("bin", "sbin", "lib", "lib64"):
            w.symlink(top, "usr/" + top)
        w.file("usr/bin/busybox", busybox, 0o755)
        applets = _run([busybox, "--list-full"]).stdout.split()
        tool_names = {_merged(t) for t in tools}
        for a in applets:
            name = _merged("/" + a)
            if name != "/usr/bin/busybox" and name not in tool_names:
                w.symlink(name, "/usr/bin/busybox")
        seen = set()
        add_files_with_links(w, libs, seen)
        for t in tools:
            w.file(_merged(t), t, 0o755)
        w.data("usr/share/misc/enterprise-numbers.txt",
               _trimmed_enterprise_numbers(extra[0]))
        w.file("var/lib/freeipmi/ipckey", extra[1])
        for name, payload in ETC_FILES.items():
            w.data(name, payload)
        mod_root = f"usr/lib/modules/{kernel.version}"
        dep_lines = []
        for m in modules:
            w.file(f"{mod_root}/{m}", os.path.join(kernel.moddir, m), 0o644)
            dep_lines.append(f"{m}: {' '.join(deps[m])}".rstrip() + "\n")
        w.data(f"{mod_root}/modules.dep", "".join(dep_lines).encode())
        w.file(f"{mod_root}/modules.builtin", os.path.join(kernel.moddir, "modules.builtin"))
        for path in guest_files:
            rel = os.path.relpath(path, guest)
            mode = 0o755 if rel == "init" or rel.endswith(".sh") else 0o644
            w.file(rel if rel == "init" else "compat/" + rel, path, mode)
        for name, path in sorted(GUEST_EXTRAS.items()):
            w.file(name, path, 0o755)
        w.finish()
    os.replace(tmp, out)
    return out


def build_probe(cc, log):
    """The ioctl probe, static, as a 64-bit and a 32-bit program."""
    pdir = os.path.join(COMPAT_DIR, "probe")
    inputs = sorted(os.path.join(pdir, f) for f in os.listdir(pdir) if f.endswith((".c", ".h")))
    sources = [f for f in inputs if f.endswith(".c")]
    key = _sha("probe-v2", _inputs_digest(inputs), cc)
    out = os.path.join(CACHE_DIR, f"probe-{key}.cpio")
    if os.path.exists(out):
        return out
    log("image: building the probe (x86_64 and i386)")
    with tempfile.TemporaryDirectory() as tmpdir:
        built = {}
        for arch, flags in (("64", ["-m64"]), ("32", ["-m32"])):
            exe = os.path.join(tmpdir, "ipmi-probe" + arch)
            cmd = [cc, *flags, "-O2", "-static", "-std=gnu11", "-Wall", "-Wextra",
                   "-Werror", "-o", exe, *sources]
            try:
                _run(cmd)
            except subprocess.CalledProcessError as e:
                raise ImageError(f"building the probe failed: {' '.join(cmd)}\n{e.stderr}")
            built[arch] = exe
        tmp = out + ".tmp"
        with open(tmp, "wb") as f:
            w = CpioWriter(f)
            for arch, exe in built.items():
                w.file("usr/bin/ipmi-probe" + arch, exe, 0o755)
            w.finish()
        os.replace(tmp, out)
    return out


def build_daemon(daemon, log, keep_debug=False):
    """The project's daemon with its libraries; None when it has not been built.

    The daemon's DWARF is left out unless `keep_debug` (callgrind's file
    names): a debugoptimized build is about 80 MB, 3 MB without it. The guest
    unpacks the initramfs into its 384 MB of RAM next to the archive itself,
    and with the base layer grown by 10 MB (prometheus-ipmi-exporter) an
    80 MB daemon no longer fit ("Initramfs unpacking failed: write error",
    no /compat/test.env); every boot also copies 77 MB less. The symbol
    table stays."""
    if not daemon or not os.path.isfile(daemon):
        return None
    libs = library_closure([daemon])
    key = _sha("daemon-v2", keep_debug, _inputs_digest([daemon] + libs))
    out = os.path.join(CACHE_DIR, f"daemon-{key}.cpio")
    if os.path.exists(out):
        return out
    log("image: building the daemon layer")
    tmp = out + ".tmp"
    with tempfile.TemporaryDirectory() as tmpdir:
        binary = daemon
        if not keep_debug:
            binary = os.path.join(tmpdir, "ipmi-cuse")
            try:
                _run(["objcopy", "--strip-debug", daemon, binary])
            except (OSError, subprocess.CalledProcessError) as e:
                raise ImageError(f"objcopy --strip-debug {daemon} failed: "
                                 f"{getattr(e, 'stderr', '') or e}")
        with open(tmp, "wb") as f:
            w = CpioWriter(f)
            add_files_with_links(w, libs, set())
            w.file("usr/sbin/ipmi-cuse", binary, 0o755)
            w.finish()
    os.replace(tmp, out)
    return out


def test_layer(path, files):
    """The per-run archive: {name in image: bytes}."""
    with open(path, "wb") as f:
        w = CpioWriter(f)
        for name, payload in files.items():
            w.data(name, payload, 0o755 if name.endswith(".sh") else 0o644)
        w.finish()
    return path


class Image:
    def __init__(self, kernel, layers, daemon_layer):
        self.kernel = kernel
        self.layers = layers
        self.daemon_layer = daemon_layer


def build(daemon, cc="gcc", log=print, keep_debug=False):
    """All layers, built or taken from the cache; one builder at a time.
    `keep_debug`: the daemon with its debug information (see build_daemon)."""
    os.makedirs(CACHE_DIR, exist_ok=True)
    if shutil.which("qemu-system-x86_64") is None:
        raise ImageError("qemu-system-x86_64 is not installed (scripts/install-deps.sh all)")
    with open(os.path.join(CACHE_DIR, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kernel = fetch_kernel(log)
        base = build_base(kernel, log)
        probe = build_probe(cc, log)
        return Image(kernel, [base, probe], build_daemon(daemon, log, keep_debug))
