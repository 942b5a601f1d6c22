// When /dev/ipmiN answers a poll() later instead of "nothing yet" at once.
//
// Through FUSE a poll that finds nothing costs two round trips: the answer
// "not ready" puts the caller to sleep, our notification wakes it, and the
// kernel then polls us again before poll() returns. A caller that has just
// sent a request and polls for its answer nearly always takes that path, and
// in a VM each round trip costs about as much as the whole transaction with
// the BMC. So a poll is held, for at most a short bound, when
//   - nothing is queued (a ready file is answered at once);
//   - the caller is about to sleep: the kernel passes a poll handle only when
//     a waiter is queued (FUSE_POLL_SCHEDULE_NOTIFY), never for poll() with a
//     zero timeout or for epoll's readiness re-check, so those never wait;
//   - an answer is on its way: the file has requests outstanding (a file
//     that waits only for events or commands is answered at once);
//   - no other poll of the same file is held.
// The held poll is answered "ready" as soon as a message arrives, or "not
// ready" when the bound runs out, after which it is the usual notification
// path. What a caller can tell: a poll()/select() over several descriptors
// looks at the others up to the bound later. A bound of zero turns this off.
// The default, 10 ms, is long beside a BMC that answers in microseconds
// (QEMU's) or a millisecond (KCS hardware): the bound only matters when the
// BMC is slow, and a shorter one makes its timer expire between messages
// (measured in the VM: 2 ms cost about a tenth of the SSIF round trip).
#pragma once

#include <chrono>

namespace ipmi::cuse {

[[nodiscard]] inline bool shouldHoldPoll(std::chrono::microseconds bound, bool readable, bool callerWillSleep,
                                         bool awaitingAnswers, bool alreadyHolding)
{
    return bound.count() > 0 && !readable && callerWillSleep && awaitingAnswers && !alreadyHolding;
}

} // namespace ipmi::cuse
