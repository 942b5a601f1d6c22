# QEMU's pci-ipmi-kcs (PCI class 0x0c07, an I/O BAR) found by PCI discovery
# (ipmi-cuse with trydmi/tryacpi off): Get Device ID and the whole SDR
# repository, byte for byte.
si_found_and_sdr
