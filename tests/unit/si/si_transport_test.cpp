// The whole SI stack end to end over simulated registers: SmiPolicy over
// LoopSiTransport over each state machine over its register model, under
// FakeEventLoop; and the worker transport with a real thread.
#include "abi/ipmi_msgdefs.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/recording_host.hpp"
#include "daemon/backends/register_io_sim.hpp"
#include "si/si_transport.hpp"
#include "si/smi_policy.hpp"
#include "si/state_machines.hpp"
#include "sim/models/bt_model.hpp"
#include "sim/models/kcs_model.hpp"
#include "sim/models/smic_model.hpp"
#include "tests/unit/sim/models/fake_bmc_port.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace ipmi::si {
namespace {

using core::SmiBytes;
using daemon::SimRegisterIo;
using sim::testing::FakeBmcPort;
using sim::testing::kGetDeviceIdResponse;

using core::testing::RecordingHost;

void answerStartup(FakeBmcPort& port)
{
    port.setAnswer(0x06, 0x2F, {0x1C, 0x2F, 0x00, 0x04});
    port.setAnswer(0x06, 0x30, {0x1C, 0x30, 0x00});
    port.setAnswer(0x06, 0x36, {0x1C, 0x36, 0x00, 0x01, 0xFF, 0xFF, 0x05, 0x02});
}

std::unique_ptr<sim::RegisterModel> makeModel(SiType type, FakeBmcPort& port)
{
    switch (type) {
    case SiType::Bt:
        return std::make_unique<sim::BtBmcModel>(port);
    case SiType::Smic:
        return std::make_unique<sim::SmicBmcModel>(port);
    case SiType::Kcs:
    case SiType::Ssif:
        break;
    }
    return std::make_unique<sim::KcsBmcModel>(port);
}

std::uint64_t driverStat(const SmiPolicy& policy, core::DriverStat which)
{
    return policy.health().stats[static_cast<std::size_t>(which)];
}

// A machine that reports idle and yet refuses the next `refusals` starts as
// busy with work of its own (0xD5). None of ours does; a transport must
// neither spin on it nor leave the request for the next nudge to find.
class BusyWhileIdle : public StateMachine
{
  public:
    explicit BusyWhileIdle(std::unique_ptr<StateMachine> inner) : inner_(std::move(inner)) {}
    [[nodiscard]] std::uint8_t start(std::span<const std::uint8_t> request) override
    {
        if (refusals > 0) {
            --refusals;
            return abi::IPMI_NOT_IN_MY_STATE_ERR;
        }
        return inner_->start(request);
    }
    SmResult event(Microseconds elapsed) override
    {
        const SmResult result = inner_->event(elapsed);
        if (result == SmResult::Idle && std::this_thread::get_id() != builder_) {
            // Held on the worker's thread: the worker keeps the machine meanwhile.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (holdIdleOffBuilder && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        }
        return result;
    }
    [[nodiscard]] core::SmiBytes result() override { return inner_->result(); }
    [[nodiscard]] bool detect() override { return inner_->detect(); }
    [[nodiscard]] const char* name() const override { return inner_->name(); }
    [[nodiscard]] bool awaitingResponse() const override { return inner_->awaitingResponse(); }
    [[nodiscard]] std::string hosedReason() const override { return inner_->hosedReason(); }

    std::atomic<unsigned> refusals = 0;
    // An idle step off the building thread waits while this is set.
    std::atomic<bool> holdIdleOffBuilder = false;

  private:
    std::unique_ptr<StateMachine> inner_;
    std::thread::id builder_ = std::this_thread::get_id();
};

struct Stack
{
    explicit Stack(SiType type, BusyWhileIdle** busy = nullptr)
    {
        answerStartup(port);
        model = makeModel(type, port);
        auto io = std::make_unique<SimRegisterIo>(*model, "sim");
        auto sm = makeStateMachine(type, *io);
        if (busy != nullptr) {
            auto wrapped = std::make_unique<BusyWhileIdle>(std::move(sm));
            *busy = wrapped.get();
            sm = std::move(wrapped);
        }
        core::InterfaceInfo info;
        info.type = toString(type);
        auto t = std::make_unique<LoopSiTransport>(loop, std::move(io), std::move(sm), info, true,
                                                   [this] { return interruptWired; });
        transport = t.get();
        policy = std::make_unique<SmiPolicy>(loop, std::move(t));
        policy->start(host);
        loop.advance(std::chrono::milliseconds(50)); // BT reads its capabilities with short delays
    }
    [[nodiscard]] std::uint64_t stat(core::DriverStat which) const { return driverStat(*policy, which); }

