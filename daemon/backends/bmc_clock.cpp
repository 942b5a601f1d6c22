// BmcClock: see the header.
#include "daemon/backends/bmc_clock.hpp"

#include <algorithm>

namespace ipmi::daemon {

BmcClock::BmcClock(core::EventLoop& loop, sim::Bmc& bmc, std::function<void()> poke)
    : loop_(loop), bmc_(bmc), poke_(std::move(poke)), timer_(loop.makeTimer())
{
    if (!poke_) {
        return;
    }
    bmc_.setAttentionListener([this] {
        // Called from inside the BMC: look at the registers later.
        loop_.post(lifetime_.guard([this] { poke_(); }));
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
    loop_.post(lifetime_.guard([this] {
        rearmPosted_ = false;
        rearm();
    }));
}

void BmcClock::catchUp()
{
    bmc_.advance(loop_.now());
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
