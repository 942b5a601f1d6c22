// SPMI table decoding; see spmi.hpp.
#include "si/discovery/spmi.hpp"

#include <fmt/format.h>

#include <numeric>

namespace ipmi::si::discovery {
namespace {

constexpr std::size_t kOffsetLength = 4;
constexpr std::size_t kOffsetInterfaceType = 36;
constexpr std::size_t kOffsetLegacy = 37;
constexpr std::size_t kOffsetSpecRevision = 38;
constexpr std::size_t kOffsetInterruptType = 40;
constexpr std::size_t kOffsetGpe = 41;
constexpr std::size_t kOffsetPciFlag = 43;
constexpr std::size_t kOffsetGsi = 44;
constexpr std::size_t kOffsetSpaceId = 48;
constexpr std::size_t kOffsetBitWidth = 49;
constexpr std::size_t kOffsetBitOffset = 50;
constexpr std::size_t kOffsetAddress = 52;
constexpr std::size_t kOffsetPciSegment = 60;

constexpr std::uint8_t kSpaceMemory = 0;
constexpr std::uint8_t kSpaceIo = 1;
constexpr std::uint8_t kSpaceSmbus = 4;

std::uint64_t leBytes(std::span<const std::uint8_t> bytes, std::size_t offset, std::size_t count)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        value |= static_cast<std::uint64_t>(bytes[offset + i]) << (8 * i);
    }
    return value;
}

} // namespace

Parsed<DiscoveredInterface> decodeSpmi(std::span<const std::uint8_t> table)
{
    using Result = Parsed<DiscoveredInterface>;
    if (table.size() < kSpmiMinLength) {
        return Result::failure(fmt::format("SPMI table is {} bytes, shorter than {}", table.size(), kSpmiMinLength));
    }
    if (table[0] != 'S' || table[1] != 'P' || table[2] != 'M' || table[3] != 'I') {
        return Result::failure("signature is not SPMI");
    }
    const auto length = leBytes(table, kOffsetLength, 4);
    if (length < kSpmiMinLength || length > table.size()) {
        return Result::failure(fmt::format("header length {} does not fit the {} bytes read", length, table.size()));
    }
    const auto sum = std::accumulate(table.begin(), table.begin() + static_cast<std::ptrdiff_t>(length), 0U);
    if ((sum & 0xFFU) != 0) {
        return Result::failure(fmt::format("checksum is wrong (bytes sum to {:#04x}, not 0)", sum & 0xFFU));
    }
    if (table[kOffsetLegacy] != 1) {
        return Result::failure(fmt::format("bad SPMI legacy byte {} (must be 1)", table[kOffsetLegacy]));
    }

    DiscoveredInterface found;
    found.addrSource = core::AddrSource::Spmi;
    const auto type = siTypeFromFirmwareCode(table[kOffsetInterfaceType]);
    if (!type) {
        return Result::failure(fmt::format("unknown SPMI interface type {}", table[kOffsetInterfaceType]));
    }
    found.type = *type;
    // BCD word: 0x0200 = 2.0, 0x0150 = 1.5.
    const auto revision = leBytes(table, kOffsetSpecRevision, 2);
    found.specMajor = static_cast<std::uint8_t>(revision >> 8);
    found.specMinor = static_cast<std::uint8_t>((revision >> 4) & 0x0F);

    const std::uint8_t interruptType = table[kOffsetInterruptType];
    if ((interruptType & 1) != 0) {
        found.irq = table[kOffsetGpe];
    } else if ((interruptType & 2) != 0) {
        found.irq = static_cast<unsigned>(leBytes(table, kOffsetGsi, 4));
    }

    const std::uint8_t bitWidth = table[kOffsetBitWidth];
    const std::uint64_t address = leBytes(table, kOffsetAddress, 8);
    switch (table[kOffsetSpaceId]) {
    case kSpaceMemory:
        found.space = AddrSpace::Memory;
        break;
    case kSpaceIo:
        found.space = AddrSpace::Io;
        break;
    case kSpaceSmbus:
        found.space = AddrSpace::Smbus;
        break;
    default:
        return Result::failure(fmt::format("unknown ACPI address space id {}", table[kOffsetSpaceId]));
    }
    if ((found.type == SiType::Ssif) != (found.space == AddrSpace::Smbus)) {
        return Result::failure(fmt::format("interface type {} does not fit address space id {}",
                                           table[kOffsetInterfaceType], table[kOffsetSpaceId]));
    }
    if (address == 0) {
        return Result::failure("base address is zero");
    }
    if (found.space == AddrSpace::Smbus) {
        // A 7-bit address as FreeIPMI reads it; a value above 0x7f can only
        // be the 8-bit (shifted) form.
        found.address = address > 0x7F ? (address & 0xFF) >> 1 : address;
        found.regSpacing = 0;
        found.regSize = 0;
    } else {
        found.address = address;
        found.regSpacing = bitWidth == 0 ? kDefaultRegSpacing : bitWidth / 8U;
        if (found.regSpacing == 0) {
            return Result::failure(fmt::format("register bit width {} is less than a byte", bitWidth));
        }
        found.regSize = found.regSpacing;
        found.regShift = table[kOffsetBitOffset];
    }
    if ((table[kOffsetPciFlag] & 1) != 0) {
        found.deviceName =
            fmt::format("pci {:04x}:{:02x}:{:02x}.{}", table[kOffsetPciSegment], table[kOffsetPciSegment + 1],
                        table[kOffsetPciSegment + 2], table[kOffsetPciSegment + 3]);
    }
    return found;
}

SpmiResult readSpmi(const Sysroot& root)
{
    SpmiResult result;
    const std::string dir = "/sys/firmware/acpi/tables/";
    for (const auto& name : root.list(dir)) {
        if (name.rfind("SPMI", 0) != 0) {
            continue;
        }
        auto bytes = root.readBytes(dir + name, 1U << 16);
        if (!bytes) {
            result.problems.push_back(fmt::format("cannot read {}{} (not root?)", dir, name));
            continue;
        }
        auto decoded = decodeSpmi(*bytes);
        if (!decoded) {
            result.problems.push_back(fmt::format("{}: {}", name, decoded.error()));
            continue;
        }
        if (decoded.value().deviceName.empty()) {
            decoded.value().deviceName = "acpi table " + name;
        }
        result.interfaces.push_back(std::move(decoded).value());
    }
    return result;
}

} // namespace ipmi::si::discovery
