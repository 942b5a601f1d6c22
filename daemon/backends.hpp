// What sits behind the interfaces: the embedded simulated BMC (--sim, only
// when asked for) or the KCS/BT/SMIC/SSIF hardware that the parameters name
// or the firmware describes (si/discovery). planBackends() decides without
// touching hardware; each Backend's make() then builds the core::Interface.
#pragma once

#include "core/event_loop.hpp"
#include "core/interface.hpp"
#include "daemon/config.hpp"
#include "sim/bmc.hpp"

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace ipmi::daemon {

using MakeResult = std::variant<std::unique_ptr<core::Interface>, std::string>;

struct Backend
{
    std::string description; // "sim kcs", "kcs i/o 0xca2 spacing 1 (hardcoded)", ...
    std::function<MakeResult(core::EventLoop&)> make;
};

struct BackendPlan
{
    std::unique_ptr<sim::Bmc> bmc; // the simulator, when --sim
    std::vector<Backend> backends; // in interface-number order
    std::vector<std::string> log;  // discovery's "Adding ..."/"duplicate" lines
};

// The message the kernel prints when it finds nothing, adapted: what was
// looked at, and --sim.
[[nodiscard]] std::string noInterfaceMessage(const Config& config);

// The plan, or why there is none (a bad simulator file, bad parameters, no
// interface at all).
[[nodiscard]] std::variant<BackendPlan, std::string> planBackends(const Config& config);

} // namespace ipmi::daemon
