// How the SI worker paces its calls into a state machine while nothing
// raises an interrupt for it: the userspace counterpart of the kernel's
// kipmid loop (ipmi_si_intf.c, ipmi_thread and ipmi_thread_busy_wait).
//
// Each state machine result maps to one step for the worker:
// - progress (CallWithoutDelay, TransactionComplete, Hosed): call again now;
// - a wait for the BMC (CallWithDelay): spin (yield and call again) for at
//   most the busy limit, counted from the first wait of an unbroken run of
//   waits as the kernel counts it; past the limit, sleep, starting short and
//   doubling up to one tick, so a slow BMC is polled at most once a tick;
// - CallWithTickDelay: sleep one tick;
// - Idle / Attn: park until new work arrives (no CPU at all while idle).
//
// force_kipmid=0 keeps the kernel's meaning "no polling thread that burns
// CPU": without interrupts the kernel then polls from its timer, every
// 250 us while a transaction waits; so do we, and we never spin.
//
// kipmid_max_busy_us: the kernel's 0 (its default) means "busy-wait without
// a limit, napping 100-200 us between polls". That nap is what makes a
// userspace KCS transaction slow (benchmarks/README.md), so 0 (or unset)
// here selects kDefaultMaxBusy of real spinning instead, then the back-off;
// an explicit value sets the spin limit itself.
//
// Pure: it sees results and time points, never a clock, so it is tested
// under a fake one.
#pragma once

#include "core/event_loop.hpp"
#include "si/state_machine.hpp"

#include <chrono>

namespace ipmi::si {

struct PollPacing
{
    bool kipmid = true;                  // force_kipmid (unset = true: we have no interrupts)
    std::chrono::microseconds maxBusy{}; // kipmid_max_busy_us; 0 = kDefaultMaxBusy
};

// Spin limit when kipmid_max_busy_us is 0 or unset: long enough for a BMC
// that turns a KCS byte around in tens of microseconds, short enough that a
// BMC busy for milliseconds costs little CPU before the back-off starts.
inline constexpr std::chrono::microseconds kDefaultMaxBusy{250};
// First sleep after the spin limit; each further sleep doubles, up to kTick.
inline constexpr std::chrono::microseconds kFirstBackoff{100};
// The kernel's scheduler tick for CallWithTickDelay (HZ=1000 equivalent).
inline constexpr std::chrono::microseconds kTick{1000};
// force_kipmid=0: the kernel's timer period while a transaction waits.
inline constexpr std::chrono::microseconds kTimerPollPeriod{250};

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

    // The step after event() returned `result` at `now`.
    [[nodiscard]] PollStep next(SmResult result, core::Clock::time_point now);
    // New work arrived: the next wait starts a fresh busy window.
    void reset();

    // The spin limit in effect (kDefaultMaxBusy for 0).
    [[nodiscard]] std::chrono::microseconds busyLimit() const { return busyLimit_; }

  private:
    PollPacing pacing_;
    std::chrono::microseconds busyLimit_;
    bool waiting_ = false; // inside an unbroken run of CallWithDelay
    core::Clock::time_point busyUntil_{};
    core::Clock::duration backoff_{};
};

} // namespace ipmi::si
