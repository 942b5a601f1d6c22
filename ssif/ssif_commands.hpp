// What the SSIF interface's probe (ssif_probe.cpp) and its message/flags
// handling (ssif_interface.cpp) share: the App netfn bytes, the answer test
// and the polling periods. Internal to ssif/.
#pragma once

#include "abi/ipmi_msgdefs.hpp"
#include "core/interface.hpp"
#include "ssif/smbus.hpp"

#include <chrono>
#include <cstdint>

namespace ipmi::ssif::detail {

// The command numbers are the kernel's (abi/ipmi_msgdefs.hpp); the first
// byte of an SSIF message is netfn << 2 with LUN 0. The flags/events
// machine's own requests and bits are core/flags_machine's.
constexpr std::uint8_t kAppRequest = abi::IPMI_NETFN_APP_REQUEST << 2;
constexpr std::uint8_t kAppResponse = abi::IPMI_NETFN_APP_RESPONSE << 2;

constexpr auto kWatchMessages = std::chrono::milliseconds(10);
constexpr auto kWatchWatchdog = std::chrono::milliseconds(250);

inline bool isAppResponse(const Bytes& r, std::uint8_t cmd, std::size_t minLength)
{
    return r.size() >= minLength && r[0] == kAppResponse && r[1] == cmd && r[2] == 0;
}

inline core::SmiBytes hosed(const core::SmiBytes& request)
{
    return {static_cast<std::uint8_t>(request[0] | 0x04U), request[1], 0xFF};
}

} // namespace ipmi::ssif::detail
