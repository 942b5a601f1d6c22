// The factories the daemon uses to get a KCS/BT/SMIC core::Interface: the
// SI driver (SmiPolicy over an SI transport over a state machine over
// registers) with its registers in one place or another.
// - makeSimulatedSi: the --sim backend. The registers are the embedded
//   BMC's register model (sim/models/); the transport steps on the loop, the
//   BMC's clock is driven from loop timers at Bmc::nextDeadline(), and the
//   BMC's attention nudges the transport.
// - makeHardwareSi: real registers through port or memory I/O, with a
//   polling worker thread. Fails with a message (no privilege, nothing at
//   the address, a bad layout) instead of returning an interface.
#pragma once

#include "core/event_loop.hpp"
#include "core/interface.hpp"
#include "si/discovery/discovered_interface.hpp"
#include "si/poll_pacer.hpp"
#include "si/si_type.hpp"
#include "si/state_machine_trace.hpp"

#include <memory>
#include <string>
#include <variant>

namespace ipmi::sim {
class Bmc;
}

namespace ipmi::daemon {

// The Bmc must outlive the interface. `trace`: the state machine's
// kcs_debug/bt_debug/smic_debug bits and where they log.
[[nodiscard]] std::unique_ptr<core::Interface> makeSimulatedSi(core::EventLoop& loop, sim::Bmc& bmc, si::SiType type,
                                                               si::SmTrace trace = {});

// The interface, or why there is none.
using HardwareSiResult = std::variant<std::unique_ptr<core::Interface>, std::string>;

// `where` is a KCS, BT or SMIC interface as discovery or the parameters
// describe it; `polling` is its force_kipmid and kipmid_max_busy_us.
[[nodiscard]] HardwareSiResult makeHardwareSi(core::EventLoop& loop, const si::discovery::DiscoveredInterface& where,
                                              si::PollPacing polling, si::SmTrace trace = {});

} // namespace ipmi::daemon
