#!/bin/sh
# Installs, from Debian 12's own packages, everything ipmi-cuse needs to build,
# test, and run its VM compatibility suite. Idempotent: packages already present
# are left alone, so a second run costs one `apt-get update`.
set -eu

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: must run as root (it calls apt-get)" >&2
    exit 1
fi

build_packages="
    build-essential pkg-config meson ninja-build
    libfuse3-dev fuse3
    libboost-dev
    libspdlog-dev libfmt-dev
    libcli11-dev
    libtomlplusplus-dev
    nlohmann-json3-dev
    python3-jsonschema
    libsystemd-dev
    libi2c-dev
    zlib1g-dev
    libgtest-dev libgmock-dev googletest
    libbenchmark-dev
    clang-format clang-tidy
    clang libclang-rt-dev
"

# What the VM compatibility suite needs: QEMU, the pinned Debian kernel is
# downloaded by the harness itself with `apt-get download`, a static busybox
# for the initramfs, the unmodified client tools, and a 32-bit toolchain for
# the compat-ioctl probe. The packaging checks and the systemd VM test
# (packaging/) build the Debian package (debhelper), lint it, check the man
# pages (man-db) and debootstrap the guest's root file system into an ext4
# image (e2fsprogs' mke2fs -d); systemd (systemd.pc) and python3 are Build-Depends
# of the package that dpkg-buildpackage checks.
vm_packages="
    qemu-system-x86 busybox-static cpio xz-utils kmod
    ipmitool freeipmi-tools freeipmi-bmc-watchdog openipmi prometheus-ipmi-exporter
    gcc-multilib g++-multilib
    debhelper dpkg-dev lintian debootstrap e2fsprogs man-db systemd python3
"

# The client tools the VM suites copy into their guests. On this machine they
# are files only: their services (OpenIPMI's init script loads the kernel's
# ipmi_si and ipmi_devintf at boot, which keeps ipmi-cuse.service from
# starting; ipmievd, bmc-watchdog and the exporter need a /dev/ipmi0, and
# bmc-watchdog arms the BMC watchdog) are neither started by the install
# nor enabled for the next boot.
test_tool_packages="ipmitool freeipmi-tools freeipmi-bmc-watchdog openipmi prometheus-ipmi-exporter"

case "${1:-all}" in
    build) packages="$build_packages" ;;
    all) packages="$build_packages $vm_packages" ;;
    *) echo "usage: install-deps.sh [build|all]" >&2; exit 2 ;;
esac

export DEBIAN_FRONTEND=noninteractive
missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    apt-get update -qq
    # policy-rc.d (invoke-rc.d and deb-systemd-invoke ask it) answering 101
    # keeps every package's maintainer scripts from starting services during
    # this install; an existing one is put back afterwards.
    policy=/usr/sbin/policy-rc.d
    saved=""
    if [ -e "$policy" ]; then
        saved=$(mktemp)
        cp -p "$policy" "$saved"
    fi
    restore_policy() {
        if [ -n "$saved" ]; then mv "$saved" "$policy"; else rm -f "$policy"; fi
    }
    trap restore_policy EXIT
    printf '#!/bin/sh\n# scripts/install-deps.sh: no service starts while it installs\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
    restore_policy
    trap - EXIT
fi

# Whatever services the test-only tools ship stay disabled (on every run, so
# an earlier install is corrected too); a running one is left to the
# administrator, and said.
for p in $test_tool_packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || continue
    for path in $(dpkg -L "$p" | grep -E '^/etc/init\.d/[^/]+$|^(/usr)?/lib/systemd/system/[^/]+\.(service|socket|timer)$'); do
        unit=$(basename "$path")
        case "$path" in
            /etc/init.d/*) update-rc.d "$unit" disable >/dev/null 2>&1 || true; unit="$unit.service" ;;
        esac
        systemctl disable --quiet "$unit" >/dev/null 2>&1 || true
        if [ -d /run/systemd/system ] && systemctl is-active --quiet "$unit" 2>/dev/null; then
            echo "install-deps.sh: $unit (from $p, installed for the tests) is running; disabled from the next boot," \
                 "stop it with 'systemctl stop $unit'" >&2
        fi
    done
done
