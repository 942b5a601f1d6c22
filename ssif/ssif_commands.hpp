// The IPMI commands and bits the SSIF interface sends and reads, shared by
// its probe (ssif_probe.cpp) and its message/flags machine
// (ssif_interface.cpp). Internal to ssif/.
#pragma once

#include "abi/ipmi_msgdefs.hpp"
#include "core/interface.hpp"
#include "ssif/smbus.hpp"

#include <chrono>
#include <cstdint>

namespace ipmi::ssif::detail {

// The command numbers are the kernel's (abi/ipmi_msgdefs.hpp); the first
// byte of an SSIF message is netfn << 2 with LUN 0.
constexpr std::uint8_t kAppRequest = abi::IPMI_NETFN_APP_REQUEST << 2;
constexpr std::uint8_t kAppResponse = abi::IPMI_NETFN_APP_RESPONSE << 2;
constexpr std::uint8_t kGetDeviceId = abi::IPMI_GET_DEVICE_ID_CMD;
constexpr std::uint8_t kSetGlobalEnables = abi::IPMI_SET_BMC_GLOBAL_ENABLES_CMD;
constexpr std::uint8_t kGetGlobalEnables = abi::IPMI_GET_BMC_GLOBAL_ENABLES_CMD;
constexpr std::uint8_t kClearMessageFlags = abi::IPMI_CLEAR_MSG_FLAGS_CMD;
constexpr std::uint8_t kGetMessageFlags = abi::IPMI_GET_MSG_FLAGS_CMD;
constexpr std::uint8_t kGetMessage = abi::IPMI_GET_MSG_CMD;
constexpr std::uint8_t kReadEventBuffer = abi::IPMI_READ_EVENT_MSG_BUFFER_CMD;
constexpr std::uint8_t kGetSystemInterfaceCapabilities = 0x57; // not in the kernel's table

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
