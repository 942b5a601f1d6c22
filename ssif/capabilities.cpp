// sanitiseCapabilities: the kernel's reading of App 0x57 (see the header).
#include "ssif/capabilities.hpp"

#include <algorithm>

namespace ipmi::ssif {

SsifLimits sanitiseCapabilities(std::optional<std::span<const std::uint8_t>> response)
{
    SsifLimits defaults;
    if (!response || response->size() < 7 || (*response)[2] != 0) {
        return defaults;
    }
    const auto& r = *response;
    SsifLimits limits;
    limits.maxRequest = r[5];
    limits.maxResponse = r[6];
    limits.transactions = static_cast<std::uint8_t>((r[4] >> 6) & 0x3U);
    limits.pec = ((r[4] >> 3) & 0x1U) != 0;
    limits.valid = true;
    switch (limits.transactions) {
    case 0:
        limits.maxRequest = std::min<std::size_t>(limits.maxRequest, 32);
        limits.maxResponse = std::min<std::size_t>(limits.maxResponse, 32);
        break;
    case 1:
        limits.maxRequest = std::min<std::size_t>(limits.maxRequest, 63);
        limits.maxResponse = std::min<std::size_t>(limits.maxResponse, 62);
        break;
    case 2:
        break;
    default:
        return defaults; // not a value the spec defines: trust nothing
    }
    return limits;
}

} // namespace ipmi::ssif
