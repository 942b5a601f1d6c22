// The KCS state machine against the KCS register model.
#include "daemon/backends/register_io_sim.hpp"
#include "si/kcs_sm.hpp"
#include "sim/models/kcs_model.hpp"
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

struct KcsRig
{
    FakeBmcPort port;
    sim::KcsBmcModel model{port};
    SimRegisterIo io{model, "sim kcs"};
    KcsStateMachine sm{io};
};

TEST(KcsStateMachine, GetDeviceIdGoldenBytes)
{
    KcsRig rig;
    EXPECT_TRUE(rig.sm.detect());
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(rig.sm);
    EXPECT_EQ(run.last, SmResult::TransactionComplete);
    EXPECT_EQ(run.took, Microseconds{0}); // the model answers at once: no waiting
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Idle);
}

TEST(KcsStateMachine, LengthChecksAtStart)
{
    KcsRig rig;
    EXPECT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18}), 0xC7);
    EXPECT_EQ(rig.sm.start(std::vector<std::uint8_t>(273, 0x18)), 0xC8);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0xD5);
}

TEST(KcsStateMachine, LongestMessagesBothWays)
{
    KcsRig rig;
    sim::Bytes response(272);
    for (std::size_t i = 0; i < response.size(); ++i) {
        response[i] = static_cast<std::uint8_t>(i * 7);
    }
    response[0] = 0x2D;
    response[1] = 0x99;
    response[2] = 0x00;
    rig.port.setAnswer(0x0A, 0x99, response);
    std::vector<std::uint8_t> request(272, 0x5A);
    request[0] = 0x28;
    request[1] = 0x99;
    ASSERT_EQ(rig.sm.start(request), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), response);
    ASSERT_EQ(rig.port.requests.size(), 1U);
    EXPECT_EQ(rig.port.requests[0], request);
}

TEST(KcsStateMachine, OverlongResponseIsTruncatedWithC6)
{
    KcsRig rig;
    sim::Bytes response(300, 0x11);
    response[0] = 0x1C;
    response[1] = 0x42;
    response[2] = 0x00;
    rig.port.setAnswer(0x06, 0x42, response);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x42}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    const auto result = rig.sm.result();
    ASSERT_EQ(result.size(), 272U);
    EXPECT_EQ(result[2], 0xC6);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Idle); // the BMC was drained
}

TEST(KcsStateMachine, ShortReplyBecomesFF)
{
    KcsRig rig;
    rig.port.setAnswer(0x06, 0x42, {0x1C, 0x42});
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x42}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), (core::SmiBytes{0x1C, 0x42, 0xFF}));
}

TEST(KcsStateMachine, SlowBmcIsAbortedAndTheRequestRetried)
{
    KcsRig rig;
    rig.port.mode = FakeBmcPort::Mode::Hold;
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    // The first answer never comes: after 5 s without OBF the machine
    // aborts (GET_STATUS/ABORT) and writes the request again.
    const auto run = runUntilDone(rig.sm, [&](Microseconds now) {
        if (now > Microseconds{5'000'000} && rig.port.requests.size() == 2 && rig.port.heldCount() > 0) {
            rig.port.releaseHeld(); // answers both; the first is orphaned
        }
    });
    EXPECT_EQ(run.last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
    EXPECT_EQ(rig.port.requests.size(), 2U);
    EXPECT_EQ(rig.sm.lastErrorReason(), "OBF not ready in time");
    EXPECT_EQ(rig.sm.errorRetries(), 1U);
    EXPECT_GE(run.took, Microseconds{5'000'000});
    EXPECT_LT(run.took, Microseconds{5'100'000});
}

TEST(KcsStateMachine, BmcThatNeverAnswersIsHosedAfterTenRetries)
{
    KcsRig rig;
    rig.port.mode = FakeBmcPort::Mode::Hold; // takes every request, answers none
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(rig.sm);
    EXPECT_EQ(run.last, SmResult::Hosed);
    // The request and 10 retries, each given up after 5 s without OBF.
    EXPECT_EQ(rig.port.requests.size(), 11U);
    EXPECT_GE(run.took, Microseconds{55'000'000});
    EXPECT_LT(run.took, Microseconds{56'000'000});
    EXPECT_EQ(rig.sm.lastErrorReason(), "OBF not ready in time");
    EXPECT_EQ(rig.sm.result(), (core::SmiBytes{0x1C, 0x01, 0xFF}));
}

TEST(KcsStateMachine, StuckControllerIsHosedAfterTenRecoveries)
{
    KcsRig rig;
    rig.model.setStalled(true);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(rig.sm);
    EXPECT_EQ(run.last, SmResult::Hosed);
    // 11 IBF timeouts of 5 s: the first failure and 10 recovery attempts.
    EXPECT_GE(run.took, Microseconds{55'000'000});
    EXPECT_LT(run.took, Microseconds{56'000'000});
    EXPECT_EQ(rig.sm.lastErrorReason(), "IBF not ready in time");
    EXPECT_TRUE(rig.port.requests.empty());

    // The controller comes back: the next request works.
    rig.model.setStalled(false);
    (void)runUntilDone(rig.sm);
    // Whatever the stall left in the model, recovery sorts it out.
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
}

TEST(KcsStateMachine, AttentionWhileIdleAndNotDuringATransfer)
{
    KcsRig rig;
    rig.port.setAttention(true);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Attn);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete); // not interrupted by SMS_ATN
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
    rig.port.setAttention(false);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Idle);
}

TEST(KcsStateMachine, DetectFailsOnAFloatingBus)
{
    class FloatingBus : public RegisterIo
    {
      public:
        std::uint8_t read(unsigned) override { return 0xFF; }
        void write(unsigned, std::uint8_t) override {}
        std::string describe() const override { return "nothing"; }
    } bus;
    KcsStateMachine sm(bus);
    EXPECT_FALSE(sm.detect());
}

TEST(KcsStateMachine, ReadStateThatNeverEndsIsCutOffAndHosed)
{
    // The request goes out, then the status sticks at read state with OBF:
    // the kernel drains such a BMC for ever; here the drain ends after the
    // longest answer any BMC sends and recovery gives up as usual.
    testing::ScriptedRegisters io({0x00, 0x41, 0x00});
    io.script(1, {0x00, 0x80, 0x80, 0x80});
    KcsStateMachine sm(io);
    ASSERT_EQ(sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(sm, {}, Microseconds{600'000'000}, 100'000);
    EXPECT_EQ(run.last, SmResult::Hosed);
    // Each recovery lets the still-flowing controller settle for 2 s.
    EXPECT_LT(run.took,
              (KcsStateMachine::kMaxErrorRetries + 1) * (KcsStateMachine::kError0ObfWait + Microseconds{1000}));
}

} // namespace
} // namespace ipmi::si
