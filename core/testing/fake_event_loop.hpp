// A single-threaded EventLoop for unit tests: time stands still until the
// test calls advance(), which runs every timer that falls due, in order of
// expiry, with now() equal to each timer's expiry time while it runs.
#pragma once

#include "core/event_loop.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

namespace ipmi::core::testing {

class FakeEventLoop : public EventLoop
{
  public:
    FakeEventLoop();
    ~FakeEventLoop() override;
    FakeEventLoop(const FakeEventLoop&) = delete;
    FakeEventLoop& operator=(const FakeEventLoop&) = delete;

    [[nodiscard]] Clock::time_point now() const override { return now_; }
    [[nodiscard]] std::unique_ptr<Timer> makeTimer() override;
    void post(std::function<void()> fn) override;

    // Runs posted work until none is left (posted work may post more).
    void runPosted() override;
    // Moves time forward by d, running posted work and every timer due on
    // the way. Returns the number of timer callbacks run.
    std::size_t advance(Clock::duration d);
    // Runs posted work, then the next timer (if any), at its expiry or at
    // `notBefore` if that is later: a timer that fires late, as on a loaded
    // machine (a fuzz target jumps time over polls that cannot see a change).
    bool runNextTimer(Clock::time_point notBefore = Clock::time_point::min());
    [[nodiscard]] std::size_t pendingTimers() const { return timers_.size(); }

  private:
    class FakeTimer;
    friend class FakeTimer;
    using Key = std::pair<Clock::time_point, std::uint64_t>;

    Key schedule(Clock::time_point when, std::function<void()> fn);
    void unschedule(const Key& key);

    Clock::time_point now_;
    std::uint64_t nextId_ = 0;
    std::map<Key, std::function<void()>> timers_;
    std::mutex postedMutex_;
    std::deque<std::function<void()>> posted_;
};

} // namespace ipmi::core::testing
