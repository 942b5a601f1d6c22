// PollPacer under the fake clock: what the SI worker does after each state
// machine result (spin within the busy limit, back off after it, park when
// idle, timer pacing for force_kipmid=0), and the worker transport that uses
// it answering a slow BMC without losing the answer.
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/recording_host.hpp"
#include "daemon/backends/register_io_sim.hpp"
#include "si/poll_pacer.hpp"
#include "si/si_transport.hpp"
#include "si/smi_policy.hpp"
#include "si/state_machines.hpp"
#include "sim/models/kcs_model.hpp"
#include "tests/unit/sim/models/fake_bmc_port.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ipmi::si {
namespace {

using daemon::SimRegisterIo;
using namespace std::chrono_literals;

constexpr PollStep kAgain{PollAction::Again, {}};
constexpr PollStep kSpin{PollAction::Spin, {}};
constexpr PollStep kPark{PollAction::Park, {}};

PollStep sleepFor(core::Clock::duration d)
{
    return {PollAction::Sleep, d};
}

TEST(PollPacer, ProgressCallsAgainAtOnce)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    EXPECT_EQ(pacer.next(SmResult::CallWithoutDelay, clock.now()), kAgain);
    EXPECT_EQ(pacer.next(SmResult::TransactionComplete, clock.now()), kAgain);
    EXPECT_EQ(pacer.next(SmResult::Hosed, clock.now()), kAgain);
}

TEST(PollPacer, IdleAndAttentionParkTheWorker)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    EXPECT_EQ(pacer.next(SmResult::Idle, clock.now()), kPark);
    EXPECT_EQ(pacer.next(SmResult::Attn, clock.now()), kPark);
}

TEST(PollPacer, TickDelaySleepsOneTick)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    EXPECT_EQ(pacer.next(SmResult::CallWithTickDelay, clock.now()), sleepFor(kTick));
}

TEST(PollPacer, UnsetLimitSpinsForTheDefaultThenBacksOffToATick)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    EXPECT_EQ(pacer.busyLimit(), kDefaultMaxBusy);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), kSpin);
    clock.advance(kDefaultMaxBusy - 1us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), kSpin);
    clock.advance(1us);
    // Past the limit: 100, 200, 400, 800 us, then one tick for good.
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(100us));
    clock.advance(100us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(200us));
    clock.advance(200us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(400us));
    clock.advance(400us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(800us));
    clock.advance(800us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(1000us));
    clock.advance(1000us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(1000us));
}

TEST(PollPacer, ExplicitLimitIsTheSpinWindow)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({true, 40us});
    EXPECT_EQ(pacer.busyLimit(), 40us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), kSpin);
    clock.advance(39us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), kSpin);
    clock.advance(1us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(kFirstBackoff));
}

TEST(PollPacer, ProgressStartsAFreshWindowAsTheKernelCountsIt)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({true, 50us});
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), kSpin);
    clock.advance(60us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(100us));
    clock.advance(100us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(200us));
    // A byte moved: the next wait spins again, and its back-off restarts short.
    EXPECT_EQ(pacer.next(SmResult::CallWithoutDelay, clock.now()), kAgain);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), kSpin);
    clock.advance(50us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(100us));
}

TEST(PollPacer, ResetForNewWorkStartsAFreshWindow)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({true, 10us});
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), kSpin);
    clock.advance(20us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(100us));
    pacer.reset();
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), kSpin);
}

TEST(PollPacer, WithoutKipmidItNeverSpinsAndPollsAtTheKernelTimerPeriod)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({false, 1000us});
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(kTimerPollPeriod));
    clock.advance(5ms);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now()), sleepFor(kTimerPollPeriod));
    EXPECT_EQ(pacer.next(SmResult::Idle, clock.now()), kPark);
}

// One transaction as the SI worker paces it, under the fake clock, against
// a BMC whose answer is ready `bmcTime` after the request is written: each
// spin (a poll and a yield) costs kSpinCost, each sleep its length and a
// late wake-up of kOversleep. What it cost the worker.
struct WaitCost
{
    unsigned polls = 0;              // event() calls
    unsigned sleeps = 0;             // wake-ups from a sleep
    core::Clock::duration spun{};    // CPU spent spinning
    core::Clock::duration latency{}; // request written -> answer seen
};

constexpr auto kSpinCost = 2us;
constexpr auto kOversleep = 30us;

