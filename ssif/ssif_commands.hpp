// The IPMI commands and bits the SSIF interface sends and reads, shared by
// its probe (ssif_probe.cpp) and its message/flags machine
// (ssif_interface.cpp). Internal to ssif/.
#pragma once

#include "core/interface.hpp"
#include "ssif/smbus.hpp"

#include <chrono>
#include <cstdint>

namespace ipmi::ssif::detail {

constexpr std::uint8_t kAppRequest = 0x06 << 2;
constexpr std::uint8_t kAppResponse = (0x06 | 1) << 2;
constexpr std::uint8_t kGetDeviceId = 0x01;
constexpr std::uint8_t kSetGlobalEnables = 0x2E;
constexpr std::uint8_t kGetGlobalEnables = 0x2F;
constexpr std::uint8_t kClearMessageFlags = 0x30;
constexpr std::uint8_t kGetMessageFlags = 0x31;
constexpr std::uint8_t kGetMessage = 0x33;
constexpr std::uint8_t kReadEventBuffer = 0x35;
constexpr std::uint8_t kGetSystemInterfaceCapabilities = 0x57;

constexpr std::uint8_t kFlagReceiveMessage = 0x01;
constexpr std::uint8_t kFlagEventBufferFull = 0x02;
constexpr std::uint8_t kFlagWatchdogPretimeout = 0x08;
constexpr std::uint8_t kEnableReceiveInterrupt = 0x01;
constexpr std::uint8_t kEnableEventBuffer = 0x04;

// Get Message / Read Event Message Buffer in a row before looking at other
// work, so a BMC that never says "empty" cannot starve the host's messages.
constexpr unsigned kMaxFetchesInRow = 10;

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
