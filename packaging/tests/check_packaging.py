#!/usr/bin/env python3
"""Checks the installed files of packaging/ against the program itself.

- ipmi-cuse.8 documents exactly the options and commands `ipmi-cuse --help`
  lists (both ways), so the manual cannot drift from the program;
- ipmi-cuse.toml has every module parameter --help lists, in its section,
  commented with its kernel parameter name, and every key of [device] and
  [daemon] that ipmi-cuse.toml(5) documents (and the other way round);
- the daemon accepts the file as installed, and also with every commented
  example switched on (so each example value is valid);
- the unit's check-kernel-ipmi refuses exactly when a kernel IPMI hardware
  driver is loaded;
- the exit codes ipmi-cuse.8's EXIT STATUS lists are those the daemon gives
  for a usage error and a refused setting;
- the unit counts the "nothing to serve" exit (69) as success and does not
  restart after it, and the daemon gives it on a host without a BMC;
- debian/control's Build-Depends names the Debian package of every
  dependency() (pkg-config file or meson's own finder) and every header
  has_header() looks for in the meson.build files the package build uses,
  with <!nocheck> where only the tests need it;
- ipmi-cuse-locate.1 documents exactly the options `ipmi-cuse-locate --help`
  lists, and its EXIT STATUS the codes the tool gives;
- every man page's title line and debian/changelog carry the version the
  programs print (meson's project version: daemon/version.hpp.in);
- the man pages render without groff warnings.

Exit status 0 when all hold; otherwise each failure on its own line.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []

EX_USAGE = 64   # sysexits.h
EX_UNAVAILABLE = 69
EX_CONFIG = 78

# meson's finders that read no pkg-config file: the Debian package that
# satisfies each (None: the C library, always there).
MESON_OWN_FINDERS = {"threads": None, "boost": "libboost-dev"}


def fail(message):
    failures.append(message)


def help_text(daemon):
    out = subprocess.run([daemon, "--help"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        sys.exit(f"ipmi-cuse --help exited {out.returncode}: {out.stderr.strip()}")
    return out.stdout


def help_options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9_.-]*)", text))


def help_subcommands(text):
    """The names listed under CLI11's 'Subcommands:' heading."""
    names = set()
    in_section = False
    for line in text.splitlines():
        if line.strip().upper().startswith("SUBCOMMANDS"):
            in_section = True
            continue
        if in_section:
            m = re.match(r"\s{2}([a-z][a-z0-9-]*)\s", line + " ")
            if m:
                names.add(m.group(1))
            elif line.strip() and not line.startswith(" "):
                in_section = False
    return names


def man_plain(path):
    with open(path) as f:
        text = f.read()
    return text.replace("\\-", "-").replace("\\fB", "").replace("\\fI", "").replace("\\fR", "")


def man_section(text, title):
    m = re.search(r"^\.SH " + re.escape(title) + r"\s*$(.*?)(?=^\.SH |\Z)", text, re.M | re.S)
    return m.group(1) if m else ""


def tagged_lines(section_text):
    """The tag lines of a man section: the line after each .TP."""
    lines = section_text.splitlines()
    return [lines[i + 1] for i, line in enumerate(lines[:-1]) if line.strip() == ".TP"]


def toml_keys(path):
    """{section: {key: (commented, line)}} for `key = value` and `#key = value` lines."""
    keys = {}
    section = None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            m = re.match(r"^\[([a-z_]+)\]\s*$", line)
            if m:
                section = m.group(1)
                keys.setdefault(section, {})
                continue
            m = re.match(r"^(#?)([a-z_]+) = (.*)$", line)
            if m and section:
                keys[section][m.group(2)] = (m.group(1) == "#", number, m.group(3))
    return keys


def run_daemon(daemon, config):
    """The daemon's verdict on a configuration: it reads and applies the file,
    then stops at the missing CUSE device (exit 1), or refuses a setting
    (EX_CONFIG)."""
    out = subprocess.run(
        [daemon, "--config", config, "--sim", "--cuse-device", "/nonexistent/cuse",
         "--control-socket", ""],
        capture_output=True, text=True, timeout=30)
    return out.returncode, (out.stdout + out.stderr).strip()


