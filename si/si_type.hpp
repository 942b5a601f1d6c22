// The system interface types: one enum for what discovery finds and what
// the drivers run (the kernel's enum si_type, and SSIF). A discovery record
// that is no interface to drive (the user's type=invalid, an ACPI device
// whose type userspace cannot see) says so itself: see DiscoveredInterface.
#pragma once

#include <cstdint>

namespace ipmi::si {

enum class SiType : std::uint8_t
{
    Kcs,
    Smic,
    Bt,
    Ssif,
};

// "kcs", "smic", "bt", "ssif" (the kernel's si_to_str).
[[nodiscard]] constexpr const char* toString(SiType type)
{
    switch (type) {
    case SiType::Kcs:
        return "kcs";
    case SiType::Smic:
        return "smic";
    case SiType::Bt:
        return "bt";
    case SiType::Ssif:
        return "ssif";
    }
    return "kcs";
}

// The registers an interface occupies: KCS data and status/command; SMIC
// data, control/status and flags; BT control, buffer and interrupt mask.
// SSIF has none (it is an SMBus address).
[[nodiscard]] constexpr unsigned registerCount(SiType type)
{
    switch (type) {
    case SiType::Kcs:
        return 2;
    case SiType::Smic:
    case SiType::Bt:
        return 3;
    case SiType::Ssif:
        return 0;
    }
    return 0;
}

} // namespace ipmi::si
