# QEMU's smbus-ipmi (SSIF at 0x10 on the ICH9 SMBus) found by discovery
# alone: the kernel's ipmi_ssif and ipmi-cuse both load without an address;
# QEMU describes the BMC in SMBIOS type 38 and as ACPI IPI0001. The SEL is
# listed empty, then again after a Platform Event Message (raw: the emulated BMC has no
# Get Channel Info, which `ipmitool event` needs).
if [ "$MODE" = kernel ]; then
    src=$(dmesg | grep -io 'ssif.*\(acpi\|smbios\|dmi\)' | head -n 1)
    how=discovery # ipmi_ssif was loaded without addr=
else
    src=$(sed -n 's/.*interface 0: ssif.*(\([A-Za-z-]*\))$/\1/p' /tmp/daemon.log | head -n 1)
    case "$src" in
        SMBIOS|ACPI) how=discovery ;;
        *) how="parameters or nothing" ;;
    esac
fi
echo "found: ssif by $how"
echo "#~ address source ($MODE): ${src:-none}"
t ipmitool mc info
t ipmitool sdr list
t ipmitool sel list
t ipmitool raw 0x04 0x02 0x41 0x04 0x01 0x30 0x01 0x57 0x02 0xff
t ipmitool sel list
