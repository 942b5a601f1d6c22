// The BT state machine against the BT register model.
#include "daemon/backends/register_io_sim.hpp"
#include "si/bt_sm.hpp"
#include "sim/models/bt_model.hpp"
#include "tests/unit/si/scripted_registers.hpp"
#include "tests/unit/si/sm_driver.hpp"
#include "tests/unit/sim/models/fake_bmc_port.hpp"

#include <gtest/gtest.h>

namespace ipmi::si {
namespace {

using daemon::SimRegisterIo;
using sim::testing::FakeBmcPort;
using sim::testing::kGetDeviceIdResponse;
using testing::runUntilDone;
using testing::settle;

// Get BT Interface Capabilities: 1 outstanding, 0xFF-byte buffers, 3 s, 1 retry.
const sim::Bytes kCapabilities = {0x1C, 0x36, 0x00, 0x01, 0xFF, 0xFF, 0x03, 0x01};

struct BtRig
{
    BtRig() { port.setAnswer(0x06, 0x36, kCapabilities); }
    FakeBmcPort port;
    sim::BtBmcModel model{port};
    SimRegisterIo io{model, "sim bt"};
    BtStateMachine sm{io};
};

TEST(BtStateMachine, ReadsCapabilitiesWhenFirstIdle)
{
    BtRig rig;
    EXPECT_TRUE(rig.sm.detect());
    EXPECT_FALSE(rig.sm.capabilitiesRead());
    EXPECT_EQ(settle(rig.sm), SmResult::Idle);
    ASSERT_EQ(rig.port.requests.size(), 1U);
    EXPECT_EQ(rig.port.requests[0], (sim::Bytes{0x18, 0x36}));
    EXPECT_TRUE(rig.sm.capabilitiesRead());
    EXPECT_EQ(rig.sm.requestTimeout(), Microseconds{3'000'000});
    EXPECT_EQ(rig.sm.retryLimit(), 1U);
}

TEST(BtStateMachine, DefaultsWhenCapabilitiesFail)
{
    BtRig rig;
    rig.port.setAnswer(0x06, 0x36, {0x1C, 0x36, 0xC1});
    EXPECT_EQ(settle(rig.sm), SmResult::Idle);
    EXPECT_EQ(rig.sm.requestTimeout(), Microseconds{5'000'000});
    EXPECT_EQ(rig.sm.retryLimit(), 2U);
}

TEST(BtStateMachine, GetDeviceIdGoldenBytes)
{
    BtRig rig;
    settle(rig.sm);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Idle);
}

TEST(BtStateMachine, LongestMessage)
{
    BtRig rig;
    settle(rig.sm);
    std::vector<std::uint8_t> request(254, 0x33);
    request[0] = 0x28;
    request[1] = 0x44;
    sim::Bytes response(254, 0x77);
    response[0] = 0x2C;
    response[1] = 0x44;
    response[2] = 0x00;
    rig.port.setAnswer(0x0A, 0x44, response);
    EXPECT_EQ(rig.sm.start(std::vector<std::uint8_t>(255, 0x28)), 0xC8);
    EXPECT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18}), 0xC7);
    ASSERT_EQ(rig.sm.start(request), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), response);
    EXPECT_EQ(rig.port.requests.back(), request);
}

TEST(BtStateMachine, NoAnswerTimesOutWithC3AfterRetries)
{
    BtRig rig;
    settle(rig.sm);
    // Get past the start-up window (sequence numbers <= retries reset the BMC).
    for (int i = 0; i < 2; ++i) {
        ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
        ASSERT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    }
    rig.port.mode = FakeBmcPort::Mode::Drop;
    rig.port.requests.clear();
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(rig.sm);
    EXPECT_EQ(run.last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), (core::SmiBytes{0x1C, 0x01, 0xC3}));
    // "1 retry" in the capabilities is the kernel's count of attempts: the
    // frame goes out once and gets 3 s.
    EXPECT_EQ(rig.port.requests.size(), 1U);
    EXPECT_GE(run.took, Microseconds{3'000'000});
    EXPECT_LT(run.took, Microseconds{3'100'000});

    // With the default 2, a lost frame is sent a second time.
    BtRig twice;
    twice.port.setAnswer(0x06, 0x36, {0x1C, 0x36, 0x00, 0x01, 0xFF, 0xFF, 0x03, 0x02});
    settle(twice.sm);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(twice.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
        ASSERT_EQ(runUntilDone(twice.sm).last, SmResult::TransactionComplete);
    }
    twice.port.requests.clear();
    twice.port.dropNext(1);
    ASSERT_EQ(twice.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(twice.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(twice.sm.result(), kGetDeviceIdResponse);
    EXPECT_EQ(twice.port.requests.size(), 2U);
}

TEST(BtStateMachine, StuckBusyBmcGivesC0AndLongBusyUntilItRecovers)
{
    BtRig rig;
    settle(rig.sm);
    for (int i = 0; i < 2; ++i) {
        ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
        ASSERT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    }
    rig.model.setStalled(true);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), (core::SmiBytes{0x1C, 0x01, 0xC0}));
    EXPECT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0xC0); // long busy
    EXPECT_EQ(rig.sm.event(Microseconds{1000}), SmResult::CallWithDelay);
    rig.model.setStalled(false);
    // B_BUSY dropped: the machine starts over (capabilities again), then idles.
    EXPECT_EQ(settle(rig.sm), SmResult::Idle);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
}

