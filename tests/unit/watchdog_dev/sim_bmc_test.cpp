// The watchdog against the real simulated BMC (sim::Bmc) on a fake clock:
// the BMC's own timer decides whether the host gets reset, so these check
// the effect of our byte sequences, not just the bytes.
#include "abi/ipmi_commands.hpp"
#include "sim/bmc.hpp"
#include "sim/config.hpp"
#include "tests/unit/watchdog_dev/rig.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace ipmi::watchdog::testing {
namespace {

using namespace std::chrono_literals;

// The WatchdogIpmiPort over a sim::Bmc, in the system-interface framing;
// answers arrive through the loop, like the message handler's. It also does
// what the SI policy does for the watchdog: when the BMC raises attention,
// read the message flags and report a pre-timeout.
class SimPort : public WatchdogIpmiPort
{
  public:
    SimPort(sim::Bmc& bmc, core::testing::FakeEventLoop& loop) : bmc_(bmc), loop_(loop) {}

    int send(std::uint8_t netfn, std::uint8_t cmd, std::span<const std::uint8_t> data, bool /*highPriority*/,
             ResponseHandler onResponse) override
    {
        Bytes request{static_cast<std::uint8_t>(netfn << 2), cmd};
        request.insert(request.end(), data.begin(), data.end());
        bmc_.handleRequest(request, [this, fn = std::move(onResponse)](sim::Bytes response) {
            loop_.post([fn, response] { fn(std::span<const std::uint8_t>(response).subspan(2)); });
        });
        return 0;
    }

    [[nodiscard]] std::optional<IpmiVersion> ipmiVersion() const override
    {
        const auto id = call(abi::IPMI_NETFN_APP_REQUEST, 0x01);
        if (id.size() < 6 || id[0] != 0) {
            return std::nullopt;
        }
        return IpmiVersion{static_cast<std::uint8_t>(id[5] & 0x0FU), static_cast<std::uint8_t>(id[5] >> 4)};
    }

    // A synchronous call for the test's own inspection: [cc][data...].
    [[nodiscard]] Bytes call(std::uint8_t netfn, std::uint8_t cmd, const Bytes& data = {}) const
    {
        Bytes request{static_cast<std::uint8_t>(netfn << 2), cmd};
        request.insert(request.end(), data.begin(), data.end());
        Bytes out;
        bmc_.handleRequest(request, [&out](sim::Bytes r) { out.assign(r.begin() + 2, r.end()); });
        return out;
    }

    void pollFlags(WatchdogTimer& timer)
    {
        if (!bmc_.attention()) {
            return;
        }
        const auto flags = call(abi::IPMI_NETFN_APP_REQUEST, 0x31); // Get Message Flags
        if (flags.size() >= 2 && flags[0] == 0 && (flags[1] & 0x08) != 0) {
            (void)call(abi::IPMI_NETFN_APP_REQUEST, 0x30, {0x08}); // Clear Message Flags: pre-timeout
            timer.pretimeout();
        }
    }

  private:
    sim::Bmc& bmc_;
    core::testing::FakeEventLoop& loop_;
};

struct SimRig
{
    explicit SimRig(Parameters params = {}) : timer(params) {}

    void attach()
    {
        std::optional<int> rv;
        timer.attach(port, [&rv](int r) { rv = r; });
        loop.runPosted();
        ASSERT_EQ(rv, 0);
    }
    // Moves time in 100 ms steps, letting the BMC count and flag.
    void advance(std::chrono::milliseconds d)
    {
        for (auto left = d; left > 0ms; left -= 100ms) {
            loop.advance(100ms);
            bmc.advance(loop.now());
            port.pollFlags(timer);
            loop.runPosted();
        }
    }
    long keepalive()
    {
        std::optional<long> rv;
        device.ioctl(abi::WDIOC_KEEPALIVE, {}, [&rv](IoctlReply r) { rv = r.result; });
        loop.runPosted();
        return rv.value_or(-9999);
    }
    long write(std::string_view text)
    {
        std::optional<long> rv;
        const Bytes data(text.begin(), text.end());
        device.write(data, [&rv](long r) { rv = r; });
        loop.runPosted();
        return rv.value_or(-9999);
    }
    void release()
    {
        device.release([] {});
        loop.runPosted();
    }
    // Get Watchdog Timer: [cc][use|running][actions][pre][flags][init lo][hi][present lo][hi].
    [[nodiscard]] Bytes get() const { return port.call(abi::IPMI_NETFN_APP_REQUEST, 0x25); }
    [[nodiscard]] bool bmcRunning() const { return (get().at(1) & 0x40) != 0; }

