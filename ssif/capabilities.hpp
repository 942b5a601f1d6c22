// What the SSIF driver may do with its BMC, from Get System Interface
// Capabilities (App 0x57, data [0x00] = SSIF) after the kernel's sanitising,
// then narrowed by the multi-part write probe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ipmi::ssif {

struct SsifLimits
{
    std::size_t maxRequest = 32; // bytes of [netfn/lun][cmd][data]
    std::size_t maxResponse = 32;
    std::uint8_t transactions = 0; // 0 single part, 1 start+end, 2 start/middle/end
    bool pec = false;
    bool cmd8Works = false; // multi-part writes end with 0x08 (set by the probe)
    bool valid = false;     // false: the BMC's answer was unusable, defaults apply
};

// `response` is the whole reply ([netfn/lun][cmd][cc][reserved][flags]
// [max in][max out]) or nullopt when the transfer failed. As ipmi_ssif:
// a failure, cc != 0, fewer than 7 bytes or transaction support 3 give
// 32/32 without multi-part or PEC; support 0 caps at 32/32, 1 at 63/62,
// 2 keeps the BMC's sizes (the multi-part probe tests them).
[[nodiscard]] SsifLimits sanitiseCapabilities(std::optional<std::span<const std::uint8_t>> response);

} // namespace ipmi::ssif