WaitCost paceOneWait(PollPacer& pacer, core::testing::FakeEventLoop& clock, core::Clock::duration bmcTime)
{
    pacer.reset();
    const auto start = clock.now();
    const auto ready = start + bmcTime;
    WaitCost cost;
    for (;;) {
        ++cost.polls;
        const bool answered = clock.now() >= ready;
        const PollStep step =
            pacer.next(answered ? SmResult::CallWithoutDelay : SmResult::CallWithDelay, clock.now(), !answered);
        if (answered) {
            EXPECT_EQ(step, kAgain);
            break;
        }
        if (step.action == PollAction::Spin) {
            clock.advance(kSpinCost);
            cost.spun += kSpinCost;
        } else {
            EXPECT_EQ(step.action, PollAction::Sleep);
            ++cost.sleeps;
            clock.advance(step.wait + kOversleep);
        }
        if (cost.polls > 100'000) {
            ADD_FAILURE() << "the wait never ended";
            break;
        }
    }
    cost.latency = clock.now() - start;
    return cost;
}

TEST(PollPacer, AnInstantBmcCostsOnePollAndNoWakeUp)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    for (int i = 0; i < 20; ++i) {
        const WaitCost cost = paceOneWait(pacer, clock, 0us);
        EXPECT_EQ(cost.polls, 1U);
        EXPECT_EQ(cost.sleeps, 0U);
        EXPECT_EQ(cost.spun, 0us);
    }
    EXPECT_EQ(pacer.expectedResponse(), 0us);
}

// The slow BMC: 2 ms per command. Learned within a few dozen
// transactions; from then on each costs one sleep to where the answers were
// lately found, and at most one look more, never a spin.
TEST(PollPacer, ASlowBmcIsSleptThroughAndThenLookedAtNeverSpun)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    for (int i = 0; i < 30; ++i) {
        (void)paceOneWait(pacer, clock, 2ms);
    }
    EXPECT_GT(pacer.expectedResponse(), 1500us);
    EXPECT_LE(pacer.expectedResponse(), 2ms + kTimerPollPeriod + 2 * kOversleep);
    for (int i = 0; i < 10; ++i) {
        const WaitCost cost = paceOneWait(pacer, clock, 2ms);
        EXPECT_EQ(cost.spun, 0us);
        EXPECT_LE(cost.sleeps, 3U);
        EXPECT_LE(cost.latency, 2ms + kTimerPollPeriod + 2 * kOversleep);
    }
}

// What a steady slow BMC costs once learned, on the loop and on the worker:
// the first look goes where the answers were found, so most waits take one
// wake-up and the rest two. Sleeping to the last look that found nothing
// and looking on from a quarter before it took three or four (the daemon's
// CPU per transaction behind a 1-2 ms BMC, benchmarks/README.md).
TEST(PollPacer, ASteadySlowBmcCostsAboutOneLookPerResponse)
{
    for (const bool onLoop : {false, true}) {
        for (const auto bmcTime : {300us, 1000us, 2000us, 7000us}) {
            core::testing::FakeEventLoop clock;
            PollPacer pacer({true, {}, onLoop});
            for (int i = 0; i < 40; ++i) {
                (void)paceOneWait(pacer, clock, bmcTime);
            }
            unsigned sleeps = 0;
            core::Clock::duration worst{};
            constexpr int kWaits = 100;
            for (int i = 0; i < kWaits; ++i) {
                const WaitCost cost = paceOneWait(pacer, clock, bmcTime);
                EXPECT_EQ(cost.spun, 0us);
                sleeps += cost.sleeps;
                worst = std::max(worst, cost.latency);
            }
            SCOPED_TRACE(testing::Message() << "onLoop " << onLoop << ", BMC " << bmcTime.count() << " us");
            EXPECT_LE(sleeps, kWaits * 16U / 10U); // 1.6 wake-ups a response at most
            // Late by at most half a gap between looks (an eighth of the
            // BMC's time, within 100-250 us) and the oversleeps: a first look
            // moved sooner that finds nothing is followed by one where the
            // last answer was found, not a whole gap later.
            EXPECT_LE(worst, bmcTime +
                                 std::clamp<core::Clock::duration>(bmcTime / 8, kFirstBackoff, kTimerPollPeriod) / 2 +
                                 2 * kOversleep);
        }
    }
}

// One slow command (a SEL clear) among quick ones: the quick ones after it
// are soon looked at where they answer again.
TEST(PollPacer, OneSlowCommandDoesNotSlowTheQuickOnesForLong)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({true, {}, true});
    for (int i = 0; i < 40; ++i) {
        (void)paceOneWait(pacer, clock, 1ms);
    }
    (void)paceOneWait(pacer, clock, 50ms);
    EXPECT_LE(pacer.expectedResponse(), 2ms + 2 * kOversleep + kTimerPollPeriod);
    for (int i = 0; i < 5; ++i) {
        (void)paceOneWait(pacer, clock, 1ms);
    }
    const WaitCost cost = paceOneWait(pacer, clock, 1ms);
    EXPECT_LE(cost.latency, 1ms + kTimerPollPeriod + 2 * kOversleep);
}

