// ACPI IPI0001 devices as userspace can see them.
//
// The kernel evaluates _IFT (interface type), _CRS (registers), _GPE and
// _ADR with the AML interpreter; userspace cannot. What sysfs does show:
// - /sys/bus/acpi/devices/IPI0001:NN/: path (the namespace path), status
//   (_STA, when the device has one; bit 0 = present), uid (_UID),
//   description (_STR, e.g. QEMU's "ipmi_kcs"), and physical_node, a link
//   to the device Linux created: the platform device IPI0001:NN for KCS,
//   SMIC and BT, or the I2C client i2c-IPI0001:NN (under its adapter i2c-N)
//   for SSIF;
// - the platform device's _CRS resources, inserted in the resource tree
//   and listed by name in /proc/ioports and /proc/iomem (with real numbers
//   only for root: others see zeros);
// - when the kernel's ipmi_si is bound, its "type" and "params" attributes.
// What cannot be known here: _IFT itself (the type is taken, in order, from
// ipmi_si's attributes, an SMBIOS record at the same address, the _STR
// text, or the SSIF I2C parent; otherwise it stays Unknown), the IRQ and
// _GPE (reported as 0: we poll anyway), and an SSIF device's I2C address
// (sysfs names ACPI I2C clients by ACPI name, not by address; SMBIOS
// usually supplies it).
#pragma once

#include "si/discovery/discovered_interface.hpp"
#include "si/discovery/sysroot.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::si::discovery {

// One line of /proc/ioports or /proc/iomem.
struct ResourceEntry
{
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::string name;
    unsigned depth = 0; // nesting level (two spaces each)
};

[[nodiscard]] std::vector<ResourceEntry> parseResourceTree(std::string_view text);

struct AcpiResult
{
    // One per present IPI0001 device; the type may be Unknown and, for
    // SSIF, the address 0 (unknown) — the merge fills them from SMBIOS.
    std::vector<DiscoveredInterface> interfaces;
    std::vector<std::string> problems;
};

[[nodiscard]] AcpiResult readAcpiDevices(const Sysroot& root);

} // namespace ipmi::si::discovery
