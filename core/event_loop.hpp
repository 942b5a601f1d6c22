// The loop seam: everything in core/, si/, ssif/ and the front ends that needs
// time or deferral goes through EventLoop, never through Asio or the system
// clock directly. The daemon binds it to one Boost.Asio io_context
// (AsioEventLoop); unit tests bind it to FakeEventLoop and move time by hand,
// so no test sleeps.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace ipmi::core {

using Clock = std::chrono::steady_clock;

// A one-shot timer owned by its user. Destroying it cancels it; its callback
// never runs after cancel() or destruction returns.
class Timer
{
  public:
    virtual ~Timer() = default;
    // (Re)arms the timer; a pending expiry is cancelled first.
    virtual void start(Clock::duration delay, std::function<void()> onExpiry) = 0;
    virtual void cancel() = 0;
    [[nodiscard]] virtual bool pending() const = 0;
};

class EventLoop
{
  public:
    virtual ~EventLoop() = default;
    [[nodiscard]] virtual Clock::time_point now() const = 0;
    [[nodiscard]] virtual std::unique_ptr<Timer> makeTimer() = 0;
    // Runs fn on the loop thread soon, after the work posted before it. The
    // only member that may be called from another thread (hardware workers
    // post their results through it).
    virtual void post(std::function<void()> fn) = 0;
    // Runs, now and in order, the posted work that is waiting. For a front
    // end about to answer a request whose work woke a worker: an answer the
    // worker finished meanwhile is delivered first, as if the loop had gone
    // round once. Loop thread only, and never from inside a call into core.
    virtual void runPosted() = 0;
};

} // namespace ipmi::core
