// The watchdog parameters: kernel names, defaults and spellings, and the
// values we refuse (with a message naming the parameter) where the kernel
// would silently accept them.
#include "watchdog_dev/parameters.hpp"

#include <gtest/gtest.h>

namespace ipmi::watchdog {
namespace {

TEST(WatchdogParameters, KernelDefaults)
{
    const Parameters p;
    EXPECT_EQ(formatParameter(p, "timeout"), "10");
    EXPECT_EQ(formatParameter(p, "pretimeout"), "0");
    EXPECT_EQ(formatParameter(p, "panic_wdt_timeout"), "255");
    EXPECT_EQ(formatParameter(p, "action"), "reset");
    EXPECT_EQ(formatParameter(p, "preaction"), "pre_none");
    EXPECT_EQ(formatParameter(p, "preop"), "preop_none");
    EXPECT_EQ(formatParameter(p, "start_now"), "0");
    EXPECT_EQ(formatParameter(p, "nowayout"), "N");
    EXPECT_EQ(formatParameter(p, "ifnum_to_use"), "-1");
    EXPECT_EQ(formatParameter(p, "nonsense"), std::nullopt);
}

TEST(WatchdogParameters, AcceptsEveryKernelSpelling)
{
    Parameters p;
    const auto ok = [&p](std::string_view name, std::string_view value) {
        const auto error = applyParameter(p, name, value, ParameterTime::Startup);
        EXPECT_EQ(error, std::nullopt) << error.value_or("");
    };
    ok("action", "power_cycle");
    EXPECT_EQ(p.action, Action::PowerCycle);
    ok("action", "power_off");
    EXPECT_EQ(p.action, Action::PowerOff);
    ok("action", "none");
    EXPECT_EQ(p.action, Action::None);
    ok("action", " reset\n"); // strstrip
    EXPECT_EQ(p.action, Action::Reset);
    ok("preaction", "pre_smi");
    EXPECT_EQ(p.preaction, PreAction::Smi);
    ok("preaction", "pre_int");
    EXPECT_EQ(p.preaction, PreAction::Int);
    ok("preaction", "pre_none");
    EXPECT_EQ(p.preaction, PreAction::None);
    ok("preop", "preop_panic");
    EXPECT_EQ(p.preop, PreOp::Panic);
    ok("preop", "preop_give_data");
    EXPECT_EQ(p.preop, PreOp::GiveData);
    ok("preop", "preop_none");
    EXPECT_EQ(p.preop, PreOp::None);
    ok("timeout", "0x1e");
    EXPECT_EQ(p.timeout, 30);
    ok("timeout", "6553");
    EXPECT_EQ(p.timeout, 6553);
    ok("pretimeout", "255");
    EXPECT_EQ(p.pretimeout, 255);
    ok("panic_wdt_timeout", "120");
    EXPECT_EQ(p.panicWdtTimeout, 120);
    ok("start_now", "1");
    EXPECT_TRUE(p.startNow);
    ok("nowayout", "Y");
    EXPECT_TRUE(p.nowayout);
    ok("nowayout", "off");
    EXPECT_FALSE(p.nowayout);
    ok("ifnum_to_use", "2");
    EXPECT_EQ(p.ifnumToUse, 2);
    EXPECT_EQ(formatParameter(p, "ifnum_to_use"), "2");
}

TEST(WatchdogParameters, RefusesWhatTheKernelWouldMangle)
{
    Parameters p;
    const Parameters before = p;
    const auto refused = [&p](std::string_view name, std::string_view value, std::string_view mentions) {
        const auto error = applyParameter(p, name, value, ParameterTime::Startup);
        ASSERT_TRUE(error.has_value()) << name << "=" << value;
        EXPECT_NE(error->find(name), std::string::npos) << *error;
        EXPECT_NE(error->find(mentions), std::string::npos) << *error;
    };
    refused("timeout", "6554", "1..6553");
    refused("timeout", "0", "1..6553");
    refused("timeout", "-3", "1..6553");
    refused("timeout", "10s", "not an integer");
    refused("pretimeout", "256", "0..255");
    refused("panic_wdt_timeout", "70000", "1..6553");
    refused("action", "reboot", "power_cycle");
    refused("preaction", "pre_nmi", "userspace");
    refused("preaction", "pre_bogus", "pre_int");
    refused("preop", "panic", "preop_give_data");
    refused("nowayout", "maybe", "boolean");
    refused("ifnum_to_use", "-2", "-1");
    EXPECT_EQ(p.timeout, before.timeout);
    EXPECT_EQ(p.pretimeout, before.pretimeout);
    EXPECT_EQ(p.action, before.action);
    EXPECT_EQ(p.preaction, before.preaction);
    const auto unknown = applyParameter(p, "timout", "5", ParameterTime::Startup);
    ASSERT_TRUE(unknown.has_value());
    EXPECT_NE(unknown->find("timout"), std::string::npos);
}

TEST(WatchdogParameters, StartupOnlyParametersAtRunTime)
{
    Parameters p;
    EXPECT_TRUE(applyParameter(p, "start_now", "1", ParameterTime::Runtime).has_value());
    EXPECT_TRUE(applyParameter(p, "ifnum_to_use", "0", ParameterTime::Runtime).has_value());
    EXPECT_FALSE(p.startNow);
    EXPECT_EQ(p.ifnumToUse, -1);
    EXPECT_EQ(applyParameter(p, "nowayout", "1", ParameterTime::Runtime), std::nullopt);
}

TEST(WatchdogParameters, WhichChangesResendTheTimer)
{
    for (const auto* name : {"timeout", "pretimeout", "panic_wdt_timeout", "action", "preaction", "preop"}) {
        EXPECT_TRUE(parameterResendsTimer(name)) << name;
    }
    for (const auto* name : {"nowayout", "start_now", "ifnum_to_use"}) {
        EXPECT_FALSE(parameterResendsTimer(name)) << name;
    }
}

} // namespace
} // namespace ipmi::watchdog
