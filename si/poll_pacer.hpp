// How the SI worker paces its calls into a state machine while nothing
// raises an interrupt for it: the userspace counterpart of the kernel's
// kipmid loop (ipmi_si_intf.c, ipmi_thread and ipmi_thread_busy_wait), made
// adaptive: it learns the BMC's pace, as the SSIF driver's first read does.
//
// Each state machine result maps to one step for the worker:
// - progress (CallWithoutDelay, TransactionComplete, Hosed): call again now;
// - a wait for the BMC (CallWithDelay): an unbroken run of them is one wait,
//   learned separately for the wait for a response, which lasts as long as
//   the BMC takes to execute the command, and for the byte handshakes
//   around it.
//   A byte handshake starts by sleeping through most of the time such waits
//   have lately taken (core::ResponseTime), then spins (yield and call
//   again) through the last stretch, for at most the busy limit, and past
//   that sleeps, starting short and doubling up to one tick, so a slow BMC
//   is polled at most once a tick.
//   A wait for a response sleeps to where the answers were lately found
//   (AnswerTime) and looks there, so it mostly takes one look. It never
//   spins: after that first look it looks on at gaps of an eighth of the
//   learned time (at least kFirstBackoff, at most kTimerPollPeriod) that
//   double up to a tick. When the first look had been moved sooner, the
//   next goes where the last answer was found (at most a gap later), and
//   the gaps double only after two more.
//   Spinning through a response bought nothing and cost the BMC: behind
//   QEMU's extern BMC a worker that spun, or looked every 50-100 us, took
//   1.2-1.4 ms per Get Device ID where looks 250 us apart took 1.0-1.1 ms
//   (benchmarks/README.md, issue 22). A BMC that answers at once never
//   starts a wait; one that takes 2 ms costs one sleep and one or two looks;
// - CallWithTickDelay: sleep one tick;
// - Idle / Attn: park until new work arrives (no CPU, no wake-up, while idle).
//
// force_kipmid=0 keeps the kernel's meaning "no polling thread that burns
// CPU": the worker never spins. It sleeps through the learned time like the
// spinning worker, then polls every 250 us, the kernel's timer period while
// a transaction waits.
//
// kipmid_max_busy_us keeps its kernel meaning, the longest a wait spins
// before it sleeps. The kernel's 0 (its default) means "busy-wait without a
// limit, napping 100-200 us between polls". That nap is what makes a
// userspace KCS transaction slow (benchmarks/README.md), so 0 (or unset)
// here selects kDefaultMaxBusy of real spinning instead, then the back-off.
//
// Pure: it sees results and time points, never a clock, so it is tested
// under a fake one.
#pragma once

#include "core/event_loop.hpp"
#include "core/response_time.hpp"
#include "si/answer_time.hpp"
#include "si/state_machine.hpp"

#include <chrono>

namespace ipmi::si {

struct PollPacing
{
    bool kipmid = true;                  // force_kipmid (unset = true: we have no interrupts)
    std::chrono::microseconds maxBusy{}; // kipmid_max_busy_us; 0 = kDefaultMaxBusy
    // Paced from loop timers, which must never spin: the back-off's sleeps
    // where a worker would spin (LoopSiTransport).
    bool onLoop = false;
};

// Spin limit when kipmid_max_busy_us is 0 or unset: long enough for a BMC
// that turns a KCS byte around in tens of microseconds, short enough that a
// BMC busy for milliseconds costs little CPU before the back-off starts.
inline constexpr std::chrono::microseconds kDefaultMaxBusy{250};
// First sleep after the spin limit; each further sleep doubles, up to kTick.
inline constexpr std::chrono::microseconds kFirstBackoff{100};
// The kernel's scheduler tick for CallWithTickDelay (HZ=1000 equivalent).
inline constexpr std::chrono::microseconds kTick{1000};
// force_kipmid=0: the kernel's timer period while a transaction waits; also
// the longest gap between the first looks for a response.
inline constexpr std::chrono::microseconds kTimerPollPeriod{250};
// The first gap after a response's first look: this-th part of the learned
// time (within kFirstBackoff and kTimerPollPeriod).
inline constexpr int kResponseLookGapDivisor = 8;
// The last stretch of a learned wait that is spun rather than slept: a
// quarter of the wait, at least kMinStretch (a sleep wakes late by tens of
// microseconds), at most the busy limit. A wait expected to be shorter than
// kMinStretch is not slept at all.
inline constexpr std::chrono::microseconds kMinStretch{50};
// What a wait may learn: below kLearnFloor it counts as none; a BMC slower
// than kLearnCeiling is polled by the back-off anyway.
inline constexpr std::chrono::microseconds kLearnFloor{20};
inline constexpr std::chrono::microseconds kLearnCeiling{100'000};

enum class PollAction : std::uint8_t
{
    Again, // call event() at once
    Spin,  // yield the CPU once, then call event()
    Sleep, // sleep `wait` (or until woken), then call event()
    Park,  // nothing in flight: sleep until new work arrives
};

struct PollStep
{
    PollAction action = PollAction::Again;
    core::Clock::duration wait{};
    bool operator==(const PollStep&) const = default;
};

class PollPacer
{
  public:
    explicit PollPacer(PollPacing pacing);

    // The step after event() returned `result` at `now`; `awaitingResponse`
    // is the machine's StateMachine::awaitingResponse() after that call.
    [[nodiscard]] PollStep next(SmResult result, core::Clock::time_point now, bool awaitingResponse = false);
    // New work arrived: the next wait starts afresh.
    void reset();

    // The spin limit in effect (kDefaultMaxBusy for 0).
    [[nodiscard]] std::chrono::microseconds busyLimit() const { return busyLimit_; }
    // The learned time of the wait for a response, and of a byte handshake.
    [[nodiscard]] core::Clock::duration expectedResponse() const { return response_.expected(); }
    [[nodiscard]] core::Clock::duration expectedByte() const { return byte_.expected(); }

  private:
    enum class Phase : std::uint8_t
    {
        None,     // not inside a wait
        Approach, // sleeping through the learned part
        Spin,     // spinning the last stretch, until busyUntil_
        Backoff,  // past the busy limit (or after a response's first look): sleeps
    };
    enum class Waiting : std::uint8_t
    {
        Nothing,
        Response, // learns into response_
        Byte,     // learns into byte_
    };

    PollStep beginWait(core::Clock::time_point now, bool awaitingResponse);
    PollStep continueWait(core::Clock::time_point now);
    [[nodiscard]] PollStep spinOrBackOff(core::Clock::time_point now);
    void endWait(core::Clock::time_point now); // inside a wait only
    [[nodiscard]] core::Clock::duration stretchOf(core::Clock::duration expected) const;
    [[nodiscard]] core::Clock::duration expectedNow() const;

    PollPacing pacing_;
    std::chrono::microseconds busyLimit_;
    AnswerTime response_{kLearnFloor, kLearnCeiling};
    core::ResponseTime byte_{kLearnFloor, kLearnCeiling};
    Waiting waiting_ = Waiting::Nothing;
    Phase phase_ = Phase::None;
    bool firstLook_ = false; // the next look is the first after the approach
    core::Clock::time_point began_{};
    core::Clock::time_point lastEmptyLook_{};
    core::Clock::time_point busyUntil_{};
    core::Clock::time_point steadyUntil_{}; // a response's looks are a gap apart until then
    core::Clock::time_point plannedLook_{}; // when the last sleep of a wait was to end
    core::Clock::duration backoff_{};
    core::Clock::duration revisit_{}; // after a stepped-down first look that found nothing
};

} // namespace ipmi::si
