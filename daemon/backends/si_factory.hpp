// The factories the daemon uses to get a KCS/BT/SMIC core::Interface:
// SmiPolicy (flags, events, start-up) over an SI transport over a state
// machine over registers.
// - makeSimulatedInterface: the --sim backend. The embedded BMC sits behind
//   its register model (sim/models/); the transport steps on the loop, the
//   BMC's clock is driven from loop timers at Bmc::nextDeadline(), and the
//   BMC's attention nudges the transport.
// - makeHardwareInterface: real registers through port or memory I/O, with a
//   polling worker thread. Fails with a message (no privilege, nothing at
//   the address, a bad layout) instead of returning an interface.
#pragma once

#include "core/event_loop.hpp"
#include "core/interface.hpp"
#include "si/si_params.hpp"

#include <memory>
#include <string>

namespace ipmi::sim {
class Bmc;
}

namespace ipmi::si {

[[nodiscard]] std::unique_ptr<core::Interface> makeSimulatedInterface(core::EventLoop& loop, sim::Bmc& bmc,
                                                                      SiType type);

struct HardwareInterfaceResult
{
    std::unique_ptr<core::Interface> interface; // null on failure
    std::string error;                          // why, on failure
};

[[nodiscard]] HardwareInterfaceResult makeHardwareInterface(core::EventLoop& loop, const SiParams& params);

} // namespace ipmi::si
