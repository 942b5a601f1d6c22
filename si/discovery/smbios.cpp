// SMBIOS structure walk and type 38 decoding; facts from the kernel's
// ipmi_dmi.c and the SMBIOS spec (DSP0134, type 38).
#include "si/discovery/smbios.hpp"

#include <fmt/format.h>

namespace ipmi::si::discovery {
namespace {

constexpr std::size_t kHeaderLength = 4;
constexpr std::uint8_t kOldFormatLength = 0x10;
constexpr std::uint8_t kNewFormatLength = 0x12;
constexpr std::size_t kOffsetType = 0x04;
constexpr std::size_t kOffsetRevision = 0x05;
constexpr std::size_t kOffsetSlave = 0x06;
constexpr std::size_t kOffsetBase = 0x08;
constexpr std::size_t kOffsetModifier = 0x10;
constexpr std::size_t kOffsetIrq = 0x11;

std::uint64_t le64(std::span<const std::uint8_t> bytes, std::size_t offset)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        value |= static_cast<std::uint64_t>(bytes[offset + i]) << (8 * i);
    }
    return value;
}

std::uint16_t le16(std::span<const std::uint8_t> bytes, std::size_t offset)
{
    return static_cast<std::uint16_t>(bytes[offset] | (bytes[offset + 1] << 8));
}

} // namespace

SmbiosScan walkSmbiosTable(std::span<const std::uint8_t> table)
{
    SmbiosScan scan;
    std::size_t pos = 0;
    while (pos + kHeaderLength <= table.size()) {
        const std::uint8_t type = table[pos];
        const std::uint8_t length = table[pos + 1];
        if (length < kHeaderLength) {
            scan.problems.push_back(
                fmt::format("structure at offset {:#x} has length {} (< 4); table walk stopped", pos, length));
            return scan;
        }
        if (pos + length > table.size()) {
            scan.problems.push_back(
                fmt::format("structure type {} at offset {:#x} runs past the end of the table", type, pos));
            return scan;
        }
        SmbiosStructure structure;
        structure.type = type;
        structure.handle = le16(table, pos + 2);
        structure.formatted.assign(table.begin() + static_cast<std::ptrdiff_t>(pos),
                                   table.begin() + static_cast<std::ptrdiff_t>(pos + length));
        // The string set ends with two consecutive NULs (a structure
        // without strings has just the two NULs).
        std::size_t next = pos + length;
        bool terminated = false;
        while (next + 1 < table.size()) {
            if (table[next] == 0 && table[next + 1] == 0) {
                next += 2;
                terminated = true;
                break;
            }
            ++next;
        }
        scan.structures.push_back(std::move(structure));
        if (type == kSmbiosTypeEnd) {
            return scan;
        }
        if (!terminated) {
            scan.problems.push_back(
                fmt::format("string set of structure type {} at offset {:#x} is not terminated", type, pos));
            return scan;
        }
        pos = next;
    }
    return scan;
}