def check_man_vs_help(source, daemon):
    text = help_text(daemon)
    options = help_options(text) - {"--help"}
    man = man_plain(os.path.join(source, "ipmi-cuse.8"))
    opt_sec = man_section(man, "OPTIONS")
    documented = set()
    for tag in tagged_lines(opt_sec):
        documented |= set(re.findall(r"(--[a-z][a-z0-9_.-]*[a-z0-9])", tag))
    for o in sorted(options - documented):
        fail(f"ipmi-cuse.8: option {o} of --help is not documented under OPTIONS")
    for o in sorted(documented - options - {"--help"}):
        fail(f"ipmi-cuse.8: documents {o}, which --help does not list")
    commands = help_subcommands(text)
    cmd_sec = man_section(man, "COMMANDS")
    man_commands = {tag.split()[1] for tag in tagged_lines(cmd_sec) if len(tag.split()) > 1}
    for c in sorted(commands - man_commands):
        fail(f"ipmi-cuse.8: command '{c}' of --help is not documented under COMMANDS")
    for c in sorted(man_commands - commands):
        fail(f"ipmi-cuse.8: documents the command '{c}', which ipmi-cuse --help does not list "
             f"(the daemon lacks it)")
    return options


def check_toml_vs_help(source, options):
    keys = toml_keys(os.path.join(source, "ipmi-cuse.toml"))
    for o in sorted(options):
        m = re.fullmatch(r"--(ipmi_[a-z]+)\.([a-z_]+)", o)
        if not m:
            continue
        section, key = m.groups()
        if key not in keys.get(section, {}):
            fail(f"ipmi-cuse.toml: [{section}] {key} (option {o}) is missing")
            continue
        _, number, rest = keys[section][key]
        if f"{section}.{key}" not in rest:
            fail(f"ipmi-cuse.toml:{number}: [{section}] {key} does not name its kernel "
                 f"parameter {section}.{key}")
    for section, entries in keys.items():
        if not section.startswith("ipmi_"):
            continue
        for key in entries:
            if f"--{section}.{key}" not in options:
                fail(f"ipmi-cuse.toml: [{section}] {key} is not an option of ipmi-cuse")


def check_toml_vs_man5(source):
    keys = toml_keys(os.path.join(source, "ipmi-cuse.toml"))
    man = man_plain(os.path.join(source, "ipmi-cuse.toml.5"))
    for section, entries in keys.items():
        body = man_section(man, f'"SECTION [{section}]"')
        if not body:
            fail(f"ipmi-cuse.toml.5: no section for [{section}]")
            continue
        documented = set()
        for line in re.findall(r"^\.BR? (.*)$", body, re.M):
            documented |= set(re.findall(r"[a-z_]+", line))
        for key in entries:
            if key not in documented:
                fail(f"ipmi-cuse.toml.5: [{section}] {key} is not documented")


def check_daemon_accepts(source, daemon, workdir):
    installed = os.path.join(source, "ipmi-cuse.toml")
    with open(installed) as f:
        text = f.read()
    # The group is created by the package's postinst; the build host lacks it.
    text = re.sub(r'^group = "ipmi"', 'group = "root"', text, flags=re.M)
    as_installed = os.path.join(workdir, "installed.toml")
    with open(as_installed, "w") as f:
        f.write(text)
    rc, out = run_daemon(daemon, as_installed)
    if rc == EX_CONFIG or "cuse" not in out:
        fail(f"the daemon refuses ipmi-cuse.toml as installed (exit {rc}): {out}")
    # Every commented example switched on, one at a time (some exclude others).
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        m = re.match(r"^#([a-z_]+ = .*)$", line)
        if not m:
            continue
        trial = list(lines)
        trial[i] = m.group(1) + "\n"
        path = os.path.join(workdir, "example.toml")
        with open(path, "w") as f:
            f.write("".join(trial))
        rc, out = run_daemon(daemon, path)
        if rc == EX_CONFIG:
            fail(f"ipmi-cuse.toml:{i + 1}: the example '{m.group(1).split('#')[0].strip()}' "
                 f"is refused: {out}")


