# QEMU's isa-ipmi-bt (0xe4) found by discovery alone (SMBIOS type 38, ACPI
# IPI0001): Get Device ID and the whole SDR repository, byte for byte.
si_found_and_sdr