    core::testing::FakeEventLoop loop;
    FakeBmcPort port;
    std::unique_ptr<sim::RegisterModel> model;
    bool interruptWired = true; // nudge() is the BMC's interrupt
    LoopSiTransport* transport = nullptr;
    std::unique_ptr<SmiPolicy> policy;
    RecordingHost host;
};

class SiStack : public ::testing::TestWithParam<SiType>
{};

TEST_P(SiStack, StartsUpAndAnswersGetDeviceIdWithoutSpinning)
{
    Stack s(GetParam());
    EXPECT_TRUE(s.policy->startupComplete());
    EXPECT_TRUE(s.policy->hasEventBuffer());
    EXPECT_EQ(s.loop.pendingTimers(), 0U); // idle: nothing scheduled
    s.policy->send({0x18, 0x01});
    s.loop.advance(std::chrono::milliseconds(0));
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], kGetDeviceIdResponse);
    EXPECT_EQ(s.loop.pendingTimers(), 0U);
}

TEST_P(SiStack, SlowBmcIsPolledUntilItAnswers)
{
    Stack s(GetParam());
    s.port.mode = FakeBmcPort::Mode::Hold;
    s.policy->send({0x18, 0x01});
    s.loop.advance(std::chrono::milliseconds(800));
    EXPECT_TRUE(s.host.responses.empty());
    s.port.releaseHeld();
    s.loop.advance(std::chrono::milliseconds(2));
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], kGetDeviceIdResponse);
}

// Get Device ID to a BMC that holds it, answers 2 ms later and then pokes
// the transport, as the embedded BMC's clock does.
void sendToA2msBmc(Stack& s, core::Timer& bmcDone)
{
    s.policy->send({0x18, 0x01});
    bmcDone.start(std::chrono::milliseconds(2), [&s] {
        s.port.releaseHeld();
        s.transport->nudge();
    });
}

// Loop wake-ups per transaction (timer callbacks): none for a BMC that
// answers at once; for one that takes 2 ms and then pokes the transport, as
// the embedded BMC's clock does, a bounded few once the pace is learned; and
// none at all while idle.
TEST_P(SiStack, ASlowBmcCostsABoundedNumberOfLoopWakeUps)
{
    Stack s(GetParam());
    s.port.mode = FakeBmcPort::Mode::Hold;
    auto bmcDone = s.loop.makeTimer();
    std::size_t lastWakeUps = 0;
    for (int i = 0; i < 30; ++i) {
        sendToA2msBmc(s, *bmcDone);
        lastWakeUps = s.loop.advance(std::chrono::milliseconds(5)) - 1; // less the BMC's own timer
        ASSERT_EQ(s.host.responses.size(), static_cast<std::size_t>(i) + 1);
        EXPECT_LE(lastWakeUps, 8U) << "transaction " << i;
    }
    EXPECT_LE(lastWakeUps, 4U);
    EXPECT_EQ(s.loop.pendingTimers(), 0U);
    EXPECT_EQ(s.loop.advance(std::chrono::seconds(10)), 0U);
}

