// The BMC-facing rules: registration (stop, or start_now), run-time
// parameter changes, the shutdown verbs, and preop_panic.
#include "abi/ipmi_commands.hpp"
#include "tests/unit/watchdog_dev/rig.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace ipmi::watchdog::testing {
namespace {

constexpr std::uint8_t kSet = abi::IPMI_SET_WATCHDOG_TIMER_CMD;
constexpr std::uint8_t kReset = abi::IPMI_RESET_WATCHDOG_TIMER_CMD;

TEST(WatchdogTimer, RegistrationStopsATimerLeftRunning)
{
    Rig rig;
    EXPECT_EQ(rig.attach(), 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].netfn, 0x06);
    EXPECT_TRUE(rig.port.sent[0].highPriority);
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0x00, 100));
    EXPECT_EQ(rig.timer.state(), Action::None);
}

TEST(WatchdogTimer, RegistrationIgnoresTheSetCompletionCode)
{
    Rig rig;
    rig.port.ccScript[kSet] = {0xC1};
    EXPECT_EQ(rig.attach(), 0);
}

TEST(WatchdogTimer, StartNowStartsAtRegistrationOnce)
{
    Parameters params;
    params.startNow = true;
    params.action = Action::PowerCycle;
    params.timeout = 30;
    Rig rig(params);
    EXPECT_EQ(rig.attach(), 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet, kReset}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x03, 0x00, 300));
    EXPECT_EQ(rig.timer.state(), Action::PowerCycle);
    EXPECT_FALSE(rig.timer.params().startNow);

    // Registering again (the interface came back) stops it like a fresh load.
    rig.timer.detach();
    rig.port.sent.clear();
    EXPECT_EQ(rig.attach(), 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0x00, 300));
}

TEST(WatchdogTimer, RuntimeTimeoutChangeResendsTheSettings)
{
    Rig rig;
    rig.running();
    std::optional<int> rv;
    EXPECT_EQ(rig.timer.changeParameter("timeout", "20", [&rv](int r) { rv = r; }), std::nullopt);
    rig.loop.runPosted();
    EXPECT_EQ(rv, 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 0x00, 200));
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETTIMEOUT), 20);
}

TEST(WatchdogTimer, RuntimePreactionAndPretimeoutChanges)
{
    Rig rig;
    rig.running();
    auto change = [&rig](std::string_view name, std::string_view value) {
        std::optional<int> rv;
        EXPECT_EQ(rig.timer.changeParameter(name, value, [&rv](int r) { rv = r; }), std::nullopt);
        rig.loop.runPosted();
        EXPECT_EQ(rv, 0);
    };
    change("pretimeout", "5");
    change("preaction", "pre_smi");
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet, kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 5, 100));
    EXPECT_EQ(rig.port.sent[1].data, setBytes(0x44, 0x11, 5, 100));
    rig.port.sent.clear();
    change("preop", "preop_give_data");
    change("panic_wdt_timeout", "100");
    EXPECT_EQ(rig.port.commands(), (Bytes{kSet, kSet}));
}

TEST(WatchdogTimer, RuntimeActionChangeAppliesAtTheNextStart)
{
    Rig rig;
    rig.running();
    std::optional<int> rv;
    EXPECT_EQ(rig.timer.changeParameter("action", "power_off", [&rv](int r) { rv = r; }), std::nullopt);
    rig.loop.runPosted();
    EXPECT_EQ(rv, 0);
    // The kernel re-sends with the running state untouched.
    EXPECT_EQ(rig.port.sent.at(0).data, setBytes(0x44, 0x01, 0x00, 100));
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETOPTIONS, abi::WDIOS_ENABLECARD), 0);
    EXPECT_EQ(rig.port.sent.at(1).data, setBytes(0x44, 0x02, 0x00, 100));
}

TEST(WatchdogTimer, RuntimeChangesThatSendNothingOrAreRefused)
{
    Rig rig;
    rig.running();
    std::optional<int> rv;
    EXPECT_EQ(rig.timer.changeParameter("nowayout", "1", [&rv](int r) { rv = r; }), std::nullopt);
    EXPECT_EQ(rv, 0);
    EXPECT_TRUE(rig.timer.params().nowayout);

    int calls = 0;
    auto count = [&calls](int) { ++calls; };
    for (const auto& [name, value] :
         {std::pair{"timeout", "ten"}, std::pair{"timeout", "0"}, std::pair{"pretimeout", "256"},
          std::pair{"preaction", "pre_nmi"}, std::pair{"action", "explode"}, std::pair{"start_now", "1"},
          std::pair{"ifnum_to_use", "1"}, std::pair{"bogus", "1"}}) {
        const auto error = rig.timer.changeParameter(name, value, count);
        ASSERT_TRUE(error.has_value()) << name << "=" << value;
        EXPECT_NE(error->find(name), std::string::npos) << *error;
    }
    rig.loop.runPosted();
    EXPECT_EQ(calls, 0);
    EXPECT_TRUE(rig.port.sent.empty());
    EXPECT_EQ(rig.timer.params().timeout, 10);
}

