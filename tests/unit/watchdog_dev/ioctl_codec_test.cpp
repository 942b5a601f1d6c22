// WDIOC marshalling: the user memory each command reads and writes, and the
// encodings, checked against the system's <linux/watchdog.h> numbers.
#include "watchdog_dev/ioctl_codec.hpp"

#include <gtest/gtest.h>
#include <linux/watchdog.h>

#include <cstring>

namespace ipmi::watchdog {
namespace {

TEST(WatchdogIoctlCodec, ShapesOfTheHandledCommands)
{
    struct Row
    {
        unsigned long cmd;
        std::size_t in;
        std::size_t out;
    };
    for (const Row row : {Row{WDIOC_GETSUPPORT, 0, 40}, Row{WDIOC_GETSTATUS, 0, 4}, Row{WDIOC_GETTIMEOUT, 0, 4},
                          Row{WDIOC_GETPRETIMEOUT, 0, 4}, Row{WDIOC_SETTIMEOUT, 4, 0}, Row{WDIOC_SETPRETIMEOUT, 4, 0},
                          Row{WDIOC_SETOPTIONS, 4, 0}, Row{WDIOC_KEEPALIVE, 0, 0}}) {
        const auto shape = ioctlShape(static_cast<std::uint32_t>(row.cmd));
        ASSERT_TRUE(shape.has_value()) << std::hex << row.cmd;
        EXPECT_EQ(shape->in, row.in) << std::hex << row.cmd;
        EXPECT_EQ(shape->out, row.out) << std::hex << row.cmd;
    }
}

TEST(WatchdogIoctlCodec, UnsupportedCommandsHaveNoShape)
{
    for (const unsigned long cmd :
         {WDIOC_GETBOOTSTATUS, WDIOC_GETTEMP, WDIOC_GETTIMELEFT, WDIOC_SETPRETIMEOUT + 0x10000UL, 0UL}) {
        EXPECT_FALSE(ioctlShape(static_cast<std::uint32_t>(cmd)).has_value()) << std::hex << cmd;
    }
}

TEST(WatchdogIoctlCodec, UnrestrictedIoctlPlan)
{
    const auto cmd = [](unsigned long c) { return static_cast<std::uint32_t>(c); };
    // The first call brings no user memory: ask for it.
    EXPECT_EQ(planIoctl(cmd(WDIOC_SETTIMEOUT), 0, 0), IoctlStep::Retry);
    EXPECT_EQ(planIoctl(cmd(WDIOC_SETTIMEOUT), 4, 0), IoctlStep::Run);
    EXPECT_EQ(planIoctl(cmd(WDIOC_SETOPTIONS), 0, 4), IoctlStep::Retry);
    EXPECT_EQ(planIoctl(cmd(WDIOC_SETOPTIONS), 4, 0), IoctlStep::Run);
    EXPECT_EQ(planIoctl(cmd(WDIOC_GETSUPPORT), 0, 39), IoctlStep::Retry);
    EXPECT_EQ(planIoctl(cmd(WDIOC_GETSUPPORT), 0, 40), IoctlStep::Run);
    EXPECT_EQ(planIoctl(cmd(WDIOC_GETTIMEOUT), 0, 0), IoctlStep::Retry);
    EXPECT_EQ(planIoctl(cmd(WDIOC_KEEPALIVE), 0, 0), IoctlStep::Run);
    EXPECT_EQ(planIoctl(cmd(WDIOC_GETTIMELEFT), 0, 0), IoctlStep::Unsupported);
    EXPECT_EQ(planIoctl(cmd(WDIOC_GETBOOTSTATUS), 4, 4), IoctlStep::Unsupported);
}

TEST(WatchdogIoctlCodec, IntAndInfoEncodings)
{
    EXPECT_EQ(decodeInt(encodeInt(-7)), -7);
    EXPECT_EQ(decodeInt(encodeInt(0x12345678)), 0x12345678);
    const std::vector<std::uint8_t> shortBuf{1, 2, 3};
    EXPECT_EQ(decodeInt(shortBuf), std::nullopt);

    const auto info = encodeWatchdogInfo();
    ASSERT_EQ(info.size(), sizeof(struct watchdog_info));
    struct watchdog_info sys
    {};
    std::memcpy(&sys, info.data(), sizeof sys);
    EXPECT_EQ(sys.options, 0U);
    EXPECT_EQ(sys.firmware_version, 1U);
    EXPECT_STREQ(reinterpret_cast<const char*>(sys.identity), "IPMI");
    for (std::size_t i = 4; i < sizeof sys.identity; ++i) {
        EXPECT_EQ(sys.identity[i], 0) << i;
    }
}

} // namespace
} // namespace ipmi::watchdog
