# QEMU's isa-ipmi-kcs (0xca2) found by discovery alone: no ports or type
# parameter on either side; QEMU describes it in SMBIOS type 38 and as ACPI
# IPI0001. Get Device ID and the whole SDR repository, byte for byte.
si_found_and_sdr
