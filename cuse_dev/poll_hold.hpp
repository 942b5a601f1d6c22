// When /dev/ipmiN answers a poll() later instead of "nothing yet" at once.
//
// Through FUSE a poll that finds nothing costs two round trips: the answer
// "not ready" puts the caller to sleep, our notification wakes it, and the
// kernel then polls us again before poll() returns. A caller that has just
// sent a request and polls for its answer takes that path whenever the
// answer was not in before the send was answered (CuseDeviceOptions::
// runPosted; with one CPU and a BMC that answers at once it usually is), and
// in a VM each round trip costs about as much as the whole transaction with
// the BMC. So a poll is held, for at most a short bound, when
//   - nothing is queued (a ready file is answered at once);
//   - the caller may sleep: the kernel passes a poll handle only when a
//     waiter is queued on the file (FUSE_POLL_SCHEDULE_NOTIFY). A lone
//     poll() with a zero timeout queues none, so it never waits. But the
//     kernel cannot say whose waiter it is. Adding the file to an epoll set
//     queues epoll's own, and from then on every poll of the file carries a
//     handle: with requests outstanding, epoll_ctl(ADD) and a zero-timeout
//     poll() of the file can wait up to the bound, where the kernel answers
//     both at once (benchmarks/README.md, "Figures behind code comments").
//     The man page says so;
//   - an answer is on its way: the file has requests outstanding (a file
//     that waits only for events or commands is answered at once);
//   - no other poll of the same file is held.
// The held poll is answered "ready" as soon as a message arrives, or "not
// ready" when the bound runs out, after which it is the usual notification
// path. What a caller can tell: a poll()/select() over several descriptors
// looks at the others up to the bound later. A bound of zero turns this off.
// The default, 10 ms, is long beside a BMC that answers in microseconds
// (QEMU's) or a millisecond (KCS hardware): the bound only matters when the
// BMC is slow, and a shorter one makes its timer expire between messages,
// which slows the SSIF round trip (benchmarks/README.md has the figure).
#pragma once

#include <chrono>

namespace ipmi::cuse {

[[nodiscard]] inline bool shouldHoldPoll(std::chrono::microseconds bound, bool readable, bool callerWillSleep,
                                         bool awaitingAnswers, bool alreadyHolding)
{
    return bound.count() > 0 && !readable && callerWillSleep && awaitingAnswers && !alreadyHolding;
}

} // namespace ipmi::cuse
