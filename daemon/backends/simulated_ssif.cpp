// makeSimulatedSsif: the SSIF driver itself over a SimulatedSmbus that owns
// the BMC side of the wire (the SMBus target at 0x10 answering with the
// embedded BMC, and the BMC's clock), so the driver owns the whole chain and
// is the interface.
#include "daemon/backends/bmc_clock.hpp"
#include "daemon/backends/simulated_smbus.hpp"
#include "daemon/backends/ssif_factory.hpp"
#include "sim/bmc.hpp"
#include "sim/fault_injector.hpp"
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
    BmcSsifSide(core::EventLoop& eventLoop, sim::Bmc& simBmc)
        : loop(eventLoop), bmc(simBmc), clock(eventLoop, simBmc), responder(simBmc, clock),
          target(responder, sim::smbus::TargetConfig{.address = kSimAddress,
                                                     .capabilities = bmc.config().ssif,
                                                     .acceptsEndCommand = true,
                                                     .acceptsEmptyMiddle = true})
    {
    }

    // The bus-level faults (a BMC held busy, a reset in the middle of a
    // transfer), applied before each transaction: the host meets them
    // exactly when it next talks to the BMC.
    void applyBusFaults()
    {
        auto& faults = bmc.faults();
        target.setBusy(faults.busyAt(loop.now()));
        if (faults.transferResetPending() && target.resetMidTransfer()) {
            faults.transferResetDone();
        }
    }

    core::EventLoop& loop;
    sim::Bmc& bmc;
    BmcClock clock;
    ClockedResponder responder;
    sim::smbus::SsifTarget target;
};

class BmcSmbus : private BmcSsifSide, public SimulatedSmbus
{
  public:
    BmcSmbus(core::EventLoop& eventLoop, sim::Bmc& simBmc) : BmcSsifSide(eventLoop, simBmc), SimulatedSmbus(target)
    {
        clock.rearm();
    }

    [[nodiscard]] int writeBlock(std::uint8_t command, std::span<const std::uint8_t> data) override
    {
        applyBusFaults();
        return SimulatedSmbus::writeBlock(command, data);
    }
    [[nodiscard]] int readBlock(std::uint8_t command, ssif::Bytes& out) override
    {
        applyBusFaults();
        return SimulatedSmbus::readBlock(command, out);
    }
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
