// How the daemon gets an SSIF interface: over /dev/i2c-N from SsifParams,
// or over the embedded BMC through sim/smbus's SSIF target.
#pragma once

#include "core/event_loop.hpp"
#include "core/interface.hpp"
#include "ssif/ssif_params.hpp"

#include <memory>
#include <string>
#include <variant>

namespace ipmi::sim {
class Bmc;
} // namespace ipmi::sim

namespace ipmi::daemon {

using SsifInterfaceResult = std::variant<std::unique_ptr<core::Interface>, std::string>;

// Resolves the adapter, refuses an address a kernel driver holds, opens and
// binds /dev/i2c-N. The BMC itself is probed after start() (capabilities,
// multi-part, enables), as the kernel probes it before registering.
[[nodiscard]] SsifInterfaceResult makeHardwareSsif(core::EventLoop& loop, const ssif::SsifParams& params);

// SSIF to the embedded BMC: SsifTarget at 0x10 with the BMC's
// SsifCapabilities; drives bmc.advance() at bmc.nextDeadline() with a loop
// timer (BmcClock). The Bmc must outlive the interface.
[[nodiscard]] std::unique_ptr<core::Interface> makeSimulatedSsif(core::EventLoop& loop, sim::Bmc& bmc);

} // namespace ipmi::daemon
