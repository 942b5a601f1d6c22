// Bmc: the public face of the simulated BMC. It runs each request through
// the fault injector and the dispatcher, holds back delayed responses, and
// moves simulated time: advance() processes every due item (watchdog ticks,
// sensor steps, satellite replies, chassis power transitions, delayed
// responses) in time order, so a long jump gives the same result as many
// short ones.
#include "sim/bmc.hpp"

#include "sim/bmc_state.hpp"
#include "sim/command.hpp"
#include "sim/fault_injector.hpp"

#include <algorithm>

namespace ipmi::sim {

class Bmc::Impl
{
  public:
    Impl(BmcConfig config, SteadyTime start) : state_(std::move(config), start) { initialise(); }

    void handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond)
    {
        std::uint8_t netfnByte = request.empty() ? 0 : request[0];
        std::uint8_t cmd = request.size() < 2 ? 0 : request[1];
        FaultInjector::Decision decision = state_.faults.decide(static_cast<std::uint8_t>(netfnByte >> 2), cmd);
        if (decision.unanswered) {
            return;
        }
        Bytes response;
        if (decision.completionCode) {
            response = {static_cast<std::uint8_t>(netfnByte | 0x04), cmd, *decision.completionCode};
        } else {
            response = dispatch(state_, request);
        }
        if (!decision.dropResponse) {
            FaultInjector::applyLength(decision, response);
            const auto holdBack = state_.faults.holdBack(decision, request.size(), response.size());
            if (holdBack.count() > 0) {
                delayed_.push_back(Delayed{state_.now + holdBack, std::move(response), std::move(respond)});
            } else if (respond) {
                respond(std::move(response));
            }
        }
        applyPendingReset();
    }

    void advance(SteadyTime now)
    {
        while (auto due = nextDeadline()) {
            if (*due > now) {
                break;
            }
            step(std::max(*due, state_.now));
        }
        if (now > state_.now) {
            step(now);
        }
    }

    [[nodiscard]] std::optional<SteadyTime> nextDeadline() const
    {
        std::optional<SteadyTime> best;
        auto consider = [&best](std::optional<SteadyTime> t) {
            if (t && (!best || *t < *best)) {
                best = t;
            }
        };
        consider(watchdogDeadline(state_));
        consider(sensorsDeadline(state_));
        consider(chassisDeadline(state_));
        consider(satellitesDeadline(state_));
        for (const Delayed& d : delayed_) {
            consider(d.due);
        }
        return best;
    }

    BmcState& state() { return state_; }
    const BmcState& state() const { return state_; }

  private:
    struct Delayed
    {
        SteadyTime due;
        Bytes response;
        std::function<void(Bytes)> respond;
    };

    void initialise()
    {
        state_.fru = buildFruImage(state_.config.fru);
        buildSdrRepository(state_);
        initSensors(state_);
        for (const SelSeed& seed : state_.config.selSeeds) {
            SelRecordBytes record{};
            record[2] = seed.recordType;
            std::copy(seed.data.begin(), seed.data.end(), record.begin() + 3);
            (void)selAdd(state_, record);
        }
    }

    void step(SteadyTime at)
    {
        state_.now = at;
        state_.faults.setNow(at);
        advanceWatchdog(state_);
        advanceSensors(state_);
        advanceChassis(state_);
        advanceSatellites(state_);
        // Delayed responses leave in the order their delays end.
        std::stable_sort(delayed_.begin(), delayed_.end(),
                         [](const Delayed& a, const Delayed& b) { return a.due < b.due; });
        while (!delayed_.empty() && delayed_.front().due <= at) {
            Delayed d = std::move(delayed_.front());
            delayed_.erase(delayed_.begin());
            if (d.respond) {
                d.respond(std::move(d.response));
            }
        }
        applyPendingReset();
    }

    // Cold/Warm Reset take effect after their response is on its way, as on
    // a real controller. Non-volatile stores (SEL, SDR, FRU) survive.
    void applyPendingReset()
    {
        PendingReset kind = state_.pendingReset;
        state_.pendingReset = PendingReset::None;
        if (kind == PendingReset::None) {
            return;
        }
        resetWatchdog(state_.watchdog);
        state_.messaging.receiveQueue.clear();
        state_.messaging.eventBuffer.clear();
        state_.messaging.watchdogPretimeout = false;
        state_.satelliteReplies.clear();
        state_.sel.reservation = 0;
        state_.sdr.reservation = 0;
        if (kind == PendingReset::Cold) {
            state_.messaging.globalEnables = MessagingState{}.globalEnables;
            state_.messaging.eventReceiver = state_.config.bmcAddress;
            state_.messaging.eventReceiverLun = 0;
            state_.chassis.setInProgress = 0;
            initSensors(state_);
        }
        state_.updateAttention();
    }

    BmcState state_;
    std::vector<Delayed> delayed_;
};

Bmc::Bmc(BmcConfig config, SteadyTime start) : impl_(std::make_unique<Impl>(std::move(config), start))
{
}

Bmc::~Bmc() = default;

void Bmc::handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond)
{
    impl_->handleRequest(request, std::move(respond));
}

void Bmc::advance(SteadyTime now)
{
    impl_->advance(now);
}

std::optional<SteadyTime> Bmc::nextDeadline() const
{
    return impl_->nextDeadline();
}

bool Bmc::attention() const
{
    return impl_->state().attention();
}

void Bmc::setAttentionListener(std::function<void()> onChange)
{
    impl_->state().attentionListener = std::move(onChange);
}

std::uint8_t Bmc::interfaceByte(std::uint8_t value)
{
    return impl_->state().faults.filterByte(value);
}

FaultInjector& Bmc::faults()
{
    return impl_->state().faults;
}

const BmcConfig& Bmc::config() const
{
    return impl_->state().config;
}

std::uint32_t Bmc::wallClock() const
{
    return impl_->state().wallClock();
}

void Bmc::setWallClock(std::uint32_t secondsSince1970)
{
    impl_->state().setWallClock(secondsSince1970);
}

bool Bmc::chassisPowerOn() const
{
    return impl_->state().chassis.powerOn;
}

unsigned Bmc::chassisResets() const
{
    return impl_->state().chassis.resets;
}

void Bmc::setSensorRaw(std::uint8_t sensorNumber, std::uint8_t raw)
{
    setSensorRawValue(impl_->state(), sensorNumber, raw);
}

} // namespace ipmi::sim
