// makeSimulatedInterface: the embedded BMC behind its own register model,
// driven entirely from the loop. One object owns the chain in destruction
// order (policy and transport before the model, the model before the port)
// and keeps the BMC's clock running: after any register activity it re-arms
// one timer at Bmc::nextDeadline().
#include "si/register_io_sim.hpp"
#include "si/si_interface.hpp"
#include "si/si_transport.hpp"
#include "si/smi_policy.hpp"
#include "si/state_machines.hpp"
#include "sim/bmc.hpp"
#include "sim/models/bt_model.hpp"
#include "sim/models/kcs_model.hpp"
#include "sim/models/smic_model.hpp"

#include <algorithm>

namespace ipmi::si {

namespace {

class SimulatedInterface : public core::Interface
{
  public:
    SimulatedInterface(core::EventLoop& loop, sim::Bmc& bmc, SiType type)
        : loop_(loop), bmc_(bmc), port_(bmc), bmcTimer_(loop.makeTimer()), alive_(std::make_shared<char>())
    {
        switch (type) {
        case SiType::Bt:
            model_ = std::make_unique<sim::BtBmcModel>(port_, bmc.config().bt.inputBufferSize,
                                                       bmc.config().bt.outputBufferSize);
            break;
        case SiType::Smic:
            model_ = std::make_unique<sim::SmicBmcModel>(port_);
            break;
        case SiType::Kcs:
            model_ = std::make_unique<sim::KcsBmcModel>(port_);
            break;
        }
        core::InterfaceInfo info;
        info.type = toString(type);
        info.description = std::string("sim ") + info.type;
        info.addrSource = core::AddrSource::Hardcoded;
        info.simulated = true;

        auto io = std::make_unique<SimRegisterIo>(*model_, info.description, [this] { bmcTouched(); });
        auto sm = makeStateMachine(type, *io);
        auto transport = std::make_unique<LoopSiTransport>(loop, std::move(io), std::move(sm), std::move(info),
                                                           LoopSiTransport::Timing{}, true);
        transport_ = transport.get();
        policy_ = std::make_unique<SmiPolicy>(loop, std::move(transport));

        std::weak_ptr<char> alive = alive_;
        bmc_.setAttentionListener([this, alive] {
            // Called from inside the BMC: look at the registers later.
            loop_.post([this, alive] {
                if (alive.lock()) {
                    transport_->nudge();
                }
            });
        });
        rearm();
    }

    ~SimulatedInterface() override
    {
        bmc_.setAttentionListener({});
        policy_->shutdown();
    }
    SimulatedInterface(const SimulatedInterface&) = delete;
    SimulatedInterface& operator=(const SimulatedInterface&) = delete;

    [[nodiscard]] const core::InterfaceInfo& info() const override { return policy_->info(); }
    void start(core::InterfaceHost& host) override { policy_->start(host); }
    void send(core::SmiBytes request) override { policy_->send(std::move(request)); }
    void requestEvents() override { policy_->requestEvents(); }
    void setNeedWatch(unsigned mask) override { policy_->setNeedWatch(mask); }
    void setMaintenanceMode(bool on) override { policy_->setMaintenanceMode(on); }
    void shutdown() override
    {
        bmcTimer_->cancel();
        policy_->shutdown();
    }

  private:
    void bmcTouched()
    {
        if (rearmPosted_) {
            return;
        }
        rearmPosted_ = true;
        std::weak_ptr<char> alive = alive_;
        loop_.post([this, alive] {
            if (alive.lock()) {
                rearmPosted_ = false;
                rearm();
            }
        });
    }

    void rearm()
    {
        const auto deadline = bmc_.nextDeadline();
        if (!deadline) {
            bmcTimer_->cancel();
            return;
        }
        const auto delay = std::max(core::Clock::duration::zero(), *deadline - loop_.now());
        bmcTimer_->start(delay, [this] {
            bmc_.advance(loop_.now());
            transport_->nudge(); // a delayed response may be waiting in the registers
            rearm();
        });
    }

    core::EventLoop& loop_;
    sim::Bmc& bmc_;
    sim::SimBmcPort port_;
    std::unique_ptr<sim::RegisterModel> model_;
    LoopSiTransport* transport_ = nullptr;
    std::unique_ptr<SmiPolicy> policy_;
    std::unique_ptr<core::Timer> bmcTimer_;
    std::shared_ptr<char> alive_;
    bool rearmPosted_ = false;
};

} // namespace

std::unique_ptr<core::Interface> makeSimulatedInterface(core::EventLoop& loop, sim::Bmc& bmc, SiType type)
{
    return std::make_unique<SimulatedInterface>(loop, bmc, type);
}

} // namespace ipmi::si
