// The hotmod parameter: "add|remove,kcs|bt|smic,mem|i/o,<address>[,rsp=<n>]
// [,rsi=<n>][,rsh=<n>][,irq=<n>][,ipmb=<n>]", several joined with ':'
// (ipmi_si_hotmod.c). Parsing only: applying an operation to a running
// daemon is the daemon's job.
//
// Semantics the daemon must apply, as the kernel does:
// - Add registers a new interface with addrSource Hotmod (defaults regsize
//   1, regspacing = regsize, shift 0, no irq, IPMB 0 = default 0x20); it is
//   subject to the duplicate check like any other source.
// - Remove drops every interface whose address space, type and address
//   match, whatever its source; only the rsp/rsi/... options are ignored.
// Unlike the kernel, which applies the operations before a bad one and
// stops there, a string with any bad operation is refused as a whole.
#pragma once

#include "si/discovery/discovered_interface.hpp"
#include "si/discovery/parse_result.hpp"

#include <string_view>
#include <vector>

namespace ipmi::si::discovery {

enum class HotmodAction : std::uint8_t
{
    Add,
    Remove,
};

struct HotmodOperation
{
    HotmodAction action = HotmodAction::Add;
    DiscoveredInterface target; // type, space, address, options; addrSource Hotmod

    friend bool operator==(const HotmodOperation&, const HotmodOperation&) = default;
};

// Leading/trailing whitespace of the whole string is ignored (echo adds a
// newline). Errors name the bad field: "operation", "interface type",
// "address space", "address", or the option.
[[nodiscard]] Parsed<std::vector<HotmodOperation>> parseHotmod(std::string_view text);

// Whether a Remove operation matches an interface (space, type, address).
[[nodiscard]] bool hotmodRemoveMatches(const HotmodOperation& remove, const DiscoveredInterface& candidate);

} // namespace ipmi::si::discovery
