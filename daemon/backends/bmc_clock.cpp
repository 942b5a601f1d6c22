// BmcClock: see the header.
#include "daemon/backends/bmc_clock.hpp"

#include <algorithm>

namespace ipmi::daemon {

BmcClock::BmcClock(core::EventLoop& loop, sim::Bmc& bmc, std::function<void()> poke)
    : loop_(loop), bmc_(bmc), poke_(std::move(poke)), timer_(loop.makeTimer()), alive_(std::make_shared<char>())
{
    if (!poke_) {
        return;
    }
    std::weak_ptr<char> alive = alive_;
    bmc_.setAttentionListener([this, alive] {
        // Called from inside the BMC: look at the registers later.
        loop_.post([this, alive] {
            if (alive.lock()) {
                poke_();
            }
        });
    });
}

BmcClock::~BmcClock()
{
    if (poke_) {
        bmc_.setAttentionListener({});
    }
    timer_->cancel();
}

void BmcClock::rearmSoon()
{
    if (rearmPosted_) {
        return;
    }
    rearmPosted_ = true;
    std::weak_ptr<char> alive = alive_;
    loop_.post([this, alive] {
        if (alive.lock()) {
            rearmPosted_ = false;
            rearm();
        }
    });
}

void BmcClock::rearm()
{
    const auto deadline = bmc_.nextDeadline();
    if (!deadline) {
        timer_->cancel();
        return;
    }
    const auto delay = std::max(core::Clock::duration::zero(), *deadline - loop_.now());
    timer_->start(delay, [this] {
        bmc_.advance(loop_.now());
        if (poke_) {
            poke_(); // a delayed response may be waiting in the registers
        }
        rearm();
    });
}

} // namespace ipmi::daemon
