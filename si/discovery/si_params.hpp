// The ipmi_si module parameters in the kernel's syntax (ipmi_si_hardcode.c,
// ipmi_si_intf.c, ipmi_si_platform.c, ipmi_si_pci.c): comma lists indexed by
// interface number, at most 4 entries each (SI_MAX_PARMS), numbers in C
// syntax, booleans as the kernel's kstrtobool reads them (core/kernel_number.hpp).
//
// Interface i is described when ports[i] or addrs[i] is non-zero (both may
// be given, giving two interfaces, as in the kernel). type[i] empty means
// kcs; "invalid" hides a firmware-described interface at that address.
// regspacings[i] is honoured: Linux 6.1's ipmi_hardcode_init_one assigned
// regsize twice and never regspacing, an upstream patch of 2023 fixed that;
// we follow the fix. 0 means "same as regsize" (ipmi_platform_add).
#pragma once

#include "si/discovery/discovered_interface.hpp"
#include "si/discovery/parse_result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ipmi::si::discovery {

inline constexpr std::size_t kSiMaxParams = 4; // SI_MAX_PARMS and IPMI_MAX_INTFS

struct SiParams
{
    std::vector<std::string> types;             // type=
    std::vector<std::uint64_t> ports;           // ports=
    std::vector<std::uint64_t> addrs;           // addrs=
    std::vector<long> irqs;                     // irqs= (accepted, reported as unused: we poll)
    std::vector<long> regSpacings;              // regspacings=
    std::vector<long> regSizes;                 // regsizes=
    std::vector<long> regShifts;                // regshifts=
    std::vector<long> slaveAddrs;               // slave_addrs=
    std::vector<long> forceKipmid;              // force_kipmid= (per interface number)
    std::vector<unsigned long> kipmidMaxBusyUs; // kipmid_max_busy_us= (per interface number)
    bool unloadWhenEmpty = true;                // unload_when_empty=
    bool tryDmi = true;                         // trydmi=
    bool tryAcpi = true;                        // tryacpi=
    bool tryPci = true;                         // trypci=
    bool tryPlatform = true;                    // tryplatform= (in the kernel it also gates hotmod)
    std::string hotmod;                         // hotmod= (parse with parseHotmod)
    unsigned kcsDebug = 0;                      // kcs_debug= (si/state_machine_trace.hpp's bits)
    unsigned btDebug = 0;                       // bt_debug=
    unsigned smicDebug = 0;                     // smic_debug=

    // force_kipmid for interface number n: nullopt = auto (not given).
    [[nodiscard]] std::optional<bool> forceKipmidFor(std::size_t interfaceNumber) const;
    // kipmid_max_busy_us for interface number n; 0 = "busy-wait without limit".
    [[nodiscard]] unsigned long kipmidMaxBusyUsFor(std::size_t interfaceNumber) const;
    // The debug bits of the state machine of `type` (kcs_debug, ...).
    [[nodiscard]] unsigned debugBitsFor(SiType type) const;
};

// Applies one "name=value" (or "name value" split by the caller). Unknown
// names, bad numbers and too many list entries fail with a message naming
// the parameter and the value. Later settings replace earlier ones.
[[nodiscard]] Parsed<bool> applySiParam(SiParams& params, std::string_view name, std::string_view value);

// Parses a whole set of "name=value" strings.
[[nodiscard]] Parsed<SiParams> parseSiParams(const std::vector<std::pair<std::string, std::string>>& keyValues);

// The interfaces the parameters describe, addrSource Hardcoded, in the
// kernel's order (for i: port then address).
[[nodiscard]] Parsed<std::vector<DiscoveredInterface>> hardcodedInterfaces(const SiParams& params);

} // namespace ipmi::si::discovery
