// PollPacer: see poll_pacer.hpp.
#include "si/poll_pacer.hpp"

#include <algorithm>
#include <utility>

namespace ipmi::si {

PollPacer::PollPacer(PollPacing pacing)
    : pacing_(pacing), busyLimit_(pacing.maxBusy.count() > 0 ? pacing.maxBusy : kDefaultMaxBusy)
{
}

void PollPacer::reset()
{
    phase_ = Phase::None;
    waiting_ = Waiting::Nothing;
}

core::Clock::duration PollPacer::expectedNow() const
{
    return waiting_ == Waiting::Response ? response_.expected() : byte_.expected();
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
        if (phase_ != Phase::None) { // most steps make progress without a wait: keep those cheap
            endWait(now);
        }
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
    const PollStep step = phase_ == Phase::None ? beginWait(now, awaitingResponse) : continueWait(now);
    if (step.action == PollAction::Sleep) {
        plannedLook_ = now + step.wait;
    }
    return step;
}

PollStep PollPacer::beginWait(core::Clock::time_point now, bool awaitingResponse)
{
    waiting_ = awaitingResponse ? Waiting::Response : Waiting::Byte;
    began_ = now;
    lastEmptyLook_ = now;
    const auto expected = expectedNow();
    if (waiting_ == Waiting::Response) {
        backoff_ =
            std::clamp<core::Clock::duration>(expected / kResponseLookGapDivisor, kFirstBackoff, kTimerPollPeriod);
        // After a step down, a first look that finds nothing is followed by
        // one where the last answer was found (no later than a gap), then
        // two a gap apart cover where it may have undershot. Otherwise the
        // first look went where the last answer was found (or, still
        // learning, short of it), and a BMC later than that is looked at
        // less and less.
        revisit_ = std::min(response_.stepDown(), backoff_);
        steadyUntil_ = response_.steppedDown() ? now + expected + revisit_ + 2 * backoff_ : now;
        if (expected > core::Clock::duration::zero()) {
            phase_ = Phase::Approach;
            firstLook_ = true;
            return {PollAction::Sleep, expected};
        }
    } else {
        backoff_ = kFirstBackoff;
        const auto approach = expected - stretchOf(expected);
        if (expected >= kMinStretch && approach > core::Clock::duration::zero()) {
            phase_ = Phase::Approach;
            firstLook_ = true;
            return {PollAction::Sleep, approach};
        }
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
        busyUntil_ = now + std::min<core::Clock::duration>(busyLimit_, 2 * stretchOf(expectedNow()));
    }
    return spinOrBackOff(now);
}

PollStep PollPacer::spinOrBackOff(core::Clock::time_point now)
{
    if (!pacing_.kipmid) {
        return {PollAction::Sleep, kTimerPollPeriod};
    }
    if (phase_ == Phase::Spin && now < busyUntil_ && !pacing_.onLoop && waiting_ != Waiting::Response) {
        return {PollAction::Spin, {}};
    }
    phase_ = Phase::Backoff;
    if (waiting_ == Waiting::Response && revisit_ > core::Clock::duration::zero()) {
        return {PollAction::Sleep, std::exchange(revisit_, core::Clock::duration::zero())};
    }
    const PollStep step{PollAction::Sleep, backoff_};
    if (waiting_ != Waiting::Response || now >= steadyUntil_) {
        backoff_ = std::min<core::Clock::duration>(backoff_ * 2, kTick);
    }
    return step;
}

void PollPacer::endWait(core::Clock::time_point now)
{
    if (waiting_ == Waiting::Response) {
        if (firstLook_) {
            response_.foundAtFirstLook(backoff_);
        } else {
            // Where the look was due, not when it ran: a late wake-up is
            // not the BMC's time, and would push every next look later. A
            // nudge (the embedded BMC) may end the wait before its look.
            response_.foundAt(std::min(now, plannedLook_) - began_);
        }
    } else if (firstLook_) {
        byte_.answeredAtFirstLook();
    } else {
        byte_.answeredAfter(lastEmptyLook_ - began_);
    }
    phase_ = Phase::None;
    waiting_ = Waiting::Nothing;
}

} // namespace ipmi::si
