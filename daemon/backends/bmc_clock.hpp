// Keeps the embedded BMC's time moving while an interface reaches it. The
// BMC only keeps time through advance(): a loop timer at nextDeadline()
// advances it and re-arms. Handing the BMC work may set an earlier
// deadline, so whoever does re-arms: at once (rearm) or, from inside a
// register access, once the loop is back at the top (rearmSoon).
//
// `poke`, when given, means "the BMC may have something for the host: look
// at its registers"; it runs after each advance and, posted to the loop,
// whenever the BMC raises attention. SSIF leaves it empty: its target
// reports the BMC's attention as the SMBus alert.
#pragma once

#include "base/lifetime.hpp"
#include "core/event_loop.hpp"
#include "sim/bmc.hpp"

#include <functional>
#include <memory>

namespace ipmi::daemon {

class BmcClock
{
  public:
    BmcClock(core::EventLoop& loop, sim::Bmc& bmc, std::function<void()> poke = {});
    ~BmcClock();
    BmcClock(const BmcClock&) = delete;
    BmcClock& operator=(const BmcClock&) = delete;

    void rearm();
    void rearmSoon();
    // Brings the BMC's clock to the loop's now. Before a request: the BMC's
    // clock stands still between deadlines, and a delay the fault injector
    // puts on the response runs from the BMC's now, not from when the
    // request came.
    void catchUp();

  private:
    core::EventLoop& loop_;
    sim::Bmc& bmc_;
    std::function<void()> poke_;
    std::unique_ptr<core::Timer> timer_;
    base::Lifetime lifetime_;
    bool rearmPosted_ = false;
};

} // namespace ipmi::daemon