TEST(WatchdogTimer, RebootWithTheTimerRunningLeavesAtLeast120sReset)
{
    Parameters params;
    params.action = Action::PowerCycle;
    params.pretimeout = 5;
    params.preaction = PreAction::Int;
    Rig rig(params);
    rig.running();
    std::optional<int> rv;
    rig.timer.systemShutdown(ShutdownVerb::Reboot, [&rv](int r) { rv = r; });
    rig.loop.runPosted();
    EXPECT_EQ(rv, 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 0x00, 1200));
    EXPECT_EQ(rig.timer.state(), Action::Reset);
    EXPECT_EQ(rig.timer.params().pretimeout, 0);

    // Handled once, as the kernel's notifier.
    rig.port.sent.clear();
    rig.timer.systemShutdown(ShutdownVerb::PowerOff, [&rv](int r) { rv = r; });
    rig.loop.runPosted();
    EXPECT_TRUE(rig.port.sent.empty());
}

TEST(WatchdogTimer, RebootKeepsALongerTimeoutAndKexecIsAReboot)
{
    Parameters params;
    params.timeout = 300;
    Rig rig(params);
    rig.running();
    rig.timer.systemShutdown(ShutdownVerb::Kexec, [](int) {});
    rig.loop.runPosted();
    ASSERT_EQ(rig.port.sent.size(), 1U);
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 0x00, 3000));
}

TEST(WatchdogTimer, RebootWithTheTimerStoppedSendsNothing)
{
    Rig rig;
    rig.ready();
    std::optional<int> rv;
    rig.timer.systemShutdown(ShutdownVerb::Reboot, [&rv](int r) { rv = r; });
    rig.loop.runPosted();
    EXPECT_EQ(rv, 0);
    EXPECT_TRUE(rig.port.sent.empty());
    EXPECT_EQ(rig.timer.state(), Action::None);
}

TEST(WatchdogTimer, PowerOffAndHaltStopTheTimer)
{
    for (const auto verb : {ShutdownVerb::PowerOff, ShutdownVerb::Halt}) {
        Rig rig;
        rig.running();
        std::optional<int> rv;
        rig.timer.systemShutdown(verb, [&rv](int r) { rv = r; });
        rig.loop.runPosted();
        EXPECT_EQ(rv, 0);
        ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
        EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0x00, 100));
        EXPECT_EQ(rig.timer.state(), Action::None);
    }
}

TEST(WatchdogTimer, ShutdownVerbsAsSystemdSpellsThem)
{
    EXPECT_EQ(parseShutdownVerb("reboot"), ShutdownVerb::Reboot);
    EXPECT_EQ(parseShutdownVerb("reboot.target"), ShutdownVerb::Reboot);
    EXPECT_EQ(parseShutdownVerb("kexec"), ShutdownVerb::Kexec);
    EXPECT_EQ(parseShutdownVerb("poweroff"), ShutdownVerb::PowerOff);
    EXPECT_EQ(parseShutdownVerb("poweroff.target"), ShutdownVerb::PowerOff);
    EXPECT_EQ(parseShutdownVerb("halt"), ShutdownVerb::Halt);
    EXPECT_EQ(parseShutdownVerb("exit"), std::nullopt);
    EXPECT_EQ(parseShutdownVerb(""), std::nullopt);
}

TEST(WatchdogTimer, PreopPanicExtendsToPanicTimeoutAndStopsHeartbeats)
{
    Parameters params;
    params.pretimeout = 5;
    params.preaction = PreAction::Int;
    params.preop = PreOp::Panic;
    Rig rig(params);
    rig.running();
    int panics = 0;
    rig.timer.setPanicListener([&panics] { ++panics; });
    rig.timer.pretimeout();
    rig.loop.runPosted();
    EXPECT_EQ(panics, 1);
    EXPECT_TRUE(rig.timer.panicked());
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 0x00, 2550));
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETTIMEOUT), 255);

    rig.port.sent.clear();
    rig.timer.pretimeout(); // only one panic
    EXPECT_EQ(panics, 1);
    EXPECT_EQ(rig.write("V"), -EIO);
    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, -EIO);
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETTIMEOUT, 10), -EIO);
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETTIMEOUT), 255);
    rig.release(); // the magic close cannot stop a dead system's timer
    EXPECT_TRUE(rig.port.sent.empty());
    EXPECT_EQ(rig.timer.state(), Action::Reset);

    // An orderly power-off still stops it.
    rig.timer.systemShutdown(ShutdownVerb::PowerOff, [](int) {});
    rig.loop.runPosted();
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0x00, 2550));
}

TEST(WatchdogTimer, PreopPanicNeedsAPreaction)
{
    Parameters params;
    params.preop = PreOp::Panic;
    Rig rig(params);
    rig.running();
    rig.timer.pretimeout();
    rig.loop.runPosted();
    EXPECT_FALSE(rig.timer.panicked());
    EXPECT_TRUE(rig.port.sent.empty());
}

} // namespace
} // namespace ipmi::watchdog::testing
