// The services against the real embedded BMC behind its KCS register model
// (si::makeSimulatedInterface), on a FakeEventLoop: the shutdown hook's
// power-off changes the simulated chassis power state, a refused power
// cycle falls back to power down, and panic events land with cc 0.
#include "core/services/panic_events.hpp"
#include "core/services/poweroff_run.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "daemon/backends/si_factory.hpp"
#include "sim/bmc.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace ipmi::core::services::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class SimBmcTest : public ::testing::TestWithParam<si::SiType>
{
  protected:
    static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }

    PowerOffOutcome powerOff(int cycle)
    {
        PowerOffHookOptions options;
        options.powerCycle = cycle;
        options.timeLimit = seconds(10);
        return runPowerOff(
            loop, [this](Clock::duration d) { loop.advance(std::min<Clock::duration>(d, milliseconds(5))); },
            daemon::makeSimulatedSi(loop, bmc, GetParam()), options);
    }

    core::testing::FakeEventLoop loop;
    sim::Bmc bmc{sim::BmcConfig::defaults(), loop.now()};
};

TEST_P(SimBmcTest, ShutdownHookPowersTheChassisDown)
{
    ASSERT_TRUE(bmc.chassisPowerOn());
    const auto out = powerOff(0);
    EXPECT_EQ(out.method, PowerOffMethod::Chassis) << out.problem.value_or(""); // support byte 0xBF has the chassis bit
    EXPECT_TRUE(out.commanded) << out.problem.value_or("");
    EXPECT_FALSE(out.powerCycled);
    EXPECT_FALSE(bmc.chassisPowerOn());
}

TEST_P(SimBmcTest, PowerCycleTurnsThePowerBackOnLater)
{
    const auto out = powerOff(1);
    EXPECT_TRUE(out.commanded) << out.problem.value_or("");
    EXPECT_TRUE(out.powerCycled);
    EXPECT_FALSE(bmc.chassisPowerOn());
    bmc.advance(loop.now() + seconds(60));
    EXPECT_TRUE(bmc.chassisPowerOn());
}

TEST_P(SimBmcTest, RefusedPowerCycleFallsBackToPowerDown)
{
    ASSERT_TRUE(powerOff(0).commanded);
    ASSERT_FALSE(bmc.chassisPowerOn());
    // Powered off: the BMC refuses a cycle (0xD5, not in present state).
    const auto out = powerOff(1);
    EXPECT_TRUE(out.commanded) << out.problem.value_or("");
    EXPECT_FALSE(out.powerCycled);
    ASSERT_EQ(out.steps.size(), 2U);
    EXPECT_EQ(out.steps[0].data, (std::vector<std::uint8_t>{0x02}));
    EXPECT_EQ(out.steps[0].cc, 0xD5);
    EXPECT_EQ(out.steps[1].data, (std::vector<std::uint8_t>{0x00}));
    EXPECT_EQ(out.steps[1].cc, 0x00);
    EXPECT_FALSE(bmc.chassisPowerOn());
}

TEST_P(SimBmcTest, PanicEventAndStringRecordsAreAccepted)
{
    MessageHandler mh(loop, MessageHandlerParams{});
    mh.addInterface(daemon::makeSimulatedSi(loop, bmc, GetParam()));
    loop.advance(milliseconds(500));
    ASSERT_EQ(mh.interfaces().size(), 1U);
    std::optional<PanicReport> out;
    {
        PanicEvents pe(mh, PanicOp::String);
        pe.report("Kernel panic test string", [&out](PanicReport r) { out = std::move(r); });
        for (int i = 0; i < 400 && !out; ++i) {
            loop.advance(milliseconds(5));
        }
    }
    ASSERT_TRUE(out);
    ASSERT_EQ(out->interfaces.size(), 1U);
    EXPECT_EQ(out->interfaces[0].eventCc, 0x00);
    // The built-in BMC is its own event receiver (0x20 = us) and a SEL
    // device: the string goes to the local SEL, 24 bytes in 3 records.
    EXPECT_EQ(out->interfaces[0].target.kind, PanicStringTarget::Kind::LocalSel);
    EXPECT_EQ(out->interfaces[0].stringRecords, 3);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SimBmcTest, ::testing::Values(si::SiType::Kcs, si::SiType::Bt, si::SiType::Smic),
                         [](const auto& param) { return std::string(si::toString(param.param)); });

} // namespace
} // namespace ipmi::core::services::testing
