// poweroff_powercycle: parsed as /proc's dointvec takes it, and persisted
// for the shutdown hook, which runs after the daemon is gone.
#include "daemon/poweroff_hook.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace ipmi::daemon {
namespace {

TEST(PowerCycleSettingTest, PersistsForTheHook)
{
    ipmi::testing::TempDir dir;
    const auto file = dir.path() / "run" / "poweroff_powercycle";
    EXPECT_FALSE(PowerCycleSetting::readPersisted(file));
    PowerCycleSetting setting(0, file);
    EXPECT_EQ(setting.get(), 0);
    EXPECT_FALSE(setting.set(1));
    EXPECT_EQ(setting.get(), 1);
    EXPECT_EQ(PowerCycleSetting::readPersisted(file), 1);
    EXPECT_FALSE(setting.set(0));
    EXPECT_EQ(PowerCycleSetting::readPersisted(file), 0);
    std::ofstream(file) << "garbage\n";
    EXPECT_FALSE(PowerCycleSetting::readPersisted(file));
}

TEST(PowerCycleSettingTest, ParsesLikeDointvec)
{
    EXPECT_EQ(PowerCycleSetting::parse("1"), 1);
    EXPECT_EQ(PowerCycleSetting::parse(" 0\n"), 0);
    EXPECT_EQ(PowerCycleSetting::parse("+5"), 5);
    EXPECT_EQ(PowerCycleSetting::parse("-1"), -1);
    EXPECT_FALSE(PowerCycleSetting::parse(""));
    EXPECT_FALSE(PowerCycleSetting::parse("yes"));
    EXPECT_FALSE(PowerCycleSetting::parse("1x"));
    PowerCycleSetting memoryOnly(3, {});
    EXPECT_FALSE(memoryOnly.set(0));
    EXPECT_EQ(memoryOnly.get(), 0);
}

TEST(PowerCycleSettingTest, UnwritableFileIsReportedButValueKept)
{
    PowerCycleSetting setting(0, "/proc/ipmi-cuse-no-such-dir/poweroff_powercycle");
    const auto error = setting.set(1);
    ASSERT_TRUE(error);
    EXPECT_NE(error->message, "");
    EXPECT_EQ(setting.get(), 1);
}

} // namespace
} // namespace ipmi::daemon
