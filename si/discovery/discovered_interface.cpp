// Formatting for DiscoveredInterface, in the kernel's own spellings so our
// logs and the kernel's dmesg lines can be compared side by side.
#include "si/discovery/discovered_interface.hpp"

#include <fmt/format.h>

namespace ipmi::si::discovery {

std::optional<SiType> siTypeFromFirmwareCode(std::uint8_t code)
{
    switch (code) {
    case 1:
        return SiType::Kcs;
    case 2:
        return SiType::Smic;
    case 3:
        return SiType::Bt;
    case 4:
        return SiType::Ssif;
    default:
        return std::nullopt;
    }
}

const char* toString(AddrSpace space)
{
    switch (space) {
    case AddrSpace::Io:
        return "i/o";
    case AddrSpace::Memory:
        return "mem";
    case AddrSpace::Smbus:
        return "smbus";
    }
    return "i/o";
}

std::optional<SiType> siTypeFromString(std::string_view text)
{
    if (text == "kcs") {
        return SiType::Kcs;
    }
    if (text == "smic") {
        return SiType::Smic;
    }
    if (text == "bt") {
        return SiType::Bt;
    }
    if (text == "ssif") {
        return SiType::Ssif;
    }
    return std::nullopt;
}

const char* DiscoveredInterface::typeName() const
{
    if (invalid) {
        return "invalid";
    }
    return typeUnknown ? "unknown" : toString(type);
}

unsigned DiscoveredInterface::registerCount() const
{
    if (invalid) {
        return 0;
    }
    return si::registerCount(typeUnknown ? SiType::Kcs : type);
}

std::uint64_t DiscoveredInterface::lastAddress() const
{
    const unsigned count = registerCount();
    if (count == 0) {
        return address;
    }
    return address + static_cast<std::uint64_t>(regSpacing) * (count - 1) + (regSize == 0 ? 0 : regSize - 1);
}

std::string DiscoveredInterface::description() const
{
    if (space == AddrSpace::Smbus) {
        if (i2cAdapter) {
            return fmt::format("ssif i2c-{} {:#04x}", *i2cAdapter, i2cAddress());
        }
        return fmt::format("ssif i2c-? {:#04x}", i2cAddress());
    }
    std::string text = fmt::format("{} {} {:#x} spacing {}", typeName(), toString(space), address, regSpacing);
    if (regSize != kDefaultRegSize) {
        text += fmt::format(" size {}", regSize);
    }
    if (regShift != 0) {
        text += fmt::format(" shift {}", regShift);
    }
    return text;
}

std::string DiscoveredInterface::paramsString() const
{
    return fmt::format("{},{},{:#x},rsp={},rsi={},rsh={},irq={},ipmb={}", typeName(), toString(space), address,
                       regSpacing, regSize, regShift, irq, slaveAddr);
}

} // namespace ipmi::si::discovery
