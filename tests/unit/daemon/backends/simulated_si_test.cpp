// makeSimulatedSi end to end: the embedded BMC behind each register
// model, driven from FakeEventLoop timers, as the daemon's --sim backend.
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/recording_host.hpp"
#include "daemon/backends/si_factory.hpp"
#include "sim/bmc.hpp"

#include <gtest/gtest.h>

namespace ipmi::si {
namespace {

using core::SmiBytes;

using core::testing::RecordingHost;

class SimulatedInterface : public ::testing::TestWithParam<SiType>
{};

TEST_P(SimulatedInterface, GetDeviceIdGoldenBytesThroughTheRegisters)
{
    core::testing::FakeEventLoop loop;
    sim::Bmc bmc(sim::BmcConfig::defaults(), loop.now());
    auto interface = daemon::makeSimulatedSi(loop, bmc, GetParam());
    EXPECT_TRUE(interface->info().simulated);
    EXPECT_EQ(interface->info().type, toString(GetParam()));
    RecordingHost host;
    interface->start(host);
    loop.advance(std::chrono::milliseconds(50));
    interface->send({0x18, 0x01});
    loop.advance(std::chrono::milliseconds(50));
    ASSERT_EQ(host.responses.size(), 1U);
    // The built-in BMC: device 0x20 rev 1, firmware 1.00, IPMI 2.0, support
    // 0xBF, manufacturer 32473, product 1, aux 0.
    const SmiBytes expected = {0x1C, 0x01, 0x00, 0x20, 0x01, 0x01, 0x00, 0x02, 0xBF,
                               0xD9, 0x7E, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    EXPECT_EQ(host.responses[0], expected);
    interface->shutdown();
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SimulatedInterface, ::testing::Values(SiType::Kcs, SiType::Bt, SiType::Smic),
                         [](const auto& param) { return std::string(toString(param.param)); });

} // namespace
} // namespace ipmi::si