Parsed<DiscoveredInterface> decodeSmbiosType38(std::span<const std::uint8_t> formatted)
{
    if (formatted.size() < kHeaderLength || formatted[0] != kSmbiosTypeIpmi) {
        return Parsed<DiscoveredInterface>::failure("not an SMBIOS type 38 structure");
    }
    const std::uint8_t length = formatted[1];
    if (length < kOldFormatLength || formatted.size() < length) {
        return Parsed<DiscoveredInterface>::failure(fmt::format("type 38 length {:#x} is shorter than 0x10", length));
    }

    DiscoveredInterface found;
    found.addrSource = core::AddrSource::Smbios;
    const std::uint8_t rawType = formatted[kOffsetType];
    const auto type = siTypeFromFirmwareCode(rawType);
    if (!type) {
        return Parsed<DiscoveredInterface>::failure(fmt::format("invalid IPMI interface type {}", rawType));
    }
    found.type = *type;
    // BCD, major in the high nibble: 0x20 = 2.0 (Get Device ID has it the other way round).
    found.specMajor = static_cast<std::uint8_t>(formatted[kOffsetRevision] >> 4);
    found.specMinor = static_cast<std::uint8_t>(formatted[kOffsetRevision] & 0x0F);
    found.slaveAddr = formatted[kOffsetSlave];

    std::uint64_t base = le64(formatted, kOffsetBase);
    if (base == 0) {
        return Parsed<DiscoveredInterface>::failure("base address is zero, assuming no IPMI interface");
    }

    if (length >= kNewFormatLength) {
        const std::uint8_t modifier = formatted[kOffsetModifier];
        if (found.type == SiType::Ssif) {
            found.space = AddrSpace::Smbus;
            base = formatted[kOffsetBase] >> 1;
            if (base == 0) {
                // Some BIOSes put the I2C address in the slave address field.
                base = formatted[kOffsetSlave] >> 1;
                found.slaveAddr = 0;
            }
            found.address = base;
            found.regSpacing = 0;
            found.regSize = 0;
        } else {
            if ((base & 1) != 0) {
                found.space = AddrSpace::Io;
                base &= 0xFFFE; // the kernel's DMI_IPMI_IO_MASK keeps 16 bits
            } else {
                found.space = AddrSpace::Memory;
            }
            // Bit 4: the real least significant address bit.
            base |= (modifier >> 4) & 1U;
            found.address = base;
            found.irq = formatted[kOffsetIrq];
            switch ((modifier >> 6) & 3U) {
            case 0:
                found.regSpacing = 1;
                break;
            case 1:
                found.regSpacing = 4;
                break;
            case 2:
                found.regSpacing = 16;
                break;
            default:
                return Parsed<DiscoveredInterface>::failure(
                    fmt::format("register spacing bits 7:6 of modifier {:#04x} are 11 (reserved)", modifier));
            }
        }
    } else {
        // Old format: the kernel ignores bit 0 (too many BIOSes got it
        // wrong) and assumes I/O at byte spacing. An old-format SSIF record
        // keeps the masked base as its I2C address, as the kernel does.
        found.address = base & 0xFFFE;
        found.regSpacing = 1;
        if (found.type == SiType::Ssif) {
            found.space = AddrSpace::Smbus;
            found.regSpacing = 0;
            found.regSize = 0;
        } else {
            found.space = AddrSpace::Io;
        }
    }
    return found;
}

std::string smbiosEntryPointVersion(std::span<const std::uint8_t> entryPoint)
{
    auto startsWith = [&](std::string_view anchor) {
        return entryPoint.size() >= anchor.size() &&
               std::equal(anchor.begin(), anchor.end(), entryPoint.begin(),
                          [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
    };
    if (startsWith("_SM3_") && entryPoint.size() >= 0x0A) {
        return fmt::format("{}.{}.{}", entryPoint[0x07], entryPoint[0x08], entryPoint[0x09]);
    }
    if (startsWith("_SM_") && entryPoint.size() >= 0x08) {
        return fmt::format("{}.{}", entryPoint[0x06], entryPoint[0x07]);
    }
    return {};
}

SmbiosResult readSmbios(const Sysroot& root)
{
    SmbiosResult result;
    if (auto entry = root.readBytes("/sys/firmware/dmi/tables/smbios_entry_point", 64)) {
        result.smbiosVersion = smbiosEntryPointVersion(*entry);
    }
    auto table = root.readBytes("/sys/firmware/dmi/tables/DMI");
    if (!table) {
        result.problems.emplace_back("cannot read /sys/firmware/dmi/tables/DMI (absent, or not root)");
        return result;
    }
    result.tableReadable = true;
    SmbiosScan scan = walkSmbiosTable(*table);
    result.problems = std::move(scan.problems);
    for (const auto& structure : scan.structures) {
        if (structure.type != kSmbiosTypeIpmi) {
            continue;
        }
        auto decoded = decodeSmbiosType38(structure.formatted);
        if (decoded) {
            decoded.value().deviceName = fmt::format("dmi handle {:#06x}", structure.handle);
            result.interfaces.push_back(std::move(decoded).value());
        } else {
            result.problems.push_back(fmt::format("type 38 handle {:#06x}: {}", structure.handle, decoded.error()));
        }
    }
    return result;
}

} // namespace ipmi::si::discovery
