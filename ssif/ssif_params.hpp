// SSIF parameters with the names and meanings of the kernel's ipmi_ssif
// module parameters (one interface's worth: the kernel's arrays are one
// SsifParams per index), and their resolution to /dev/i2c-N.
//
// Resolution refuses, with a message that says what to do:
// - an adapter that does not exist, or a name no adapter has (names are
//   compared with spaces ignored, as the kernel does);
// - an address a kernel driver has bound (ipmi_ssif in particular:
//   /sys/bus/i2c/devices/N-00XX/driver), because both would talk to the BMC;
// - a missing /dev/i2c-N (i2c-dev not loaded).
#pragma once

#include "core/interface.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>

namespace ipmi::ssif {

struct SsifParams
{
    std::uint8_t addr = 0;      // addr=: the BMC's 7-bit SMBus address
    std::string adapter;        // adapter=: adapter name, or "i2c-N" / "N"; empty = the only adapter
    std::uint8_t slaveAddr = 0; // slave_addrs=: the BMC's IPMB address; 0 = 0x20
    unsigned dbg = 0;           // dbg=: 1 messages, 2 state, 4 timing
    bool dbgProbe = false;      // dbg_probe=
    bool alertsBroken = false;  // alerts_broken=
    bool tryacpi = true;        // tryacpi=: consumed by discovery
    bool trydmi = true;         // trydmi=: consumed by discovery
    core::AddrSource addrSource = core::AddrSource::Hardcoded;
    std::string acpiPath; // when addrSource == Acpi
    // Roots for the sysfs and device lookups (tests point them elsewhere).
    std::filesystem::path sysfsRoot = "/sys";
    std::filesystem::path devRoot = "/dev";
};

struct ResolvedSsif
{
    int adapterNumber = -1;
    std::string adapterName;
    std::filesystem::path device; // /dev/i2c-N
};

// Finds the adapter and checks the address is free; an error message
// otherwise.
[[nodiscard]] std::variant<ResolvedSsif, std::string> resolveSsifParams(const SsifParams& params);

// The kernel's strcmp_nospace: equal when equal after dropping spaces.
[[nodiscard]] bool adapterNameMatches(std::string_view a, std::string_view b);

} // namespace ipmi::ssif