// A BMC with no interrupt wired (the sim's `fault set no-irq`): its poke is
// not seen, the wait's own looks find the response, and as few of them once
// the pace is learned as with the interrupt.
TEST_P(SiStack, WithoutAnInterruptTheWaitsLooksFindTheResponse)
{
    Stack s(GetParam());
    s.interruptWired = false;
    s.port.mode = FakeBmcPort::Mode::Hold;
    auto bmcDone = s.loop.makeTimer();
    std::size_t lastWakeUps = 0;
    for (int i = 0; i < 30; ++i) {
        sendToA2msBmc(s, *bmcDone);
        if (i == 0) {
            // Unlearned, the looks back off: 0.1, 0.3, 0.7, 1.5 and 2.5 ms.
            s.loop.advance(std::chrono::milliseconds(2));
            EXPECT_TRUE(s.host.responses.empty()) << "the poke ended the wait";
            s.loop.advance(std::chrono::microseconds(600));
            ASSERT_EQ(s.host.responses.size(), 1U);
            continue;
        }
        lastWakeUps = s.loop.advance(std::chrono::milliseconds(5)) - 1; // less the BMC's own timer
        ASSERT_EQ(s.host.responses.size(), static_cast<std::size_t>(i) + 1);
        EXPECT_LE(lastWakeUps, 8U) << "transaction " << i;
    }
    EXPECT_LE(lastWakeUps, 3U);
    EXPECT_EQ(s.host.responses.back(), kGetDeviceIdResponse);
    EXPECT_EQ(s.loop.pendingTimers(), 0U);
    EXPECT_EQ(s.loop.advance(std::chrono::seconds(10)), 0U);
}

// Without an interrupt, attention is seen by the kernel's 10-ms watch while
// the host needs one, and not at all (no timer, no wake-up) while it does not.
TEST_P(SiStack, WithoutAnInterruptAttentionIsSeenByTheWatchOnlyWhileWatched)
{
    Stack s(GetParam());
    s.interruptWired = false;
    s.port.setAnswer(0x06, 0x31, {0x1C, 0x31, 0x00, 0x00});
    s.port.onRequest = [&s](const sim::Bytes& request) {
        if (request.size() >= 2 && request[1] == 0x31) {
            s.port.setAttention(false); // the flags are read: nothing more to say
        }
    };
    s.port.setAttention(true);
    s.transport->nudge();
    EXPECT_EQ(s.loop.advance(std::chrono::seconds(1)), 0U);
    EXPECT_EQ(s.stat(core::DriverStat::Attentions), 0U);

    s.policy->setNeedWatch(core::kWatchCheckWatchdog);
    s.loop.advance(std::chrono::milliseconds(9));
    EXPECT_EQ(s.stat(core::DriverStat::Attentions), 0U);
    s.loop.advance(std::chrono::milliseconds(2));
    EXPECT_EQ(s.stat(core::DriverStat::Attentions), 1U);
    EXPECT_EQ(s.stat(core::DriverStat::FlagFetches), 1U);

    // The interrupt wired again: the watch ends at its next tick.
    s.interruptWired = true;
    s.loop.advance(std::chrono::milliseconds(20));
    EXPECT_EQ(s.loop.pendingTimers(), 0U);
    // Unwired while watched: the BMC's next poke brings the watch back.
    s.interruptWired = false;
    s.port.setAttention(true);
    s.transport->nudge();
    s.loop.advance(std::chrono::milliseconds(11));
    EXPECT_EQ(s.stat(core::DriverStat::FlagFetches), 2U);

    s.policy->setNeedWatch(0);
    s.loop.advance(std::chrono::milliseconds(20));
    EXPECT_EQ(s.loop.pendingTimers(), 0U);
    s.port.setAttention(true);
    EXPECT_EQ(s.loop.advance(std::chrono::seconds(1)), 0U);
    EXPECT_EQ(s.stat(core::DriverStat::FlagFetches), 2U);
}

TEST_P(SiStack, AttentionDeliversQueuedMessages)
{
    Stack s(GetParam());
    s.port.setAnswer(0x06, 0x31, {0x1C, 0x31, 0x00, 0x01});
    s.port.setAnswer(0x06, 0x33, {0x1C, 0x33, 0x00, 0x00, 0x81, 0x1C, 0x63});
    // Two messages wait; the BMC's attention drops once both are fetched.
    int left = 2;
    s.port.onRequest = [&](const sim::Bytes& request) {
        if (request.size() >= 2 && request[1] == 0x33) {
            if (left == 0) {
                s.port.setAnswer(0x06, 0x33, {0x1C, 0x33, 0x80});
            } else if (--left == 0) {
                s.port.setAttention(false);
                s.port.setAnswer(0x06, 0x31, {0x1C, 0x31, 0x00, 0x00});
            }
        }
    };
    s.port.setAttention(true);
    s.transport->nudge();
    s.loop.advance(std::chrono::milliseconds(10));
    const std::vector<SmiBytes> expected(2, SmiBytes{0x1C, 0x33, 0x00, 0x00, 0x81, 0x1C, 0x63});
    EXPECT_EQ(s.host.received, expected);
    EXPECT_EQ(s.loop.pendingTimers(), 0U);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SiStack, ::testing::Values(SiType::Kcs, SiType::Bt, SiType::Smic),
                         [](const auto& param) { return std::string(toString(param.param)); });

