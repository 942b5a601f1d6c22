#include "core/testing/fake_event_loop.hpp"

#include <algorithm>
#include <utility>

namespace ipmi::core::testing {

class FakeEventLoop::FakeTimer : public Timer
{
  public:
    explicit FakeTimer(FakeEventLoop& loop) : loop_(loop) {}
    ~FakeTimer() override { cancel(); }
    FakeTimer(const FakeTimer&) = delete;
    FakeTimer& operator=(const FakeTimer&) = delete;

    void start(Clock::duration delay, std::function<void()> onExpiry) override
    {
        cancel();
        // The key is cleared before the callback runs, so the callback may
        // re-arm this same timer.
        key_ = loop_.schedule(loop_.now() + delay, [this, fn = std::move(onExpiry)] {
            armed_ = false;
            fn();
        });
        armed_ = true;
    }
    void cancel() override
    {
        if (armed_) {
            loop_.unschedule(key_);
            armed_ = false;
        }
    }
    [[nodiscard]] bool pending() const override { return armed_; }

  private:
    FakeEventLoop& loop_;
    Key key_{};
    bool armed_ = false;
};

FakeEventLoop::FakeEventLoop() : now_(Clock::time_point{} + std::chrono::hours(1))
{
}
FakeEventLoop::~FakeEventLoop() = default;

std::unique_ptr<Timer> FakeEventLoop::makeTimer()
{
    return std::make_unique<FakeTimer>(*this);
}

void FakeEventLoop::post(std::function<void()> fn)
{
    const std::lock_guard lock(postedMutex_);
    posted_.push_back(std::move(fn));
}

void FakeEventLoop::runPosted()
{
    for (;;) {
        std::function<void()> fn;
        {
            const std::lock_guard lock(postedMutex_);
            if (posted_.empty()) {
                return;
            }
            fn = std::move(posted_.front());
            posted_.pop_front();
        }
        fn();
    }
}

FakeEventLoop::Key FakeEventLoop::schedule(Clock::time_point when, std::function<void()> fn)
{
    Key key{when, nextId_++};
    timers_.emplace(key, std::move(fn));
    return key;
}

void FakeEventLoop::unschedule(const Key& key)
{
    timers_.erase(key);
}

bool FakeEventLoop::runNextTimer(Clock::time_point notBefore)
{
    runPosted();
    if (timers_.empty()) {
        return false;
    }
    auto it = timers_.begin();
    now_ = std::max({now_, it->first.first, notBefore});
    auto fn = std::move(it->second);
    timers_.erase(it);
    fn();
    runPosted();
    return true;
}

std::size_t FakeEventLoop::advance(Clock::duration d)
{
    const auto end = now_ + d;
    std::size_t ran = 0;
    runPosted();
    while (!timers_.empty() && timers_.begin()->first.first <= end) {
        runNextTimer();
        ++ran;
    }
    now_ = end;
    runPosted();
    return ran;
}

} // namespace ipmi::core::testing
