// End to end through the embedded BMC: makeSimulatedSsif over the
// real sim::Bmc (its default identity, FRU and watchdog), on a FakeEventLoop.
#include "core/testing/fake_event_loop.hpp"
#include "daemon/backends/ssif_factory.hpp"
#include "sim/bmc.hpp"
#include "tests/unit/ssif/ssif_fixture.hpp"

#include <gtest/gtest.h>

namespace ipmi::ssif::testing {
namespace {

using namespace std::chrono_literals;

class SimulatedSsifTest : public ::testing::Test
{
  protected:
    SimulatedSsifTest()
        : config([] {
              auto c = sim::BmcConfig::defaults();
              c.systemInterface = sim::SystemInterfaceType::Ssif;
              return c;
          }()),
          bmc(config, loop.now()), ssif(daemon::makeSimulatedSsif(loop, bmc))
    {
        ssif->start(host);
        loop.advance(1ms);
    }

    core::testing::FakeEventLoop loop;
    sim::BmcConfig config;
    sim::Bmc bmc;
    std::unique_ptr<core::Interface> ssif;
    FakeHost host;
};

TEST_F(SimulatedSsifTest, GetDeviceId)
{
    EXPECT_TRUE(ssif->info().simulated);
    EXPECT_EQ(ssif->info().type, "ssif");
    ssif->send({0x18, 0x01});
    loop.advance(1ms);
    ASSERT_EQ(host.responses.size(), 1U);
    const auto& r = host.responses[0];
    const auto& id = config.identity;
    ASSERT_GE(r.size(), 15U);
    EXPECT_EQ(r[0], 0x1C);
    EXPECT_EQ(r[1], 0x01);
    EXPECT_EQ(r[2], 0x00);
    EXPECT_EQ(r[3], id.deviceId);
    EXPECT_EQ(r[7], id.ipmiVersion);
    EXPECT_EQ(r[9] | (r[10] << 8) | (r[11] << 16), static_cast<int>(id.manufacturerId));
}

TEST_F(SimulatedSsifTest, MultiPartFruRead)
{
    // Read FRU Data: device 0, offset 0, 100 bytes -> a 104-byte response.
    ssif->send({0x28, 0x11, 0x00, 0x00, 0x00, 100});
    loop.advance(1ms);
    ASSERT_EQ(host.responses.size(), 1U);
    const auto& r = host.responses[0];
    EXPECT_EQ(r[2], 0x00);
    EXPECT_EQ(r[3], 100);
    EXPECT_EQ(r.size(), 104U);
    EXPECT_EQ(r[4], 0x01) << "FRU common header format version";
}

TEST_F(SimulatedSsifTest, WatchdogPretimeoutReachesTheHost)
{
    // Set Watchdog Timer: SMS/OS use, pre-timeout interrupt NMI 1 s before a
    // 3 s countdown, no action; then Reset Watchdog Timer to start it.
    ssif->send({0x18, 0x24, 0x04, 0x20, 0x01, 0x00, 30, 0x00});
    loop.advance(1ms);
    ssif->send({0x18, 0x22});
    loop.advance(1ms);
    ASSERT_EQ(host.responses.size(), 2U);
    EXPECT_EQ(host.responses[0][2], 0x00);
    EXPECT_EQ(host.responses[1][2], 0x00);
    loop.advance(2500ms);
    EXPECT_EQ(host.pretimeouts, 1U) << "the BMC's alert made the driver fetch the flags";
}

} // namespace
} // namespace ipmi::ssif::testing