TEST(SiStackKcs, HosedInterfaceAnswersFFAndRecovers)
{
    Stack s(SiType::Kcs);
    auto& kcs = static_cast<sim::KcsBmcModel&>(*s.model);
    kcs.setStalled(true);
    s.policy->send({0x18, 0x01});
    s.loop.advance(std::chrono::seconds(54));
    EXPECT_TRUE(s.host.responses.empty());
    s.loop.advance(std::chrono::seconds(2));
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], (SmiBytes{0x1C, 0x01, 0xFF}));
    // What status shows: hosed, with what the state machine saw.
    auto health = s.policy->health();
    EXPECT_EQ(health.state, core::LinkState::Hosed);
    EXPECT_EQ(health.lastError, "netfn 0x06 cmd 0x01: kcs: IBF not ready in time (status 0x0a), 10 recoveries failed");
    EXPECT_EQ(health.stats[static_cast<std::size_t>(core::DriverStat::HosedTransactions)], 1U);
    kcs.setStalled(false);
    s.policy->send({0x18, 0x01});
    s.loop.advance(std::chrono::seconds(1));
    ASSERT_EQ(s.host.responses.size(), 2U);
    EXPECT_EQ(s.host.responses[1], kGetDeviceIdResponse);
    EXPECT_EQ(s.policy->health().state, core::LinkState::Recovering);
    s.loop.advance(std::chrono::seconds(10));
    health = s.policy->health();
    EXPECT_EQ(health.state, core::LinkState::Up);
    EXPECT_EQ(health.stats[static_cast<std::size_t>(core::DriverStat::FaultEpisodes)], 1U);
    EXPECT_EQ(health.stats[static_cast<std::size_t>(core::DriverStat::FailedTransactions)], 1U);
}

// A machine that says idle but will not take the request is asked again
// every tick, on the loop's timer: the request is neither stranded until the
// next nudge nor spun on.
TEST(SiStackKcs, AMachineBusyWhileIdleIsAskedAgainEachTick)
{
    BusyWhileIdle* busy = nullptr;
    Stack s(SiType::Kcs, &busy);
    busy->refusals = 6;
    s.policy->send({0x18, 0x01});
    s.loop.advance(std::chrono::milliseconds(0));
    EXPECT_TRUE(s.host.responses.empty());
    EXPECT_EQ(s.loop.pendingTimers(), 1U) << "no look scheduled: the request would wait for a nudge";
    const std::size_t wakeUps = s.loop.advance(std::chrono::milliseconds(20));
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], kGetDeviceIdResponse);
    EXPECT_EQ(busy->refusals, 0U);
    EXPECT_GE(wakeUps, 2U);
    EXPECT_LE(wakeUps, 6U) << "one look per tick at most";
    EXPECT_EQ(s.loop.pendingTimers(), 0U);
}

TEST(SiStackBt, RequestTooLongForBtIsAnsweredC8)
{
    Stack s(SiType::Bt);
    SmiBytes request(255, 0x01);
    request[0] = 0x18;
    request[1] = 0x01;
    s.policy->send(request);
    s.loop.advance(std::chrono::milliseconds(0));
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], (SmiBytes{0x1C, 0x01, 0xC8}));
}

