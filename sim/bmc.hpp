// The embedded BMC: a message-level IPMI controller (App, Chassis, Sensor/
// Event, Storage, watchdog, message queue, event buffer, IPMB satellites) that
// the register models in sim/models/ put behind KCS, BT, SMIC and SSIF. It is
// the other side of the wire: it never uses core/ or si/.
//
// Time: the BMC does nothing on its own; its host (a register model's owner,
// a test, the daemon's sim backend) calls advance() with the current steady
// time, ideally at nextDeadline().
#pragma once

#include "sim/config.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace ipmi::sim {

using Bytes = std::vector<std::uint8_t>;
using SteadyTime = std::chrono::steady_clock::time_point;

class FaultInjector;

class Bmc
{
  public:
    // `start` is the steady time the BMC is created at (its clock origin).
    Bmc(BmcConfig config, SteadyTime start);
    ~Bmc();
    Bmc(const Bmc&) = delete;
    Bmc& operator=(const Bmc&) = delete;

    // One request from the system interface: [netfn<<2 | lun][cmd][data...].
    // The response [(netfn|1)<<2 | lun][cmd][cc][data...] goes to `respond`:
    // synchronously for an ordinary command, later from advance() when a
    // fault delays it, never when a fault drops it.
    void handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond);

    // Runs everything due by `now`: watchdog countdown, sensor changes,
    // delayed responses, satellite replies.
    void advance(SteadyTime now);
    [[nodiscard]] std::optional<SteadyTime> nextDeadline() const;

    // SMS attention (KCS/BT SMS_ATN, SMIC SMS_DATA_AVAIL, SSIF alert): the
    // receive message queue is non-empty, the event message buffer is full
    // (when enabled), or the watchdog pre-timeout flag is set.
    [[nodiscard]] bool attention() const;
    // Called when attention() changed, from inside handleRequest() or
    // advance(); the listener may read attention() but must not call
    // handleRequest() or advance() itself.
    void setAttentionListener(std::function<void()> onChange);

    // Byte-level fault for the interface models: the byte to put on the wire
    // in place of `value` (itself unless corruption is injected).
    [[nodiscard]] std::uint8_t interfaceByte(std::uint8_t value);

    [[nodiscard]] FaultInjector& faults();
    [[nodiscard]] const BmcConfig& config() const;

    // SEL time (seconds since 1970); the BMC never reads the system clock.
    [[nodiscard]] std::uint32_t wallClock() const;
    void setWallClock(std::uint32_t secondsSince1970);
    // What the simulated host went through (for tests and the daemon).
    [[nodiscard]] bool chassisPowerOn() const;
    [[nodiscard]] unsigned chassisResets() const;
    // Forces a sensor's raw reading now (threshold events follow as if the
    // value had moved there); unknown sensor numbers are ignored.
    void setSensorRaw(std::uint8_t sensorNumber, std::uint8_t raw);

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace ipmi::sim
