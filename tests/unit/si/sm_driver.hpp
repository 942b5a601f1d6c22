// Drives a state machine the way the SI transport does, in virtual time:
// again at once on CallWithoutDelay, 1 ms later on a delay. A hook sees the
// virtual clock before every step (to release a held response, unstall a
// model...). No real time passes.
#pragma once

#include "si/state_machine.hpp"

#include <functional>

namespace ipmi::si::testing {

struct SmRun
{
    SmResult last = SmResult::Idle;
    Microseconds took{0};
    unsigned steps = 0;
};

// Gives up after `limit` of virtual time, or `maxSteps` steps (a machine
// that steps without end while no time passes).
inline SmRun runUntilDone(StateMachine& sm, const std::function<void(Microseconds)>& atTime = {},
                          Microseconds limit = Microseconds{600'000'000}, unsigned maxSteps = 10'000'000)
{
    SmRun run;
    Microseconds elapsed{0};
    while (run.took <= limit && run.steps < maxSteps) {
        if (atTime) {
            atTime(run.took);
        }
        run.last = sm.event(elapsed);
        ++run.steps;
        switch (run.last) {
        case SmResult::CallWithoutDelay:
            elapsed = Microseconds{0};
            continue;
        case SmResult::CallWithDelay:
        case SmResult::CallWithTickDelay:
            elapsed = Microseconds{1000};
            run.took += elapsed;
            continue;
        case SmResult::TransactionComplete:
        case SmResult::Hosed:
        case SmResult::Idle:
        case SmResult::Attn:
            return run;
        }
    }
    return run;
}

// Steps an idle machine until it settles (BT fetches its capabilities).
inline SmResult settle(StateMachine& sm)
{
    SmRun run;
    for (;;) {
        run = runUntilDone(sm);
        if (run.last == SmResult::Idle || run.last == SmResult::Attn) {
            return run.last;
        }
    }
}

} // namespace ipmi::si::testing