// A KCS controller that is slow to take bytes while `slowWrites` lasts: after
// each of those writes the status register shows IBF for `heldReads` more
// reads. With `slowResponses`, the BMC takes `responseReads` status reads to
// answer each request (OBF stays clear after the request's last byte).
// Counts the accesses made off the thread that built it (the test's, which
// runs the loop).
class SlowHandshakeIo : public RegisterIo
{
  public:
    explicit SlowHandshakeIo(std::unique_ptr<RegisterIo> inner) : inner_(std::move(inner)) {}
    [[nodiscard]] std::uint8_t read(unsigned index) override
    {
        note();
        std::uint8_t value = inner_->read(index);
        if (index == sim::kcs::kCommandStatusRegister && ibfReads_ > 0) {
            --ibfReads_;
            value |= sim::kcs::kStatusIbf;
        }
        if (index == sim::kcs::kCommandStatusRegister && obfHidden_ > 0) {
            --obfHidden_;
            value &= static_cast<std::uint8_t>(~sim::kcs::kStatusObf);
        }
        return value;
    }
    void write(unsigned index, std::uint8_t value) override
    {
        note();
        inner_->write(index, value);
        if (slowWrites > 0) {
            --slowWrites;
            ibfReads_ = heldReads;
        }
        if (lastByteNext_ && index == sim::kcs::kDataRegister) {
            obfHidden_ = slowResponses ? responseReads : 0;
        }
        lastByteNext_ = index == sim::kcs::kCommandStatusRegister && value == sim::kcs::kWriteEnd;
    }
    [[nodiscard]] std::string describe() const override { return inner_->describe(); }

    std::atomic<unsigned> slowWrites = 0; // set while the transport is idle
    unsigned heldReads = 3;
    std::atomic<bool> slowResponses = false;
    unsigned responseReads = 3;
    std::atomic<unsigned> offLoopAccesses = 0;

  private:
    void note()
    {
        if (std::this_thread::get_id() != loopThread_) {
            ++offLoopAccesses;
        }
    }
    std::unique_ptr<RegisterIo> inner_;
    unsigned ibfReads_ = 0;
    unsigned obfHidden_ = 0;
    bool lastByteNext_ = false;
    std::thread::id loopThread_ = std::this_thread::get_id();
};

// SmiPolicy over a WorkerSiTransport (the loop, and its own thread) over a
// KCS model.
struct WorkerStack
{
    explicit WorkerStack(bool kipmid = true)
    {
        answerStartup(port);
        auto slow = std::make_unique<SlowHandshakeIo>(std::make_unique<SimRegisterIo>(model, "sim kcs"));
        io = slow.get();
        auto sm = std::make_unique<BusyWhileIdle>(makeStateMachine(SiType::Kcs, *slow));
        busy = sm.get();
        core::InterfaceInfo info;
        info.type = "kcs";
        WorkerSiTransport::Polling polling;
        polling.kipmid = kipmid;
        polling.maxBusy = std::chrono::microseconds(50);
        policy = std::make_unique<SmiPolicy>(
            loop, std::make_unique<WorkerSiTransport>(loop, std::move(slow), std::move(sm), info, polling));
        policy->start(host);
    }
    ~WorkerStack() { policy->shutdown(); }
    WorkerStack(const WorkerStack&) = delete;
    WorkerStack& operator=(const WorkerStack&) = delete;

