// The SMBus seam under SSIF: block writes and block reads addressed to one
// target, with PEC switchable. LinuxSmbus (/dev/i2c-N through libi2c) and
// SimulatedSmbus (daemon/backends/, over sim/smbus's target) implement it.
//
// Contract:
// - Calls are blocking and come from one thread at a time (the interface's
//   worker for hardware, the loop thread for the simulation: see blocking()).
// - Errors are positive errno values. A NAK is an ordinary error (ENXIO on
//   most adapters, EAGAIN from the simulation); a bad PEC is EBADMSG. The
//   SSIF protocol retries every error, as the kernel does; none of them is
//   fatal to the bus object.
// - The alert callback may run on any thread; receivers post it to the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace ipmi::ssif {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kSmbusBlockMax = 32;

class Smbus
{
  public:
    virtual ~Smbus() = default;
    // SMBus block write: [command][count][data...] (data.size() <= 32).
    // Returns 0 or an errno.
    [[nodiscard]] virtual int writeBlock(std::uint8_t command, std::span<const std::uint8_t> data) = 0;
    // SMBus block read for `command`: fills `out` with the target's count
    // bytes. Returns 0 or an errno.
    [[nodiscard]] virtual int readBlock(std::uint8_t command, Bytes& out) = 0;
    // Appends/checks the SMBus PEC from now on. Returns 0 or an errno.
    [[nodiscard]] virtual int setPec(bool enabled) = 0;
    // True when transfers may sleep (real hardware): the caller then runs
    // them on a worker thread, never on the loop.
    [[nodiscard]] virtual bool blocking() const = 0;
    // True when the target's SMBus alert reaches us (setAlertHandler works).
    [[nodiscard]] virtual bool supportsAlerts() const { return false; }
    virtual void setAlertHandler(std::function<void()> onAlert) { static_cast<void>(onAlert); }
    // The alert line's level now; must not block (only meaningful when
    // supportsAlerts()). Lets the driver notice an attention that arrived
    // while the line was already up for a response.
    [[nodiscard]] virtual bool alertAsserted() const { return false; }
    // "i2c-1 0x10", "sim 0x10": for logs and InterfaceInfo::description.
    [[nodiscard]] virtual std::string describe() const = 0;
};

} // namespace ipmi::ssif
