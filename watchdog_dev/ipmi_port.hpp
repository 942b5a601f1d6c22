// The watchdog's window onto the message handler: what ipmi_watchdog gets
// from its IPMI user (ipmi_request_supply_msgs to the system interface, the
// BMC's IPMI version, pre-timeout delivery). Keeping it this small lets the
// timer logic be tested against a scripted fake and the simulated BMC, and
// bound to core's user API (core_port.hpp) without the logic knowing core.
//
// Contract:
// - All calls in both directions happen on the loop thread.
// - send() either queues the request and returns 0, after which onResponse
//   runs exactly once (possibly before send() returns), or fails with a
//   negative errno and never calls onResponse.
// - A request that the BMC never answers still gets a response carrying a
//   completion code (0xC3, 0xFF, ...): the message handler guarantees it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace ipmi::watchdog {

// Response bytes starting at the completion code: [cc][data...]. Empty only
// if the message handler delivered nothing, which the timer treats as 0xFF.
using ResponseHandler = std::function<void(std::span<const std::uint8_t> response)>;

struct IpmiVersion
{
    std::uint8_t major = 1;
    std::uint8_t minor = 0;
};

class WatchdogIpmiPort
{
  public:
    virtual ~WatchdogIpmiPort() = default;

    // Sends [netfn][cmd][data] to the BMC's system interface (channel 15,
    // LUN 0). highPriority puts it ahead of queued user requests, as the
    // kernel's ipmi_request_supply_msgs(..., priority 1) does.
    [[nodiscard]] virtual int send(std::uint8_t netfn, std::uint8_t cmd, std::span<const std::uint8_t> data,
                                   bool highPriority, ResponseHandler onResponse) = 0;

    // The BMC's IPMI version from Get Device ID, or nullopt if unknown
    // (the kernel then assumes 1.0).
    [[nodiscard]] virtual std::optional<IpmiVersion> ipmiVersion() const = 0;
};

} // namespace ipmi::watchdog