    [[nodiscard]] std::uint64_t stat(core::DriverStat which) const { return driverStat(*policy, which); }
    // Runs what the worker posted, and `simulated` of the loop's timers,
    // for `real` of the worker's time.
    void run(std::chrono::milliseconds real, std::chrono::milliseconds simulated = {})
    {
        const auto until = std::chrono::steady_clock::now() + real;
        const auto step = simulated / std::max<std::chrono::milliseconds::rep>(1, real.count());
        while (std::chrono::steady_clock::now() < until) {
            loop.runPosted();
            loop.advance(step);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        loop.runPosted();
    }

    core::testing::FakeEventLoop loop;
    FakeBmcPort port;
    sim::KcsBmcModel model{port};
    SlowHandshakeIo* io = nullptr;
    BusyWhileIdle* busy = nullptr;
    RecordingHost host;
    std::unique_ptr<SmiPolicy> policy;
};

// A BMC that takes each byte at once never wakes the worker: the loop runs
// the whole transaction (benchmarks/README.md has what a hand-off cost).
TEST(WorkerSiTransport, RunsOnTheLoopWhileTheBmcKeepsUp)
{
    WorkerStack s;
    for (int i = 0; i < 3; ++i) {
        s.policy->send({0x18, 0x01});
        s.run(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(s.host.responses.size(), 3U);
    EXPECT_EQ(s.host.responses[0], kGetDeviceIdResponse);
    EXPECT_TRUE(s.policy->startupComplete());
    EXPECT_EQ(s.io->offLoopAccesses, 0U);
}

// A byte handshake that does not complete at once is the worker's to spin
// through (the loop never spins); the worker finishes that transaction,
// posts its answer, and the next one starts on the loop again.
TEST(WorkerSiTransport, HandsASlowByteHandshakeToItsThread)
{
    WorkerStack s;
    s.run(std::chrono::milliseconds(20));
    s.io->slowWrites = 3;
    s.policy->send({0x18, 0x01});
    core::testing::awaitFirstResponse(s.loop, s.host);
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], kGetDeviceIdResponse);
    EXPECT_GT(s.io->offLoopAccesses, 0U);

    s.run(std::chrono::milliseconds(200)); // the worker settles and parks
    const unsigned byWorker = s.io->offLoopAccesses;
    s.policy->send({0x18, 0x01});
    s.run(std::chrono::milliseconds(20));
    ASSERT_EQ(s.host.responses.size(), 2U);
    EXPECT_EQ(s.host.responses[1], kGetDeviceIdResponse);
    EXPECT_EQ(s.io->offLoopAccesses, byWorker);
}

// The loop sleeps through a lone request's wait for the BMC on its own
// timer; a request that waited in the queue behind another leaves that wait
// to the worker, while the loop serves the other callers.
TEST(WorkerSiTransport, ALoneRequestWaitsOnTheLoopAQueuedOneOnTheWorker)
{
    WorkerStack s;
    s.run(std::chrono::milliseconds(20));
    s.io->slowResponses = true;
    s.policy->send({0x18, 0x01});
    s.loop.runPosted();
    EXPECT_TRUE(s.host.responses.empty()) << "answered before the BMC";
    s.run(std::chrono::milliseconds(20), std::chrono::milliseconds(20));
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], kGetDeviceIdResponse);
    EXPECT_EQ(s.io->offLoopAccesses, 0U);

    s.policy->send({0x18, 0x01});
    s.policy->send({0x18, 0x01}); // waits behind the first
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (s.host.responses.size() < 3 && std::chrono::steady_clock::now() < deadline) {
        s.run(std::chrono::milliseconds(5), std::chrono::milliseconds(5));
    }
    ASSERT_EQ(s.host.responses.size(), 3U);
    EXPECT_EQ(s.host.responses[2], kGetDeviceIdResponse);
    EXPECT_GT(s.io->offLoopAccesses, 0U);
}

// The same on the worker transport's loop: a tick's timer, not a stranded
// request (the worker thread asks at most once a tick as well).
TEST(WorkerSiTransport, AMachineBusyWhileIdleIsAskedAgainEachTick)
{
    WorkerStack s;
    s.run(std::chrono::milliseconds(20));
    s.busy->refusals = 6;
    s.policy->send({0x18, 0x01});
    s.loop.runPosted();
    EXPECT_TRUE(s.host.responses.empty());
    const std::size_t wakeUps = s.loop.advance(std::chrono::milliseconds(20));
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], kGetDeviceIdResponse);
    EXPECT_EQ(s.busy->refusals, 0U);
    EXPECT_GE(wakeUps, 2U);
    EXPECT_LE(wakeUps, 6U) << "one look per tick at most";
    EXPECT_EQ(s.io->offLoopAccesses, 0U);
}

