// The ACPI SPMI table ("Service Processor Management Interface", IPMI spec
// appendix C; ACPICA struct acpi_table_spmi), as
// /sys/firmware/acpi/tables/SPMI, SPMI1, ... expose it (root only).
// Linux 6.1 no longer reads SPMI (it uses the IPI0001 device); the decoding
// follows the old ipmi_si SPMI code and FreeIPMI's ipmi-locate.
#pragma once

#include "si/discovery/discovered_interface.hpp"
#include "si/discovery/parse_result.hpp"
#include "si/discovery/sysroot.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ipmi::si::discovery {

inline constexpr std::size_t kSpmiMinLength = 64; // through the PCI function byte

// Decodes one whole SPMI table (header included). Checks the signature,
// the length and the checksum, the reserved byte 37 == 1 (old kernels
// rejected tables without it), the interface type and the address space
// (0 memory, 1 I/O, 4 SMBus for SSIF). Spacing = size = bit width / 8
// (width 0 -> 1); shift = bit offset; irq = GPE (type bit 0) or GSI (bit 1).
[[nodiscard]] Parsed<DiscoveredInterface> decodeSpmi(std::span<const std::uint8_t> table);

struct SpmiResult
{
    std::vector<DiscoveredInterface> interfaces;
    std::vector<std::string> problems;
};

// Reads every /sys/firmware/acpi/tables/SPMI* under the sysroot.
[[nodiscard]] SpmiResult readSpmi(const Sysroot& root);

} // namespace ipmi::si::discovery
