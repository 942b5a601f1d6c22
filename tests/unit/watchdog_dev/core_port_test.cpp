// The watchdog bound to the real message handler: one in-process user per
// bound interface (counted against max_users), requests to the system
// interface, pre-timeouts delivered to the timer, ifnum_to_use, and the
// interface going away.
#include "abi/ipmi_commands.hpp"
#include "core/device_file.hpp"
#include "core/message_handler.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/scripted_interface.hpp"
#include "watchdog_dev/core_port.hpp"
#include "watchdog_dev/watchdog_device.hpp"
#include "watchdog_dev/watchdog_service.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <optional>
#include <vector>

namespace ipmi::watchdog {
namespace {

using Bytes = std::vector<std::uint8_t>;
using core::testing::ScriptedInterface;

// An interface whose BMC identifies itself and answers the watchdog
// commands with `cc`, at once.
std::unique_ptr<ScriptedInterface> watchdogBmc(std::uint8_t ipmiVersion = 0x02, ScriptedInterface** out = nullptr)
{
    auto iface = std::make_unique<ScriptedInterface>();
    core::testing::BmcIdentity identity;
    identity.ipmiVersion = ipmiVersion;
    iface->enableIdentity(identity);
    iface->setResponder([](const core::SmiBytes& req) -> std::optional<core::SmiBytes> {
        if (req.size() >= 2 && req[0] == (abi::IPMI_NETFN_APP_REQUEST << 2) &&
            (req[1] == abi::IPMI_SET_WATCHDOG_TIMER_CMD || req[1] == abi::IPMI_RESET_WATCHDOG_TIMER_CMD)) {
            return core::SmiBytes{static_cast<std::uint8_t>((abi::IPMI_NETFN_APP_REQUEST | 1) << 2), req[1], 0x00};
        }
        return std::nullopt;
    });
    if (out != nullptr) {
        *out = iface.get();
    }
    return iface;
}

// The watchdog requests an interface saw, as [netfn<<2][cmd][data...].
std::vector<Bytes> watchdogRequests(const ScriptedInterface& iface)
{
    std::vector<Bytes> out;
    for (const auto& r : iface.requests()) {
        if (r.size() >= 2 && r[0] == (abi::IPMI_NETFN_APP_REQUEST << 2) &&
            (r[1] == abi::IPMI_SET_WATCHDOG_TIMER_CMD || r[1] == abi::IPMI_RESET_WATCHDOG_TIMER_CMD)) {
            out.push_back(r);
        }
    }
    return out;
}

struct CoreRig
{
    explicit CoreRig(Parameters params = {}, core::MessageHandlerParams mh = {}) : handler(loop, mh), timer(params) {}

    core::testing::FakeEventLoop loop;
    core::MessageHandler handler;
    WatchdogTimer timer;
    WatchdogDevice device{timer};
    std::vector<std::pair<int, int>> bound;
    std::optional<CoreBinding> binding;

    void bind()
    {
        binding.emplace(handler, timer, [this](int ifnum, int rv) { bound.emplace_back(ifnum, rv); });
        loop.runPosted();
    }
    long keepalive()
    {
        std::optional<long> rv;
        device.ioctl(abi::WDIOC_KEEPALIVE, {}, [&rv](IoctlReply r) { rv = r.result; });
        loop.runPosted();
        return rv.value_or(-9999);
    }
};

TEST(WatchdogCorePort, BindsToTheFirstInterfaceAndStopsItsTimer)
{
    CoreRig rig;
    ScriptedInterface* iface = nullptr;
    const int ifnum = rig.handler.addInterface(watchdogBmc(0x02, &iface));
    rig.loop.runPosted();
    rig.bind();
    ASSERT_EQ(rig.bound, (std::vector<std::pair<int, int>>{{ifnum, 0}}));
    EXPECT_EQ(rig.binding->ifnum(), ifnum);
    EXPECT_EQ(rig.handler.userCount(ifnum), 1);
    const auto sent = watchdogRequests(*iface);
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0], (Bytes{0x18, 0x24, 0x04, 0x00, 0x00, 0x00, 0x64, 0x00}));

    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_EQ(rig.keepalive(), 0);
    const auto more = watchdogRequests(*iface);
    ASSERT_EQ(more.size(), 3U);
    EXPECT_EQ(more[1], (Bytes{0x18, 0x24, 0x44, 0x01, 0x00, 0x00, 0x64, 0x00}));
    EXPECT_EQ(more[2], (Bytes{0x18, 0x22}));
}

TEST(WatchdogCorePort, AnIpmi10BmcGetsNoDontStopBit)
{
    CoreRig rig;
    ScriptedInterface* iface = nullptr;
    rig.handler.addInterface(watchdogBmc(0x01, &iface));
    rig.loop.runPosted();
    rig.bind();
    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.keepalive(), 0);
    std::optional<long> rv;
    rig.device.ioctl(abi::WDIOC_SETTIMEOUT, encodeInt(20), [&rv](IoctlReply r) { rv = r.result; });
    rig.loop.runPosted();
    EXPECT_EQ(rv, 0);
    const auto sent = watchdogRequests(*iface);
    ASSERT_GE(sent.size(), 2U);
    EXPECT_EQ(sent[sent.size() - 2], (Bytes{0x18, 0x24, 0x04, 0x01, 0x00, 0x00, 0xC8, 0x00}));
    EXPECT_EQ(sent.back(), (Bytes{0x18, 0x22}));
}