// Before it has learned, and whenever the BMC is slower than it learned,
// the back-off keeps the worker to a bounded number of wake-ups.
TEST(PollPacer, AnUnlearnedSlowBmcCostsAFewWakeUpsAndNoSpin)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    const WaitCost first = paceOneWait(pacer, clock, 2ms);
    EXPECT_EQ(first.spun, 0us);
    EXPECT_LE(first.sleeps, 5U); // 100, 200, 400, 800, 1000 us
    EXPECT_LE(first.latency, 2ms + kTick + kOversleep);
}

TEST(PollPacer, ABmcThatGotFasterIsFollowedDown)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    for (int i = 0; i < 30; ++i) {
        (void)paceOneWait(pacer, clock, 2ms);
    }
    for (int i = 0; i < 10; ++i) {
        (void)paceOneWait(pacer, clock, 100us);
    }
    EXPECT_LE(pacer.expectedResponse(), 100us);
    // Looked at no further apart than the time it learned.
    const WaitCost cost = paceOneWait(pacer, clock, 100us);
    EXPECT_LE(cost.latency, 100us + kFirstBackoff + 2 * kOversleep);
    EXPECT_EQ(cost.spun, 0us);
}

// Byte handshakes are learned apart from the response: a BMC that takes
// 2 ms to answer but moves bytes at once never sleeps through a byte.
TEST(PollPacer, ByteWaitsAndResponseWaitsAreLearnedApart)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({});
    for (int i = 0; i < 30; ++i) {
        (void)paceOneWait(pacer, clock, 2ms);
    }
    EXPECT_EQ(pacer.expectedByte(), 0us);
    EXPECT_EQ(pacer.next(SmResult::CallWithDelay, clock.now(), false), kSpin);
}

TEST(PollPacer, WithoutKipmidASlowBmcIsSleptThroughAndNeverSpun)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({false, 0us});
    for (int i = 0; i < 30; ++i) {
        const WaitCost cost = paceOneWait(pacer, clock, 2ms);
        EXPECT_EQ(cost.spun, 0us);
    }
    const WaitCost cost = paceOneWait(pacer, clock, 2ms);
    EXPECT_LE(cost.sleeps, 3U);
    EXPECT_LE(cost.latency, 2ms + kTimerPollPeriod + kOversleep);
}

TEST(PollPacer, AnExplicitBusyLimitBoundsTheLastStretch)
{
    core::testing::FakeEventLoop clock;
    PollPacer pacer({true, 40us});
    for (int i = 0; i < 40; ++i) {
        const WaitCost cost = paceOneWait(pacer, clock, 2ms);
        EXPECT_LE(cost.spun, 40us);
    }
}

// A BMC that keeps IBF set for its first `busyReads` status reads, then
// behaves: the worker must keep polling through the spin window and the
// back-off and still deliver the answer.
class SlowKcsModel : public sim::RegisterModel
{
  public:
    SlowKcsModel(sim::RegisterModel& inner, unsigned busyReads) : inner_(inner), busyReads_(busyReads) {}
    std::uint8_t read(unsigned index) override
    {
        if (index == 1 && busyReads_ > 0) {
            --busyReads_;
            return 0x02; // IBF: still digesting the last write
        }
        return inner_.read(index);
    }
    void write(unsigned index, std::uint8_t value) override { inner_.write(index, value); }
    [[nodiscard]] unsigned registerCount() const override { return inner_.registerCount(); }
    void setStalled(bool stalled) override { inner_.setStalled(stalled); }

  private:
    sim::RegisterModel& inner_;
    unsigned busyReads_;
};

TEST(WorkerSiTransport, SlowBmcIsAnsweredAfterSpinAndBackoff)
{
    core::testing::FakeEventLoop loop;
    sim::testing::FakeBmcPort port;
    port.setAnswer(0x06, 0x2F, {0x1C, 0x2F, 0x00, 0x04});
    port.setAnswer(0x06, 0x30, {0x1C, 0x30, 0x00});
    sim::KcsBmcModel kcs(port);
    SlowKcsModel slow(kcs, 8);
    auto io = std::make_unique<SimRegisterIo>(slow, "slow kcs");
    auto sm = makeStateMachine(SiType::Kcs, *io);
    core::InterfaceInfo info;
    info.type = "kcs";
    // A 1 us window: the 8 busy reads outlast it, so the back-off runs too.
    SmiPolicy policy(
        loop, std::make_unique<WorkerSiTransport>(loop, std::move(io), std::move(sm), info, PollPacing{true, 1us}));
    core::testing::RecordingHost host;
    policy.start(host);
    policy.send({0x18, 0x01});
    core::testing::awaitFirstResponse(loop, host);
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], sim::testing::kGetDeviceIdResponse);
    policy.shutdown();
}

} // namespace
} // namespace ipmi::si