def check_kernel_check_script(source, workdir):
    """check-kernel-ipmi against a fake sysfs: quiet with only ipmi_msghandler,
    refusing (naming the modules) with ipmi_si, overridable."""
    script = os.path.join(source, "check-kernel-ipmi")
    sysfs = os.path.join(workdir, "sys")
    os.makedirs(os.path.join(sysfs, "module", "ipmi_msghandler"))

    def verdict(**env):
        p = subprocess.run(["sh", script], capture_output=True, text=True, timeout=10,
                           env={"PATH": "/usr/bin:/bin", "IPMI_CUSE_SYSFS": sysfs, **env})
        return p.returncode, p.stderr

    rc, err = verdict()
    if rc != 0:
        fail(f"check-kernel-ipmi refuses with only ipmi_msghandler loaded: {err.strip()}")
    for m in ("ipmi_si", "ipmi_watchdog"):
        os.makedirs(os.path.join(sysfs, "module", m))
    rc, err = verdict()
    if rc != 1 or "ipmi_si ipmi_watchdog" not in err or "modprobe -r" not in err:
        fail(f"check-kernel-ipmi with ipmi_si and ipmi_watchdog loaded: exit {rc}, said: {err.strip()}")
    rc, err = verdict(IPMI_CUSE_ALLOW_KERNEL_IPMI="yes")
    if rc != 0:
        fail(f"check-kernel-ipmi ignores IPMI_CUSE_ALLOW_KERNEL_IPMI=yes: exit {rc}")
    # What loaded them: OpenIPMI's service (as systemctl reports it) and a
    # modules-load.d line; each line at the journal's error priority when
    # stderr is the journal's stream.
    fake = os.path.join(workdir, "fake-bin")
    os.makedirs(fake)
    with open(os.path.join(fake, "systemctl"), "w") as f:
        f.write('#!/bin/sh\n[ "$2" = openipmi.service ] && echo active || echo inactive\n')
    os.chmod(os.path.join(fake, "systemctl"), 0o755)
    etc = os.path.join(workdir, "root")
    os.makedirs(os.path.join(etc, "etc", "modules-load.d"))
    with open(os.path.join(etc, "etc", "modules-load.d", "bmc.conf"), "w") as f:
        f.write("# the BMC\nipmi_devintf\nipmi_si # KCS\nloop\n")
    with open(os.path.join(workdir, "stderr"), "w") as stderr:
        st = os.fstat(stderr.fileno())
        p = subprocess.run(["sh", script], stderr=stderr, timeout=10,
                           env={"PATH": f"{fake}:/usr/bin:/bin", "IPMI_CUSE_SYSFS": sysfs, "IPMI_CUSE_ROOT": etc,
                                "JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
    with open(os.path.join(workdir, "stderr")) as f:
        err = f.read()
    lines = err.splitlines()
    loaders = ("<3>ipmi-cuse: loaded at boot by: openipmi.service (OpenIPMI's service: 'systemctl disable --now "
               "openipmi'), /etc/modules-load.d/bmc.conf (ipmi_devintf ipmi_si).")
    if p.returncode != 1 or loaders not in lines or not all(line.startswith("<3>") for line in lines):
        fail(f"check-kernel-ipmi does not name what loaded the modules at the error priority: exit "
             f"{p.returncode}, said: {err.strip()}")


def check_exit_status(source, daemon, workdir):
    """EXIT STATUS lists each code with its sysexits name, and the daemon
    gives those codes for a usage error and for a refused setting."""
    body = man_section(man_plain(os.path.join(source, "ipmi-cuse.8")), "EXIT STATUS")
    listed = {int(tag.split()[1]) for tag in tagged_lines(body) if re.fullmatch(r"\.B \d+", tag.strip())}
    if listed != {0, 1, EX_USAGE, EX_UNAVAILABLE, EX_CONFIG}:
        fail(f"ipmi-cuse.8: EXIT STATUS lists {sorted(listed)}, not 0, 1, {EX_USAGE}, {EX_UNAVAILABLE} "
             f"and {EX_CONFIG}")
    for code, name in ((EX_USAGE, "EX_USAGE"), (EX_UNAVAILABLE, "EX_UNAVAILABLE"), (EX_CONFIG, "EX_CONFIG")):
        if f"({name})" not in body:
            fail(f"ipmi-cuse.8: EXIT STATUS does not name {code} {name}")
    usage = subprocess.run([daemon, "--no-such-option"], capture_output=True, text=True, timeout=30)
    if usage.returncode != EX_USAGE:
        fail(f"ipmi-cuse --no-such-option exits {usage.returncode}, the manual says {EX_USAGE}")
    bad = os.path.join(workdir, "bad-mode.toml")
    with open(bad, "w") as f:
        f.write("[device]\nmode = 660\n")
    rc, out = run_daemon(daemon, bad)
    if rc != EX_CONFIG:
        fail(f"ipmi-cuse refusing mode = 660 exits {rc}, the manual says {EX_CONFIG}: {out}")
    # A host without a BMC: an empty sysroot, no parameters, no --sim.
    os.makedirs(os.path.join(workdir, "no-bmc", "sys"))
    empty = os.path.join(workdir, "empty.toml")
    open(empty, "w").close()
    none = subprocess.run([daemon, "--config", empty, "--sysroot", os.path.join(workdir, "no-bmc"),
                           "--control-socket", "", "--cuse-device", "/nonexistent/cuse"],
                          capture_output=True, text=True, timeout=30)
    if none.returncode != EX_UNAVAILABLE or "no IPMI interface found: nothing to serve" not in none.stderr:
        fail(f"ipmi-cuse without a BMC exits {none.returncode}, the manual says {EX_UNAVAILABLE} "
             f"(\"nothing to serve\"): {none.stderr.strip()}")
    unit = unit_settings(os.path.join(source, "ipmi-cuse.service.in"))
    success = unit.get("SuccessExitStatus", "").split()
    prevent = unit.get("RestartPreventExitStatus", "").split()
    if str(EX_UNAVAILABLE) not in success or str(EX_UNAVAILABLE) not in prevent:
        fail(f"ipmi-cuse.service: {EX_UNAVAILABLE} (nothing to serve) must be in SuccessExitStatus= "
             f"({' '.join(success)}) and RestartPreventExitStatus= ({' '.join(prevent)})")
    for code in prevent:
        if int(code) not in listed:
            fail(f"ipmi-cuse.service: RestartPreventExitStatus= {code} is not under EXIT STATUS in ipmi-cuse.8")


def unit_settings(path):
    """Key=value lines of a unit file (the last one of each key)."""
    settings = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^([A-Za-z]+)=(.*)$", line.strip())
            if m:
                settings[m.group(1)] = m.group(2)
    return settings


def build_depends(root):
    """{package: profile} from debian/control's Build-Depends ("" or "<!nocheck>")."""
    with open(os.path.join(root, "debian", "control")) as f:
        text = f.read()
    m = re.search(r"^Build-Depends:(.*?)(?=^\S)", text, re.M | re.S)
    packages = {}
    for entry in (m.group(1) if m else "").split(","):
        entry = entry.strip()
        if entry:
            name = re.match(r"[a-z0-9][a-z0-9+.-]*", entry).group(0)
            packages[name] = " ".join(re.findall(r"<[^>]*>", entry))
    return packages


def configure_off(root):
    """The meson options debian/rules turns off: (always, under nocheck)."""
    with open(os.path.join(root, "debian", "rules")) as f:
        rules = f.read()
    always = set(re.findall(r"-D(\w+)=false", re.search(r"^CONFIGURE_FLAGS =(.*)$", rules, re.M).group(1)))
    nocheck = set(re.findall(r"-D(\w+)=false", " ".join(re.findall(r"^CONFIGURE_FLAGS \+=(.*)$", rules, re.M))))
    return always, nocheck


def gated_subdirs(root):
    """{subdir: option} for `if get_option('X')` ... `subdir('Y')` in the top meson.build."""
    with open(os.path.join(root, "meson.build")) as f:
        text = f.read()
    gated = {}
    for option, body in re.findall(r"^if get_option\('(\w+)'\)\n(.*?)^endif", text, re.M | re.S):
        for sub in re.findall(r"subdir\('([^']+)'\)", body):
            gated[sub] = option
    return gated


def owning_package(path):
    out = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        return None
    return out.stdout.splitlines()[0].split(":")[0].split(",")[0].strip()


def package_of_dependency(name):
    if name in MESON_OWN_FINDERS:
        return MESON_OWN_FINDERS[name], None
    pcdir = subprocess.run(["pkg-config", "--variable=pcfiledir", name], capture_output=True, text=True, timeout=30)
    if pcdir.returncode != 0:
        return None, (f"pkg-config knows no {name}.pc here and MESON_OWN_FINDERS has no entry: "
                      f"install its -dev package, or map it there")
    pc = os.path.join(pcdir.stdout.strip(), name + ".pc")
    package = owning_package(pc)
    return package, None if package else f"dpkg -S {pc} names no package"


def package_of_header(header):
    for include in ("/usr/include", "/usr/include/x86_64-linux-gnu"):
        path = os.path.join(include, header)
        if os.path.exists(path):
            package = owning_package(path)
            return package, None if package else f"dpkg -S {path} names no package"
    return None, f"{header} is not under /usr/include here: install its -dev package"


def check_build_depends(root):
    """Every dependency() and has_header() of the meson.build files the
    package build reads maps to a package in Build-Depends (<!nocheck> for
    what only the tests read); what debian/rules switches off is skipped."""
    declared = build_depends(root)
    always_off, nocheck_off = configure_off(root)
    gated = gated_subdirs(root)
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        top = rel.split(os.sep)[0]
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in ("build", "cache", "debian")]
        if "meson.build" not in filenames or (rel != "." and gated.get(top) in always_off):
            continue
        tests_only = rel != "." and gated.get(top) in nocheck_off
        with open(os.path.join(dirpath, "meson.build")) as f:
            text = f.read()
        wanted = [("dependency", n, package_of_dependency(n)) for n in re.findall(r"\bdependency\('([^']+)'", text)]
        headers = re.findall(r"has_header\('([^']+)'", text)
        for listed in re.findall(r"has_headers:\s*\[([^\]]*)\]", text):
            headers += re.findall(r"'([^']+)'", listed)
        wanted += [("header", h, package_of_header(h)) for h in headers]
        where = os.path.join(rel, "meson.build")
        for kind, name, (package, problem) in wanted:
            if problem:
                fail(f"{where}: {kind} {name}: {problem}")
            elif package is None:
                continue
            elif package not in declared:
                fail(f"{where}: {kind} {name} comes from {package}, which debian/control's Build-Depends lacks")
            elif tests_only and "<!nocheck>" not in declared[package]:
                fail(f"{where}: {kind} {name} is for the tests only: Build-Depends should mark {package} <!nocheck>")
            elif not tests_only and "<!nocheck>" in declared[package]:
                fail(f"{where}: {kind} {name} is needed with nocheck too: {package} must not be <!nocheck>")


def check_locate(source, locate):
    """ipmi-cuse-locate.1 against ipmi-cuse-locate --help and its exit codes."""
    out = subprocess.run([locate, "--help"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        fail(f"ipmi-cuse-locate --help exited {out.returncode}: {out.stderr.strip()}")
        return
    options = help_options(out.stdout) - {"--help"}
    man = man_plain(os.path.join(source, "ipmi-cuse-locate.1"))
    documented = set()
    for tag in tagged_lines(man_section(man, "OPTIONS")):
        documented |= set(re.findall(r"(--[a-z][a-z0-9_.-]*[a-z0-9])", tag))
    # --ipmi_si.PARAM stands for every --ipmi_si.* option --help lists.
    listed = {o for o in options if not o.startswith("--ipmi_si.")}
    if any(o.startswith("--ipmi_si.") for o in options):
        listed.add("--ipmi_si")
    documented = {"--ipmi_si" if d.startswith("--ipmi_si") else d for d in documented}
    for o in sorted(listed - documented):
        fail(f"ipmi-cuse-locate.1: option {o} of --help is not documented under OPTIONS")
    for o in sorted(documented - listed - {"--help"}):
        fail(f"ipmi-cuse-locate.1: documents {o}, which ipmi-cuse-locate --help does not list")
    body = man_section(man, "EXIT STATUS")
    listed_codes = {int(tag.split()[1]) for tag in tagged_lines(body) if re.fullmatch(r"\.B \d+", tag.strip())}
    if listed_codes != {0, 1, EX_USAGE, EX_CONFIG}:
        fail(f"ipmi-cuse-locate.1: EXIT STATUS lists {sorted(listed_codes)}, not 0, 1, {EX_USAGE} and {EX_CONFIG}")
    for args, code in ((["--no-such-option"], EX_USAGE), (["--sysroot", "/nonexistent/ipmi-cuse"], EX_CONFIG),
                       (["--ipmi_si.regsizes=3"], EX_CONFIG)):
        rc = subprocess.run([locate, *args], capture_output=True, text=True, timeout=30).returncode
        if rc != code:
            fail(f"ipmi-cuse-locate {' '.join(args)} exits {rc}, the manual says {code}")


def check_versions(source, daemon):
    """One version: the program's (from meson) in every man page and in
    debian/changelog."""
    out = subprocess.run([daemon, "--version"], capture_output=True, text=True, timeout=30)
    m = re.fullmatch(r"ipmi-cuse (\S+)\n", out.stdout)
    if not m:
        fail(f"ipmi-cuse --version printed {out.stdout!r}")
        return
    version = m.group(1)
    for page in ("ipmi-cuse.8", "ipmi-cuse.toml.5", "ipmi-cuse-locate.1"):
        with open(os.path.join(source, page)) as f:
            title = next((line for line in f if line.startswith(".TH ")), "")
        if f'"ipmi\\-cuse {version}"' not in title:
            fail(f"{page}: its .TH line does not say ipmi-cuse {version}: {title.strip()}")
    changelog = os.path.join(source, "..", "debian", "changelog")
    if os.path.exists(changelog):
        with open(changelog) as f:
            first = f.readline()
        m = re.match(r"ipmi-cuse \(([^)]+)\)", first)
        if not m or m.group(1).split("-")[0] != version:
            fail(f"debian/changelog's latest entry is not version {version}: {first.strip()}")


def check_man_render(source):
    if shutil.which("man") is None:
        return
    for page in ("ipmi-cuse.8", "ipmi-cuse.toml.5", "ipmi-cuse-locate.1"):
        out = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z",
                              os.path.join(source, page)],
                             capture_output=True, text=True, timeout=60,
                             env={**os.environ, "MANWIDTH": "80", "LC_ALL": "C.UTF-8"})
        if out.returncode != 0 or out.stderr.strip():
            fail(f"{page}: man reports: {out.stderr.strip() or out.returncode}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--locate", required=True, help="the built ipmi-cuse-locate")
    ap.add_argument("--source", required=True, help="packaging/ in the source tree")
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    options = check_man_vs_help(args.source, args.daemon)
    check_toml_vs_help(args.source, options)
    check_toml_vs_man5(args.source)
    with tempfile.TemporaryDirectory(dir=args.build) as workdir:
        check_daemon_accepts(args.source, args.daemon, workdir)
        check_kernel_check_script(args.source, workdir)
        check_exit_status(args.source, args.daemon, workdir)
    check_locate(args.source, args.locate)
    check_versions(args.source, args.daemon)
    check_man_render(args.source)
    check_build_depends(os.path.dirname(os.path.abspath(args.source)))
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("packaging files agree with ipmi-cuse --help, ipmi-cuse-locate --help and the daemon's parser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