    core::testing::FakeEventLoop loop;
    sim::Bmc bmc{sim::BmcConfig::defaults(), loop.now()};
    SimPort port{bmc, loop};
    WatchdogTimer timer;
    WatchdogDevice device{timer};
};

TEST(WatchdogOnSimBmc, RegistrationStopsATimerTheBiosLeftRunning)
{
    SimRig rig;
    ASSERT_EQ(rig.port.call(abi::IPMI_NETFN_APP_REQUEST, 0x24, {0x04, 0x01, 0x00, 0x00, 50, 0x00}).at(0), 0);
    ASSERT_EQ(rig.port.call(abi::IPMI_NETFN_APP_REQUEST, 0x22).at(0), 0);
    ASSERT_TRUE(rig.bmcRunning());
    rig.attach();
    EXPECT_FALSE(rig.bmcRunning());
    rig.advance(10s);
    EXPECT_EQ(rig.bmc.chassisResets(), 0U);
}

TEST(WatchdogOnSimBmc, KeepalivesHoldTheResetOffUntilTheyStop)
{
    SimRig rig;
    rig.attach();
    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_FALSE(rig.bmcRunning()); // open alone does not start it
    ASSERT_EQ(rig.keepalive(), 0);
    EXPECT_TRUE(rig.bmcRunning());
    for (int i = 0; i < 4; ++i) {
        rig.advance(8s);
        ASSERT_EQ(rig.keepalive(), 0);
    }
    EXPECT_EQ(rig.bmc.chassisResets(), 0U);
    rig.advance(9900ms);
    EXPECT_EQ(rig.bmc.chassisResets(), 0U);
    rig.advance(200ms);
    EXPECT_EQ(rig.bmc.chassisResets(), 1U);
}

TEST(WatchdogOnSimBmc, MagicCloseStopsAndUnexpectedCloseDoesNot)
{
    SimRig rig;
    rig.attach();
    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.write("V"), 1);
    rig.release();
    EXPECT_FALSE(rig.bmcRunning());
    rig.advance(20s);
    EXPECT_EQ(rig.bmc.chassisResets(), 0U);

    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.write("x"), 1);
    rig.release();
    EXPECT_TRUE(rig.bmcRunning());
    rig.advance(11s);
    EXPECT_EQ(rig.bmc.chassisResets(), 1U);
}

TEST(WatchdogOnSimBmc, PretimeoutGivesDataAndTheNextHeartbeatReArms)
{
    Parameters params;
    params.pretimeout = 3;
    params.preaction = PreAction::Int;
    params.preop = PreOp::GiveData;
    SimRig rig(params);
    rig.attach();
    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.keepalive(), 0);
    EXPECT_EQ(rig.get().at(2), 0x31);
    EXPECT_EQ(rig.get().at(3), 3);
    rig.advance(6900ms);
    EXPECT_FALSE(rig.device.readable());
    rig.advance(200ms);
    EXPECT_TRUE(rig.device.readable());
    std::optional<long> rv;
    rig.device.read(1, true, [&rv](long r) { rv = r; });
    EXPECT_EQ(rv, 1);

    ASSERT_EQ(rig.keepalive(), 0); // a Set with "don't stop" re-arms the countdown
    rig.advance(9s);
    EXPECT_EQ(rig.bmc.chassisResets(), 0U);
    EXPECT_TRUE(rig.device.readable()); // a second pre-timeout came at 7 s
}

TEST(WatchdogOnSimBmc, BmcColdResetIsRepairedByTheNextHeartbeat)
{
    SimRig rig;
    rig.attach();
    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.keepalive(), 0);
    ASSERT_EQ(rig.port.call(abi::IPMI_NETFN_APP_REQUEST, 0x02).at(0), 0); // Cold Reset: settings lost
    rig.bmc.advance(rig.loop.now());                                      // it takes effect after answering
    EXPECT_EQ(rig.port.call(abi::IPMI_NETFN_APP_REQUEST, 0x22).at(0), abi::IPMI_WATCHDOG_NOT_INITIALIZED_ERR);
    EXPECT_EQ(rig.keepalive(), 0);
    EXPECT_TRUE(rig.bmcRunning());
    const auto timer = rig.get();
    EXPECT_EQ(timer.at(2), 0x01);
    EXPECT_EQ(timer.at(5), 100);
}

TEST(WatchdogOnSimBmc, SetTimeoutAndShutdownVerbsReachTheBmc)
{
    SimRig rig;
    rig.attach();
    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.keepalive(), 0);
    std::optional<long> rv;
    rig.device.ioctl(abi::WDIOC_SETTIMEOUT, encodeInt(20), [&rv](IoctlReply r) { rv = r.result; });
    rig.loop.runPosted();
    EXPECT_EQ(rv, 0);
    EXPECT_EQ(rig.get().at(5), 200);
    EXPECT_TRUE(rig.bmcRunning());

    rig.timer.systemShutdown(ShutdownVerb::Reboot, [](int) {});
    rig.loop.runPosted();
    auto timer = rig.get();
    EXPECT_EQ(timer.at(5) | (timer.at(6) << 8), 1200);
    EXPECT_EQ(timer.at(2), 0x01);
    EXPECT_TRUE(rig.bmcRunning());
    rig.advance(119s);
    EXPECT_EQ(rig.bmc.chassisResets(), 0U);
    rig.advance(2s);
    EXPECT_EQ(rig.bmc.chassisResets(), 1U);
}

TEST(WatchdogOnSimBmc, PowerOffStopsTheBmcTimer)
{
    SimRig rig;
    rig.attach();
    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.keepalive(), 0);
    rig.timer.systemShutdown(ShutdownVerb::PowerOff, [](int) {});
    rig.loop.runPosted();
    EXPECT_FALSE(rig.bmcRunning());
    rig.advance(30s);
    EXPECT_EQ(rig.bmc.chassisResets(), 0U);
}

} // namespace
} // namespace ipmi::watchdog::testing
