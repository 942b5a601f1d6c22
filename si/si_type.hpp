// What it takes to drive one KCS/BT/SMIC interface: the kernel's ipmi_si
// module parameters for a single interface, as the daemon hands them to
// makeHardwareInterface(). Discovery produces a similar DiscoveredInterface;
// the daemon maps one to the other.
#pragma once

#include "core/interface.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace ipmi::si {

enum class SiType : std::uint8_t
{
    Kcs,
    Smic,
    Bt,
};

[[nodiscard]] const char* toString(SiType type); // "kcs", "smic", "bt"

enum class AddressSpace : std::uint8_t
{
    Io,     // I/O ports
    Memory, // memory-mapped
};

struct SiParams
{
    SiType type = SiType::Kcs;
    AddressSpace space = AddressSpace::Io;
    std::uint64_t address = 0;  // ports / addrs
    unsigned regSpacing = 1;    // regspacings
    unsigned regSize = 1;       // regsizes
    unsigned regShift = 0;      // regshifts
    std::uint8_t slaveAddr = 0; // slave_addrs; 0 = the default 0x20
    unsigned irq = 0;           // irqs: accepted, reported as unused (we poll)
    // force_kipmid: unset or true = poll from a worker thread (busy-poll
    // up to kipmid_max_busy_us); false = tick-paced polling only.
    std::optional<bool> forceKipmid;
    unsigned kipmidMaxBusyUs = 0; // 0 = no limit, with 100 us pauses (the kernel's)
    core::AddrSource addrSource = core::AddrSource::Hardcoded;
    std::string acpiPath;
};

} // namespace ipmi::si
