// LoopSiTransport: the state machine stepped from loop timers.
#include "si/si_transport.hpp"

#include <algorithm>
#include <utility>

namespace ipmi::si {

namespace {
// Inline steps before yielding to the loop, so one long transfer cannot
// starve everything else on the thread.
constexpr unsigned kMaxInlineSteps = 4096;
constexpr std::uint8_t kNotInMyState = 0xD5;
} // namespace

LoopSiTransport::LoopSiTransport(core::EventLoop& loop, std::unique_ptr<RegisterIo> io,
                                 std::unique_ptr<StateMachine> sm, core::InterfaceInfo info, Timing timing,
                                 bool reportsAttention)
    : loop_(loop), io_(std::move(io)), sm_(std::move(sm)), info_(std::move(info)), timing_(timing),
      reportsAttention_(reportsAttention), timer_(loop.makeTimer())
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
    pending_.reset();
    active_.reset();
}

void LoopSiTransport::startTransaction(core::SmiBytes request)
{
    if (!running_) {
        return;
    }
    pending_ = std::move(request);
    if (!inStep_) {
        schedule(core::Clock::duration::zero());
    }
}

void LoopSiTransport::nudge()
{
    if (running_ && !inStep_ && !timer_->pending()) {
        schedule(core::Clock::duration::zero());
    }
}

void LoopSiTransport::schedule(core::Clock::duration delay)
{
    timer_->start(delay, [this] { step(); });
}

void LoopSiTransport::complete(core::SmiBytes response)
{
    active_.reset();
    if (sink_ != nullptr) {
        sink_->transactionDone(std::move(response)); // may call startTransaction()
    }
}

bool LoopSiTransport::tryStart()
{
    if (active_ || !pending_) {
        return false;
    }
    const std::uint8_t cc = sm_->start(*pending_);
    if (cc == 0) {
        active_ = std::move(pending_);
        pending_.reset();
        return true;
    }
    if (cc == kNotInMyState) {
        return false; // the machine is busy with its own work; retry when idle
    }
    core::SmiBytes request = std::move(*pending_);
    pending_.reset();
    complete(errorResponse(request, cc));
    return true;
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
    tryStart();

    for (unsigned n = 0; n < kMaxInlineSteps && running_; ++n) {
        const SmResult result = sm_->event(std::max(elapsed, Microseconds{0}));
        elapsed = Microseconds{0};
        switch (result) {
        case SmResult::CallWithoutDelay:
            continue;
        case SmResult::CallWithDelay:
            inStep_ = false;
            schedule(timing_.pollDelay);
            return;
        case SmResult::CallWithTickDelay:
            inStep_ = false;
            schedule(timing_.tickDelay);
            return;
        case SmResult::TransactionComplete:
            if (active_) {
                complete(sm_->result());
            }
            continue; // settle to idle
        case SmResult::Hosed:
            if (active_) {
                const core::SmiBytes request = std::move(*active_);
                complete(errorResponse(request, 0xFF));
            }
            continue;
        case SmResult::Attn:
            if (!active_ && sink_ != nullptr) {
                sink_->attention(); // may call startTransaction()
            }
            [[fallthrough]];
        case SmResult::Idle:
            if (running_ && pending_ && tryStart()) {
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
