// LoopSiTransport: the state machine stepped from loop timers.
#include "si/si_transport.hpp"

#include <algorithm>
#include <utility>

namespace ipmi::si {

namespace {
// Inline steps before yielding to the loop, so one long transfer cannot
// starve everything else on the thread.
constexpr unsigned kMaxInlineSteps = 4096;
} // namespace

LoopSiTransport::LoopSiTransport(core::EventLoop& loop, std::unique_ptr<RegisterIo> io,
                                 std::unique_ptr<StateMachine> sm, core::InterfaceInfo info, bool reportsAttention,
                                 std::function<bool()> interruptWired)
    : loop_(loop), io_(std::move(io)), sm_(std::move(sm)), info_(std::move(info)), reportsAttention_(reportsAttention),
      interruptWired_(std::move(interruptWired)), timer_(loop.makeTimer()), watchTimer_(loop.makeTimer()),
      stepper_(*sm_)
{
}

LoopSiTransport::~LoopSiTransport() = default;

void LoopSiTransport::start(TransportSink& sink)
{
    sink_ = &sink;
    running_ = true;
    lastEvent_ = loop_.now();
    schedule(core::Clock::duration::zero()); // settle: BT reads its capabilities first
}

void LoopSiTransport::shutdown()
{
    running_ = false;
    sink_ = nullptr;
    timer_->cancel();
    watchTimer_->cancel();
    stepper_.reset();
}

void LoopSiTransport::startTransaction(core::SmiBytes request)
{
    if (!running_) {
        return;
    }
    stepper_.accept(std::move(request));
    if (!inStep_) {
        schedule(core::Clock::duration::zero());
    }
}

void LoopSiTransport::nudge()
{
    if (!running_) {
        return;
    }
    if (!interruptWired()) {
        armWatch(); // in case the interrupt was unwired while a watch was asked for
        return;
    }
    // Also while a poll timer waits: the BMC said it has something (a
    // delayed response is in the registers), and the wait is over now, not
    // at the next poll.
    if (!inStep_) {
        schedule(core::Clock::duration::zero());
    }
}

void LoopSiTransport::watchAttention(bool on)
{
    watching_ = on;
    if (on) {
        armWatch();
    } else {
        watchTimer_->cancel();
    }
}

void LoopSiTransport::armWatch()
{
    if (!running_ || !watching_ || interruptWired() || watchTimer_->pending()) {
        return;
    }
    watchTimer_->start(kWatchInterval, [this] {
        // A machine in a transaction, or waiting to look again, reads its
        // status at its next step anyway.
        if (!inStep_ && !timer_->pending()) {
            step(); // an idle step: the status register, attention if its bit is set
        }
        armWatch();
    });
}

void LoopSiTransport::schedule(core::Clock::duration delay)
{
    timer_->start(delay, [this] { step(); });
}

void LoopSiTransport::complete(core::SmiBytes response, std::optional<std::string> hosed)
{
    if (sink_ != nullptr) {
        sink_->transactionDone(std::move(response), std::move(hosed)); // may call startTransaction()
    }
}

bool LoopSiTransport::tryStart()
{
    core::SmiBytes refusal;
    switch (stepper_.tryStart(refusal)) {
    case SiStepper::Start::Nothing:
        return false;
    case SiStepper::Start::Started:
        return true;
    case SiStepper::Start::Refused:
        complete(std::move(refusal));
        return true;
    }
    return false;
}

void LoopSiTransport::step()
{
    if (!running_) {
        return;
    }
    inStep_ = true;
    const core::Clock::time_point now = loop_.now();
    auto elapsed = std::chrono::duration_cast<Microseconds>(now - lastEvent_);
    lastEvent_ = now;
    if (tryStart()) {
        pacer_.reset();
    }

    for (unsigned n = 0; n < kMaxInlineSteps && running_; ++n) {
        SiStepper::Outcome out = stepper_.event(std::max(elapsed, Microseconds{0}));
        elapsed = Microseconds{0};
        const PollStep pace = pacer_.next(out.result, loop_.now(), sm_->awaitingResponse());
        switch (out.result) {
        case SmResult::CallWithoutDelay:
            continue;
        case SmResult::CallWithDelay:
        case SmResult::CallWithTickDelay:
            inStep_ = false;
            schedule(pace.wait);
            return;
        case SmResult::TransactionComplete:
        case SmResult::Hosed:
            if (out.response) {
                complete(std::move(*out.response), std::move(out.hosed));
            }
            continue; // settle to idle
        case SmResult::Attn:
            if (out.attention && sink_ != nullptr) {
                sink_->attention(); // may call startTransaction()
            }
            [[fallthrough]];
        case SmResult::Idle:
            if (running_ && stepper_.pending() && tryStart()) {
                continue;
            }
            inStep_ = false;
            return; // nothing to do: no timer, no CPU
        }
    }
    inStep_ = false;
    if (running_) {
        schedule(core::Clock::duration::zero());
    }
}

} // namespace ipmi::si
