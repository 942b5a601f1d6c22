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
    waiting_ = false;
}

PollStep PollPacer::next(SmResult result, core::Clock::time_point now)
{
    switch (result) {
    case SmResult::CallWithoutDelay:
    case SmResult::TransactionComplete:
    case SmResult::Hosed:
        waiting_ = false;
        return {PollAction::Again, {}};
    case SmResult::Idle:
    case SmResult::Attn:
        waiting_ = false;
        return {PollAction::Park, {}};
    case SmResult::CallWithTickDelay:
        waiting_ = false;
        return {PollAction::Sleep, kTick};
    case SmResult::CallWithDelay:
        break;
    }

    if (!pacing_.kipmid) {
        return {PollAction::Sleep, kTimerPollPeriod};
    }
    if (!waiting_) {
        waiting_ = true;
        busyUntil_ = now + busyLimit_;
        backoff_ = kFirstBackoff;
    }
    if (now < busyUntil_) {
        return {PollAction::Spin, {}};
    }
    const PollStep step{PollAction::Sleep, backoff_};
    backoff_ = std::min<core::Clock::duration>(backoff_ * 2, kTick);
    return step;
}

} // namespace ipmi::si