TEST(WatchdogCorePort, IfnumToUsePicksTheInterface)
{
    Parameters params;
    params.ifnumToUse = 1;
    CoreRig rig(params);
    ScriptedInterface* first = nullptr;
    ScriptedInterface* second = nullptr;
    rig.handler.addInterface(watchdogBmc(0x02, &first));
    rig.loop.runPosted();
    rig.bind();
    EXPECT_TRUE(rig.bound.empty());
    EXPECT_FALSE(rig.binding->bound());
    rig.handler.addInterface(watchdogBmc(0x02, &second));
    rig.loop.runPosted();
    ASSERT_EQ(rig.bound, (std::vector<std::pair<int, int>>{{1, 0}}));
    EXPECT_TRUE(watchdogRequests(*first).empty());
    EXPECT_EQ(watchdogRequests(*second).size(), 1U);
}

TEST(WatchdogCorePort, TheWatchdogUserCountsAgainstMaxUsers)
{
    core::MessageHandlerParams mh;
    mh.maxUsers = 1;
    CoreRig rig({}, mh);
    const int ifnum = rig.handler.addInterface(watchdogBmc());
    rig.loop.runPosted();
    auto file = core::openDeviceFile(rig.handler, ifnum);
    ASSERT_TRUE(file);
    rig.bind();
    ASSERT_EQ(rig.bound, (std::vector<std::pair<int, int>>{{ifnum, -EBUSY}}));
    EXPECT_FALSE(rig.binding->bound());
    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_EQ(rig.keepalive(), -ENODEV);

    CoreRig other({}, mh);
    const int otherIf = other.handler.addInterface(watchdogBmc());
    other.loop.runPosted();
    other.bind();
    EXPECT_EQ(core::openDeviceFile(other.handler, otherIf).error, -EBUSY);
}

TEST(WatchdogCorePort, PretimeoutsReachTheDevice)
{
    Parameters params;
    params.pretimeout = 2;
    params.preaction = PreAction::Int;
    params.preop = PreOp::GiveData;
    CoreRig rig(params);
    ScriptedInterface* iface = nullptr;
    rig.handler.addInterface(watchdogBmc(0x02, &iface));
    rig.loop.runPosted();
    rig.bind();
    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.keepalive(), 0);
    EXPECT_FALSE(rig.device.readable());
    iface->pretimeout();
    rig.loop.runPosted();
    EXPECT_TRUE(rig.device.readable());
}

TEST(WatchdogCorePort, InterfaceRemovalUnbindsAndAnswersWaiters)
{
    CoreRig rig;
    const int ifnum = rig.handler.addInterface(watchdogBmc());
    rig.loop.runPosted();
    rig.bind();
    ASSERT_EQ(rig.device.open(), 0);
    ASSERT_EQ(rig.keepalive(), 0);
    rig.handler.removeInterface(ifnum);
    rig.loop.runPosted();
    EXPECT_FALSE(rig.binding->bound());
    EXPECT_EQ(rig.keepalive(), -ENODEV);
}

TEST(WatchdogService, CreatesTheDeviceOnlyOnceBoundAndReportsWhyNot)
{
    core::testing::FakeEventLoop loop;
    core::MessageHandler handler(loop, {});
    boost::asio::io_context io;
    WatchdogServiceOptions options;
    options.cuse.name = "watchdog0";
    options.cuse.devRoot = "/nonexistent-dev-for-wdt-test";
    options.cuse.cuseDevice = "/nonexistent-dev-for-wdt-test/cuse";
    std::vector<int> ready;
    WatchdogService service(io, handler, options, [&ready](int rv) { ready.push_back(rv); });
    loop.runPosted();
    EXPECT_TRUE(ready.empty()); // no interface yet: no IPMI user, no device
    EXPECT_FALSE(service.bound());

    ScriptedInterface* iface = nullptr;
    handler.addInterface(watchdogBmc(0x02, &iface));
    loop.runPosted();
    EXPECT_TRUE(service.bound());
    EXPECT_EQ(watchdogRequests(*iface).size(), 1U); // the registration-time stop
    EXPECT_EQ(ready, (std::vector<int>{-ENOENT}));  // then /dev/cuse is missing
}

TEST(WatchdogService, ReportsAFailedUser)
{
    core::testing::FakeEventLoop loop;
    core::MessageHandlerParams mh;
    mh.maxUsers = 1;
    core::MessageHandler handler(loop, mh);
    const int ifnum = handler.addInterface(watchdogBmc());
    loop.runPosted();
    auto file = core::openDeviceFile(handler, ifnum);
    ASSERT_TRUE(file);
    boost::asio::io_context io;
    std::vector<int> ready;
    WatchdogService service(io, handler, {}, [&ready](int rv) { ready.push_back(rv); });
    loop.runPosted();
    EXPECT_EQ(ready, (std::vector<int>{-EBUSY}));
}

} // namespace
} // namespace ipmi::watchdog
