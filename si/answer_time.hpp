// How long a KCS/BT/SMIC BMC takes to answer a request, learned from where
// its answers were found, for the pacer to put its first look there.
//
// core::ResponseTime (SSIF's first read, and the SI byte handshakes) learns
// the last look that found nothing: a lower bound. A first look at a lower
// bound finds nothing by design, and a wait for a steady BMC took three or
// four looks (a wake-up of the daemon each, 11-16 us of its CPU under
// icount; benchmarks/README.md, issue 22). This learns the look that found
// the answer, an upper bound, so the next first look mostly finds it:
// - found at the first look: the answer may have been there for up to one
//   gap between looks, so the next first look comes half a gap sooner; after
//   two such waits in a row a whole gap, then two, doubling (at most half
//   the time, and down to nothing below the floor). A step no longer than a
//   gap costs a steady BMC at most one look more when it undershoots;
//   halving at once, as ResponseTime does, costs it several. The doubling
//   still follows a BMC that got faster within a few waits;
// - found later: the next first look goes where this one was found, up by
//   at most one doubling (ResponseTime's bound), so one slow command (a SEL
//   clear) does not make the quick ones after it wait long.
// A steady BMC then costs one look on most waits and two on the rest. Pure:
// it sees durations, never a clock.
#pragma once

#include "core/event_loop.hpp"
#include "core/response_time.hpp"

#include <algorithm>

namespace ipmi::si {

class AnswerTime
{
  public:
    AnswerTime(core::Clock::duration floor, core::Clock::duration ceiling) : learned_(floor, ceiling) {}

    // Where the first look of the next wait goes, from its start.
    [[nodiscard]] core::Clock::duration expected() const { return learned_.expected(); }

    // The last wait's answer was found at its first look, so expected() was
    // stepped down and may now fall short of the BMC's time.
    [[nodiscard]] bool steppedDown() const { return firstLooksInARow_ > 0; }

    // How much sooner than the last answer's look the next first look
    // comes: where to look again when that one finds nothing (zero unless
    // steppedDown()).
    [[nodiscard]] core::Clock::duration stepDown() const { return stepDown_; }

    // The first look found the answer; looks after it would have come `gap` apart.
    void foundAtFirstLook(core::Clock::duration gap)
    {
        const auto step = (gap / 2) * (1U << std::min(firstLooksInARow_, kMostDoublings));
        const auto before = expected();
        learned_.lowerBy(std::min(step, before / 2));
        stepDown_ = before - expected();
        ++firstLooksInARow_;
    }

    // The answer was found `foundAt` after the wait began, not at its first look.
    void foundAt(core::Clock::duration foundAt)
    {
        learned_.answeredAfter(foundAt); // the same bound on growth as a lower bound's
        firstLooksInARow_ = 0;
        stepDown_ = {};
    }

  private:
    static constexpr unsigned kMostDoublings = 16; // the step is capped at half the time long before

    core::ResponseTime learned_;
    unsigned firstLooksInARow_ = 0;
    core::Clock::duration stepDown_{};
};

} // namespace ipmi::si
