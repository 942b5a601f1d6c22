// makeSimulatedSsif: the SSIF driver itself over a SimulatedSmbus that owns
// the BMC side of the wire (the SMBus target at 0x10 answering with the
// embedded BMC, and the BMC's clock), so the driver owns the whole chain and
// is the interface.
#include "daemon/backends/bmc_clock.hpp"
#include "daemon/backends/simulated_smbus.hpp"
#include "daemon/backends/ssif_factory.hpp"
#include "sim/bmc.hpp"
#include "sim/smbus/ssif_target.hpp"
#include "ssif/ssif_interface.hpp"

namespace ipmi::daemon {

namespace {

constexpr std::uint8_t kSimAddress = 0x10;

// The Bmc as the target's Responder; a request may set a new deadline.
class ClockedResponder : public sim::smbus::BmcResponder
{
  public:
    ClockedResponder(sim::Bmc& bmc, BmcClock& clock) : BmcResponder(bmc), clock_(clock) {}
    void handleRequest(std::span<const std::uint8_t> request, std::function<void(sim::Bytes)> respond) override
    {
        clock_.catchUp();
        BmcResponder::handleRequest(request, std::move(respond));
        clock_.rearm();
    }

  private:
    BmcClock& clock_;
};

// The BMC side of the bus. A base of BmcSmbus ahead of SimulatedSmbus, so
// it is built before and destroyed after the bus that reaches it.
struct BmcSsifSide
{
    BmcSsifSide(core::EventLoop& loop, sim::Bmc& bmc)
        : clock(loop, bmc), responder(bmc, clock),
          target(responder, sim::smbus::TargetConfig{.address = kSimAddress,
                                                     .capabilities = bmc.config().ssif,
                                                     .acceptsEndCommand = true,
                                                     .acceptsEmptyMiddle = true})
    {
    }

    BmcClock clock;
    ClockedResponder responder;
    sim::smbus::SsifTarget target;
};

class BmcSmbus : private BmcSsifSide, public SimulatedSmbus
{
  public:
    BmcSmbus(core::EventLoop& loop, sim::Bmc& bmc) : BmcSsifSide(loop, bmc), SimulatedSmbus(target) { clock.rearm(); }
};

} // namespace

std::unique_ptr<core::Interface> makeSimulatedSsif(core::EventLoop& loop, sim::Bmc& bmc)
{
    ssif::SsifInterfaceConfig config;
    config.info.type = "ssif";
    config.info.description = "sim ssif 0x10";
    config.info.addrSource = core::AddrSource::Hardcoded;
    config.info.slaveAddr = bmc.config().bmcAddress;
    config.info.simulated = true;
    return std::make_unique<ssif::SsifInterface>(loop, std::make_unique<BmcSmbus>(loop, bmc), std::move(config));
}

} // namespace ipmi::daemon