// And on the worker's thread: a request sent while the worker owns the
// machine, which the machine (idle) will not take, is asked for once a tick,
// not in a spin.
TEST(WorkerSiTransport, ItsThreadAsksAMachineBusyWhileIdleOnceATick)
{
    WorkerStack s;
    s.run(std::chrono::milliseconds(20));
    s.io->slowWrites = 3; // the first request's handshake goes to the worker
    s.busy->holdIdleOffBuilder = true;
    s.policy->send({0x18, 0x01});
    core::testing::awaitFirstResponse(s.loop, s.host); // the worker holds the idle machine meanwhile
    ASSERT_EQ(s.host.responses.size(), 1U);
    ASSERT_GT(s.io->offLoopAccesses, 0U);

    s.busy->refusals = 6;
    s.policy->send({0x18, 0x01}); // to the worker, which still owns the machine
    const auto released = std::chrono::steady_clock::now();
    s.busy->holdIdleOffBuilder = false;
    const auto deadline = released + std::chrono::seconds(10);
    while (s.host.responses.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        s.loop.runPosted();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    const auto took = std::chrono::steady_clock::now() - released;
    ASSERT_EQ(s.host.responses.size(), 2U);
    EXPECT_EQ(s.host.responses[1], kGetDeviceIdResponse);
    EXPECT_EQ(s.busy->refusals, 0U);
    // Five of the six refusals come a tick after the one before; a spin
    // would take microseconds.
    EXPECT_GE(took, 4 * kTick);
}

// force_kipmid=0: no polling thread, as in the kernel. A slow handshake is
// looked at on the loop's timer (the kernel's 250-us one), never spun.
TEST(WorkerSiTransport, WithoutKipmidEverythingStaysOnTheLoopTimer)
{
    WorkerStack s(false);
    s.run(std::chrono::milliseconds(20));
    s.io->slowWrites = 3;
    s.policy->send({0x18, 0x01});
    s.loop.runPosted();
    EXPECT_TRUE(s.host.responses.empty()) << "answered without the timer";
    EXPECT_GE(s.loop.advance(std::chrono::milliseconds(10)), 9U); // three looks for each of three bytes
    ASSERT_EQ(s.host.responses.size(), 1U);
    EXPECT_EQ(s.host.responses[0], kGetDeviceIdResponse);
    EXPECT_EQ(s.io->offLoopAccesses, 0U);
}

// While the host watches (ipmi_watchdog's pre-timeout, the kernel's
// need_watch), the worker reads the status register's attention bit, as
// the kernel's 10-ms timer does, instead of a Get Message Flags poll every
// flagPollInterval: a silent BMC would hold each poll for seconds ahead of
// the users' requests (compat scenario extern-faults).
TEST(WorkerSiTransport, WatchingReadsTheAttentionBitInsteadOfPollingFlags)
{
    WorkerStack s;
    s.port.setAnswer(0x06, 0x31, {0x1C, 0x31, 0x00, 0x00});
    s.port.onRequest = [&s](const sim::Bytes& request) {
        if (request.size() >= 2 && request[1] == 0x31) {
            s.port.setAttention(false); // the flags are read: nothing more to say
        }
    };
    s.policy->send({0x18, 0x01});
    core::testing::awaitFirstResponse(s.loop, s.host);
    s.policy->setNeedWatch(core::kWatchCheckWatchdog);
    s.run(std::chrono::milliseconds(100), std::chrono::seconds(1));
    EXPECT_EQ(s.stat(core::DriverStat::FlagFetches), 0U) << "Get Message Flags without attention";

    s.port.setAttention(true);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (s.stat(core::DriverStat::FlagFetches) == 0 && std::chrono::steady_clock::now() < deadline) {
        s.run(std::chrono::milliseconds(5), std::chrono::milliseconds(50)); // the watch is a loop timer
    }
    EXPECT_GE(s.stat(core::DriverStat::Attentions), 1U);
    EXPECT_EQ(s.stat(core::DriverStat::FlagFetches), 1U);

    // Not watching, the idle worker sleeps: attention waits for the next transaction.
    s.policy->setNeedWatch(0);
    s.run(std::chrono::milliseconds(200)); // past the watch's last step
    const auto attentions = s.stat(core::DriverStat::Attentions);
    s.port.setAttention(true);
    s.run(std::chrono::milliseconds(100), std::chrono::seconds(1));
    EXPECT_EQ(s.stat(core::DriverStat::Attentions), attentions);
    EXPECT_EQ(s.stat(core::DriverStat::FlagFetches), 1U);
}

} // namespace
} // namespace ipmi::si