TEST(BtStateMachine, StartupTimeoutSendsWarmResetAndRetries)
{
    BtRig rig;
    rig.port.setAnswer(0x06, 0x36, {0x1C, 0x36, 0x00, 0x01, 0xFF, 0xFF, 0x03, 0x02});
    settle(rig.sm);
    // The BMC is busy through both attempts of the first request after
    // start-up: the kernel resets it (warm reset) and waits 6 s.
    rig.model.setStalled(true);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(rig.sm, [&](Microseconds now) {
        if (now >= Microseconds{6'500'000}) {
            rig.model.setStalled(false);
        }
    });
    EXPECT_EQ(run.last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
    EXPECT_EQ(rig.sm.resets(), 1U);
    // Capabilities, the warm reset (App 0x03), the request.
    ASSERT_EQ(rig.port.requests.size(), 3U);
    EXPECT_EQ(rig.port.requests[1], (sim::Bytes{0x18, 0x03}));
    EXPECT_EQ(rig.port.requests[2], (sim::Bytes{0x18, 0x01}));
    EXPECT_GE(run.took, Microseconds{2 * 3'000'000 + 6'000'000});
}

TEST(BtStateMachine, StaleResponseIsDrainedAndMismatchedFramesIgnored)
{
    BtRig rig;
    settle(rig.sm);
    for (int i = 0; i < 2; ++i) {
        ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
        ASSERT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    }
    // A late answer to a timed-out request sits in the buffer.
    rig.port.mode = FakeBmcPort::Mode::Hold;
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result()[2], 0xC3);
    rig.port.mode = FakeBmcPort::Mode::Answer;
    rig.port.releaseHeld();
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
}

TEST(BtStateMachine, SmsAtnIsClearedAndReportedOnce)
{
    BtRig rig;
    settle(rig.sm);
    rig.port.setAttention(true);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Attn);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Idle); // cleared by the host
    EXPECT_EQ(rig.model.read(0) & 0x10, 0);
}

TEST(BtStateMachine, BmcStuckBusyAtStartupGetsOneResetThenTheError)
{
    BtRig rig;
    rig.port.setAnswer(0x06, 0x36, {0x1C, 0x36, 0x00, 0x01, 0xFF, 0xFF, 0x03, 0x02});
    settle(rig.sm);
    // As StartupTimeoutSendsWarmResetAndRetries, but the BMC never comes
    // back: the kernel would reset it again after every failed retry, for
    // ever; one reset, then the answer.
    rig.model.setStalled(true);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(rig.sm);
    EXPECT_EQ(run.last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), (core::SmiBytes{0x1C, 0x01, 0xC0}));
    EXPECT_EQ(rig.sm.resets(), 1U);
    EXPECT_LT(run.took, Microseconds{4 * 3'000'000 + 6'000'000 + 1'000'000});
}

TEST(BtStateMachine, B2hAtnThatNeverClearsEndsInTheTimeout)
{
    // Every status read says B2H_ATN and the BMC's buffer is empty: the
    // stale-response drain before writing runs on every step, and its time
    // counts, so the request ends in the timeout (one reset, as at
    // start-up) instead of draining for ever.
    testing::ScriptedRegisters io({0x08, 0x00, 0x00});
    BtStateMachine sm(io);
    ASSERT_EQ(sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(sm);
    EXPECT_EQ(run.last, SmResult::TransactionComplete);
    EXPECT_EQ(sm.result(), (core::SmiBytes{0x1C, 0x01, 0xC3}));
    EXPECT_EQ(sm.resets(), 1U);
    EXPECT_LT(run.took, Microseconds{3 * 5'000'000 + 6'000'000 + 1'000'000});
}

TEST(BtStateMachine, FailedCapabilitiesDoNotTakeTheNextAnswer)
{
    BtRig rig;
    rig.port.mode = FakeBmcPort::Mode::Drop; // Get BT Interface Capabilities goes unanswered
    EXPECT_EQ(settle(rig.sm), SmResult::Idle);
    EXPECT_EQ(rig.sm.retryLimit(), 2U); // the defaults
    rig.port.mode = FakeBmcPort::Mode::Answer;
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
}

} // namespace
} // namespace ipmi::si
