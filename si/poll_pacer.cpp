// PollPacer: see poll_pacer.hpp.
#include "si/poll_pacer.hpp"

#include <algorithm>

namespace ipmi::si {

PollPacer::PollPacer(PollPacing pacing)
    : pacing_(pacing), busyLimit_(pacing.maxBusy.count() > 0 ? pacing.maxBusy : kDefaultMaxBusy)
{
}

void PollPacer::reset()
{
    phase_ = Phase::None;
    learning_ = nullptr;
}

core::Clock::duration PollPacer::stretchOf(core::Clock::duration expected) const
{
    return std::clamp<core::Clock::duration>(expected / 4, kMinStretch, std::max(busyLimit_, kMinStretch));
}

PollStep PollPacer::next(SmResult result, core::Clock::time_point now, bool awaitingResponse)
{
    switch (result) {
    case SmResult::CallWithoutDelay:
    case SmResult::TransactionComplete:
        endWait();
        return {PollAction::Again, {}};
    case SmResult::Hosed:
        reset(); // a broken interface says nothing of the BMC's pace
        return {PollAction::Again, {}};
    case SmResult::Idle:
    case SmResult::Attn:
        reset();
        return {PollAction::Park, {}};
    case SmResult::CallWithTickDelay:
        reset();
        return {PollAction::Sleep, kTick};
    case SmResult::CallWithDelay:
        break;
    }
    if (phase_ == Phase::None) {
        return beginWait(now, awaitingResponse);
    }
    return continueWait(now);
}

PollStep PollPacer::beginWait(core::Clock::time_point now, bool awaitingResponse)
{
    learning_ = awaitingResponse ? &response_ : &byte_;
    began_ = now;
    lastEmptyLook_ = now;
    const auto expected = learning_->expected();
    backoff_ =
        looksSteadily() ? std::clamp<core::Clock::duration>(expected, kFirstBackoff, kTimerPollPeriod) : kFirstBackoff;
    const auto approach = expected - stretchOf(expected);
    if (expected >= kMinStretch && approach > core::Clock::duration::zero()) {
        phase_ = Phase::Approach;
        firstLook_ = true;
        return {PollAction::Sleep, approach};
    }
    firstLook_ = false;
    phase_ = Phase::Spin;
    busyUntil_ = now + busyLimit_;
    return spinOrBackOff(now);
}

PollStep PollPacer::continueWait(core::Clock::time_point now)
{
    lastEmptyLook_ = now;
    firstLook_ = false;
    if (phase_ == Phase::Approach) {
        phase_ = Phase::Spin;
        busyUntil_ = now + std::min<core::Clock::duration>(busyLimit_, 2 * stretchOf(learning_->expected()));
    }
    return spinOrBackOff(now);
}

PollStep PollPacer::spinOrBackOff(core::Clock::time_point now)
{
    if (!pacing_.kipmid) {
        return {PollAction::Sleep, kTimerPollPeriod};
    }
    if (phase_ == Phase::Spin && now < busyUntil_ && !pacing_.onLoop && !looksSteadily()) {
        return {PollAction::Spin, {}};
    }
    phase_ = Phase::Backoff;
    const PollStep step{PollAction::Sleep, backoff_};
    // A response keeps its looks close together until it is later than
    // twice what was learned: a BMC that is merely late is not slept past.
    if (!looksSteadily() || now - began_ >= 2 * learning_->expected()) {
        backoff_ = std::min<core::Clock::duration>(backoff_ * 2, kTick);
    }
    return step;
}

void PollPacer::endWait()
{
    if (phase_ == Phase::None || learning_ == nullptr) {
        return;
    }
    if (firstLook_) {
        learning_->answeredAtFirstLook();
    } else {
        learning_->answeredAfter(lastEmptyLook_ - began_);
    }
    phase_ = Phase::None;
    learning_ = nullptr;
}

} // namespace ipmi::si
