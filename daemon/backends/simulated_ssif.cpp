// makeSimulatedSsifInterface: the SSIF driver against the embedded BMC
// through sim/smbus's target, with the BMC's clock driven by a loop timer.
#include "sim/bmc.hpp"
#include "sim/smbus/ssif_target.hpp"
#include "daemon/backends/ssif_factory.hpp"
#include "daemon/backends/simulated_smbus.hpp"
#include "ssif/ssif_interface.hpp"

namespace ipmi::ssif {

namespace {

constexpr std::uint8_t kSimAddress = 0x10;

// Owns the BMC side and keeps the BMC's time moving; forwards the Interface
// calls to the real driver.
class SimulatedSsif : public core::Interface
{
  public:
    SimulatedSsif(core::EventLoop& loop, sim::Bmc& bmc)
        : loop_(loop)
        , bmc_(bmc)
        , responder_(*this)
        , target_(responder_, sim::smbus::TargetConfig{.address = kSimAddress,
                                                        .capabilities = bmc.config().ssif,
                                                        .acceptsEndCommand = true,
                                                        .acceptsEmptyMiddle = true})
        , clock_(loop.makeTimer())
    {
        SsifInterfaceConfig config;
        config.info.type = "ssif";
        config.info.description = "sim ssif 0x10";
        config.info.addrSource = core::AddrSource::Hardcoded;
        config.info.slaveAddr = bmc.config().bmcAddress;
        config.info.simulated = true;
        driver_ = std::make_unique<SsifInterface>(loop, std::make_unique<SimulatedSmbus>(target_), std::move(config));
        reschedule();
    }
    ~SimulatedSsif() override
    {
        driver_.reset(); // before the target its bus points at
        clock_->cancel();
    }
    SimulatedSsif(const SimulatedSsif&) = delete;
    SimulatedSsif& operator=(const SimulatedSsif&) = delete;

    [[nodiscard]] const core::InterfaceInfo& info() const override { return driver_->info(); }
    void start(core::InterfaceHost& host) override { driver_->start(host); }
    void send(core::SmiBytes request) override { driver_->send(std::move(request)); }
    void requestEvents() override { driver_->requestEvents(); }
    void setNeedWatch(unsigned mask) override { driver_->setNeedWatch(mask); }
    void setMaintenanceMode(bool on) override { driver_->setMaintenanceMode(on); }
    void shutdown() override
    {
        driver_->shutdown();
        clock_->cancel();
    }

  private:
    // The Bmc as the target's Responder; a request may set a new deadline.
    class Responder : public sim::smbus::BmcResponder
    {
      public:
        explicit Responder(SimulatedSsif& owner)
            : BmcResponder(owner.bmc_)
            , owner_(owner)
        {
        }
        void handleRequest(std::span<const std::uint8_t> request, std::function<void(sim::Bytes)> respond) override
        {
            BmcResponder::handleRequest(request, std::move(respond));
            owner_.reschedule();
        }

      private:
        SimulatedSsif& owner_;
    };

    void reschedule()
    {
        const auto deadline = bmc_.nextDeadline();
        if (!deadline)
        {
            clock_->cancel();
            return;
        }
        const auto delay = std::max(core::Clock::duration::zero(), *deadline - loop_.now());
        clock_->start(delay, [this] {
            bmc_.advance(loop_.now());
            reschedule();
        });
    }

    core::EventLoop& loop_;
    sim::Bmc& bmc_;
    Responder responder_;
    sim::smbus::SsifTarget target_;
    std::unique_ptr<core::Timer> clock_;
    std::unique_ptr<SsifInterface> driver_;
};

} // namespace

std::unique_ptr<core::Interface> makeSimulatedSsifInterface(core::EventLoop& loop, sim::Bmc& bmc)
{
    return std::make_unique<SimulatedSsif>(loop, bmc);
}

} // namespace ipmi::ssif
