// SMBIOS type 38 ("IPMI Device Information") as the kernel's ipmi_dmi.c
// decodes it (SMBIOS DSP0134, section 7.39), read from the raw structure table the kernel
// exports at /sys/firmware/dmi/tables/DMI (root only, mode 0400).
#pragma once

#include "si/discovery/discovered_interface.hpp"
#include "si/discovery/parse_result.hpp"
#include "si/discovery/sysroot.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ipmi::si::discovery {

inline constexpr std::uint8_t kSmbiosTypeIpmi = 38;
inline constexpr std::uint8_t kSmbiosTypeEnd = 127;

// One SMBIOS structure: its formatted area (header included) and handle.
struct SmbiosStructure
{
    std::uint8_t type = 0;
    std::uint16_t handle = 0;
    std::vector<std::uint8_t> formatted;
};

struct SmbiosScan
{
    std::vector<SmbiosStructure> structures; // every structure up to type 127 or the end
    std::vector<std::string> problems;       // a truncated table, a bad length
};

// Walks a structure table: formatted area, then the string set ending in
// two NULs; stops at type 127 or at the end of the bytes.
[[nodiscard]] SmbiosScan walkSmbiosTable(std::span<const std::uint8_t> table);

// Decodes one type 38 formatted area (header included) exactly as the
// kernel does: old format (length 0x10) is I/O with spacing 1 whatever bit 0
// says; new format (>= 0x12) honours bit 0 (I/O vs memory), the LS-bit
// modifier, spacing 1/4/16 (3 is rejected), the IRQ; SSIF takes the I2C
// address from the base address low byte >> 1, or from the slave address
// field when that is 0 (broken BIOSes). Base address 0 means "no interface".
[[nodiscard]] Parsed<DiscoveredInterface> decodeSmbiosType38(std::span<const std::uint8_t> formatted);

struct SmbiosResult
{
    std::vector<DiscoveredInterface> interfaces;
    std::vector<std::string> problems; // records the kernel would also skip, and why
    std::string smbiosVersion;         // from the entry point, "" if unreadable
    bool tableReadable = false;
};

// Reads /sys/firmware/dmi/tables/DMI (and smbios_entry_point for the
// version) under the sysroot and decodes every type 38 record.
[[nodiscard]] SmbiosResult readSmbios(const Sysroot& root);

// The SMBIOS version from an entry point structure ("_SM_" 2.x, "_SM3_" 3.x).
[[nodiscard]] std::string smbiosEntryPointVersion(std::span<const std::uint8_t> entryPoint);

} // namespace ipmi::si::discovery
