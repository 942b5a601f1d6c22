// makeSimulatedSi: the SI driver itself (SmiPolicy over a LoopSiTransport
// over the state machine) whose registers are the embedded BMC's register
// model. The registers own the BMC side of the wire, so the policy owns the
// whole chain and is the interface: the transport before the registers, the
// model before its port.
#include "daemon/backends/bmc_clock.hpp"
#include "daemon/backends/register_io_sim.hpp"
#include "daemon/backends/si_factory.hpp"
#include "si/si_transport.hpp"
#include "si/smi_policy.hpp"
#include "si/state_machines.hpp"
#include "sim/fault_injector.hpp"
#include "sim/models/bt_model.hpp"
#include "sim/models/kcs_model.hpp"
#include "sim/models/smic_model.hpp"

namespace ipmi::daemon {

namespace {

// The embedded BMC as the register model's port, its clock brought up to
// date before each request (BmcClock::catchUp).
class ClockedBmcPort : public sim::SimBmcPort
{
  public:
    ClockedBmcPort(sim::Bmc& bmc, BmcClock& clock) : SimBmcPort(bmc), clock_(clock) {}
    void handleRequest(std::span<const std::uint8_t> request, std::function<void(sim::Bytes)> respond) override
    {
        clock_.catchUp();
        SimBmcPort::handleRequest(request, std::move(respond));
    }

  private:
    BmcClock& clock_;
};

// The BMC side of the registers. A base of SimulatedRegisters ahead of
// SimRegisterIo, so it is built before and destroyed after the accesses
// that reach it.
struct BmcRegisterSide
{
    BmcRegisterSide(core::EventLoop& eventLoop, sim::Bmc& simBmc, si::SiType type, std::function<void()> poke)
        : loop(eventLoop), bmc(simBmc), clock(eventLoop, simBmc, std::move(poke)), port(simBmc, clock)
    {
        switch (type) {
        case si::SiType::Bt:
            model = std::make_unique<sim::BtBmcModel>(port, simBmc.config().bt.inputBufferSize,
                                                      simBmc.config().bt.outputBufferSize);
            break;
        case si::SiType::Smic:
            model = std::make_unique<sim::SmicBmcModel>(port);
            break;
        case si::SiType::Kcs:
        case si::SiType::Ssif: // makeSimulatedSsif's; never asked for here
            model = std::make_unique<sim::KcsBmcModel>(port);
            break;
        }
    }

    // The register-level faults (a status register held busy, a reset in
    // the middle of a transfer), applied before each access: the host sees
    // them exactly when it looks.
    void applyRegisterFaults()
    {
        auto& faults = bmc.faults();
        const bool busy = faults.busyAt(loop.now());
        if (busy != stalled) {
            stalled = busy;
            model->setStalled(busy);
        }
        if (faults.transferResetPending() && model->resetMidTransfer()) {
            faults.transferResetDone();
        }
    }

    core::EventLoop& loop;
    sim::Bmc& bmc;
    BmcClock clock;
    ClockedBmcPort port;
    std::unique_ptr<sim::RegisterModel> model;
    bool stalled = false;
};

// Every access may hand the BMC work with a deadline; the BMC's attention
// and its clock make the transport look at the registers.
class SimulatedRegisters : private BmcRegisterSide, public SimRegisterIo
{
  public:
    SimulatedRegisters(core::EventLoop& eventLoop, sim::Bmc& simBmc, si::SiType type, std::string description)
        : BmcRegisterSide(eventLoop, simBmc, type, [this] { poke(); }),
          SimRegisterIo(*model, std::move(description), [this] { clock.rearmSoon(); })
    {
    }

    void attach(si::LoopSiTransport& transport)
    {
        transport_ = &transport;
        clock.rearm();
    }

    [[nodiscard]] std::uint8_t read(unsigned index) override
    {
        applyRegisterFaults();
        return SimRegisterIo::read(index);
    }
    void write(unsigned index, std::uint8_t value) override
    {
        applyRegisterFaults();
        SimRegisterIo::write(index, value);
    }

  private:
    void poke()
    {
        if (transport_ != nullptr) {
            transport_->nudge();
        }
    }

    si::LoopSiTransport* transport_ = nullptr;
};

} // namespace

std::unique_ptr<core::Interface> makeSimulatedSi(core::EventLoop& loop, sim::Bmc& bmc, si::SiType type,
                                                 si::SmTrace trace)
{
    core::InterfaceInfo info;
    info.type = si::toString(type);
    info.description = std::string("sim ") + info.type;
    info.addrSource = core::AddrSource::Hardcoded;
    info.simulated = true;

    auto io = std::make_unique<SimulatedRegisters>(loop, bmc, type, info.description);
    auto& registers = *io;
    auto sm = si::makeStateMachine(type, *io, std::move(trace));
    // The BMC's pokes are its interrupt, unless the fault injector unwired it.
    auto transport = std::make_unique<si::LoopSiTransport>(loop, std::move(io), std::move(sm), std::move(info), true,
                                                           [&bmc] { return !bmc.faults().noIrq(); });
    registers.attach(*transport);
    return std::make_unique<si::SmiPolicy>(loop, std::move(transport));
}

} // namespace ipmi::daemon
