// What sits behind the interfaces: the embedded simulated BMC (--sim, only
// when asked for) or the KCS/BT/SMIC/SSIF hardware that the parameters name
// or the firmware describes (si/discovery). planBackends() decides without
// touching hardware; each Backend's make() then builds the core::Interface.
// The same builders serve run-time additions (the hotmod and ssif control
// verbs), and every hardware interface, whenever it is added, is first
// checked against the kernel's own drivers (si/discovery/ownership.hpp).
#pragma once

#include "core/event_loop.hpp"
#include "core/interface.hpp"
#include "daemon/config.hpp"
#include "si/discovery/discovered_interface.hpp"
#include "sim/bmc.hpp"
#include "ssif/ssif_params.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ipmi::daemon {

using MakeResult = std::variant<std::unique_ptr<core::Interface>, std::string>;

struct Backend
{
    std::string description; // "sim kcs", "kcs i/o 0xca2 spacing 1 (hardcoded)", ...
    std::function<MakeResult(core::EventLoop&)> make;
    bool simulated = false;
    // What the hardware is (type, space, address; SSIF: i2c address and
    // adapter when known), for hotmod/ssif removal and the ownership check.
    si::discovery::DiscoveredInterface target;
    std::string ssifAdapter; // SSIF: the adapter as the user named it ("" = the only one)
};

struct BackendPlan
{
    std::unique_ptr<sim::Bmc> bmc; // the simulator, when --sim
    std::vector<Backend> backends; // in interface-number order
    std::vector<std::string> log;  // discovery's "Adding ..."/"duplicate" lines
};

// Neither the parameters nor the firmware name an interface: a host
// without a BMC, where the kernel's ipmi_si loads nothing (it binds only on
// a hardware match). Not an error of the configuration: the program says so
// once and exits with kExitNoInterface, which the unit counts as success.
struct NoInterface
{
    std::string message; // what was looked at, and what to do on a host with a BMC
};

// The message for NoInterface: what was looked at, and --sim.
[[nodiscard]] std::string noInterfaceMessage(const Config& config);

[[nodiscard]] Backend siBackend(const Config& config, const si::discovery::DiscoveredInterface& d, std::size_t index);
[[nodiscard]] Backend ssifBackend(const Config& config, ssif::SsifParams p);

// The number N of /dev/i2c-N an adapter means ("i2c-N", "N", or an adapter
// name looked up under the sysroot); nullopt if unknown or empty.
[[nodiscard]] std::optional<int> i2cAdapterNumber(const Config& config, const std::string& adapter);
// An SSIF backend already planned for the same bus address (same adapter, or
// either adapter unknown), or null.
[[nodiscard]] const Backend* findSameSsifBmc(const std::vector<Backend>& planned, const Backend& candidate);

// nullopt if the kernel's ipmi_si/ipmi_ssif does not drive the backend's
// hardware, else the refusal naming the driver and what to do.
[[nodiscard]] std::optional<std::string> kernelOwnershipRefusal(const Config& config, const Backend& backend);

// The plan, or that there is nothing to serve, or why there is none (a bad
// simulator file, bad parameters, every interface held by the kernel).
[[nodiscard]] std::variant<BackendPlan, NoInterface, std::string> planBackends(const Config& config);

} // namespace ipmi::daemon
