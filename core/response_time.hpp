// How long a BMC usually takes to answer, learned from the waits it needed,
// so a driver can sleep through most of the next wait instead of polling it.
// Shared by the SSIF transfer (the wait before its first read) and the SI
// worker's pacing (the wait for a KCS/BT/SMIC response).
//
// The rule is the SSIF driver's: a wait whose first look, after the
// expected time, already found the answer says the BMC may be faster than
// expected, so the expectation halves (down to zero below `floor`). A wait
// that needed more looks says the BMC was not ready at the last look that
// found nothing: the expectation moves there, but up by at most one
// doubling (and at least to `floor`), and never past `ceiling`, so one slow
// command (a Set Watchdog, a SEL clear) cannot slow down the quick ones
// after it. Pure: it sees durations, never a clock.
#pragma once

#include "core/event_loop.hpp"

namespace ipmi::core {

class ResponseTime
{
  public:
    ResponseTime(Clock::duration floor, Clock::duration ceiling) : floor_(floor), ceiling_(ceiling) {}

    // The wait worth sleeping through before the first look.
    [[nodiscard]] Clock::duration expected() const { return expected_; }
    // The first look after expected() found the answer: lowerBy() half.
    void answeredAtFirstLook();
    // Looks came back empty; the last of them `notReadyAt` after the wait began.
    void answeredAfter(Clock::duration notReadyAt);
    // The expectation comes `step` sooner, down to nothing below the floor
    // (for a learner with its own step, si::AnswerTime).
    void lowerBy(Clock::duration step);

  private:
    Clock::duration floor_;
    Clock::duration ceiling_;
    Clock::duration expected_{};
};

} // namespace ipmi::core
