// The SMIC state machine against the SMIC register model.
#include "daemon/backends/register_io_sim.hpp"
#include "si/smic_sm.hpp"
#include "sim/models/smic_model.hpp"
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

struct SmicRig
{
    FakeBmcPort port;
    sim::SmicBmcModel model{port};
    SimRegisterIo io{model, "sim smic"};
    SmicStateMachine sm{io};
};

TEST(SmicStateMachine, GetDeviceIdGoldenBytes)
{
    SmicRig rig;
    EXPECT_TRUE(rig.sm.detect());
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
    EXPECT_EQ(rig.port.requests.at(0), (sim::Bytes{0x18, 0x01}));
}

TEST(SmicStateMachine, EightyByteLimitBothWays)
{
    SmicRig rig;
    EXPECT_EQ(rig.sm.start(std::vector<std::uint8_t>(81, 0x18)), 0xC8);
    std::vector<std::uint8_t> request(80, 0x01);
    request[0] = 0x18;
    request[1] = 0x50;
    sim::Bytes response(80, 0x66);
    response[0] = 0x1C;
    response[1] = 0x50;
    response[2] = 0x00;
    rig.port.setAnswer(0x06, 0x50, response);
    ASSERT_EQ(rig.sm.start(request), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), response);

    response.resize(81, 0x66);
    rig.port.setAnswer(0x06, 0x50, response);
    ASSERT_EQ(rig.sm.start(request), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    const auto truncated = rig.sm.result();
    ASSERT_EQ(truncated.size(), 80U);
    EXPECT_EQ(truncated[2], 0xC6);
}

TEST(SmicStateMachine, StuckBusyIsHosedAfterThreeRetries)
{
    SmicRig rig;
    rig.model.setStalled(true);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(rig.sm);
    EXPECT_EQ(run.last, SmResult::Hosed);
    EXPECT_EQ(rig.sm.lastErrorReason(), "smic timed out");
    // The first try and 3 retries, 2 s each.
    EXPECT_GE(run.took, Microseconds{8'000'000});
    EXPECT_LT(run.took, Microseconds{8'100'000});
    rig.model.setStalled(false);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
}

TEST(SmicStateMachine, LostResponseIsRetriedFromGetStatus)
{
    SmicRig rig;
    rig.port.dropNext(1);
    ASSERT_EQ(rig.sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(rig.sm);
    EXPECT_EQ(run.last, SmResult::TransactionComplete);
    EXPECT_EQ(rig.sm.result(), kGetDeviceIdResponse);
    EXPECT_EQ(rig.port.requests.size(), 2U);
    EXPECT_GE(run.took, Microseconds{2'000'000});
}

TEST(SmicStateMachine, SmsDataAvailableIsAttention)
{
    SmicRig rig;
    rig.port.setAttention(true);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Attn);
    rig.port.setAttention(false);
    EXPECT_EQ(runUntilDone(rig.sm).last, SmResult::Idle);
}

TEST(SmicStateMachine, ReadThatNeverEndsIsCutOffAndHosed)
{
    // The request goes out and the read starts, then the SMIC keeps saying
    // RD_NEXT with data ready: the drain ends after the longest answer any
    // BMC sends, and recovery gives up after its retries.
    testing::ScriptedRegisters io({0x00, 0xC5, 0x80});
    io.script(2, {0x00, 0x00, 0x40, 0x00, 0x80, 0x80}); // flags
    io.script(1, {0x00, 0xC0, 0xC1, 0xC3, 0x00, 0xC4}); // status
    io.script(0, {0x00, 0x1C});                         // WR_END's error byte, the first byte read
    SmicStateMachine sm(io);
    ASSERT_EQ(sm.start(std::vector<std::uint8_t>{0x18, 0x01}), 0);
    const auto run = runUntilDone(sm, {}, Microseconds{600'000'000}, 100'000);
    EXPECT_EQ(run.last, SmResult::Hosed);
    EXPECT_LT(run.steps, (SmicStateMachine::kMaxErrorRetries + 1) * (ByteTransfer::kMaxAnswer + 100));
}

} // namespace
} // namespace ipmi::si
