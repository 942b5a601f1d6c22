// /proc/devices as the kernel prints it ("%3d %s" per registration, a
// "Character devices:" and a "Block devices:" section): who holds a major,
// and the refusal text that names them.
#include "cuse/cuse_session.hpp"
#include "cuse/kernel.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>

namespace ipmi::cuse {
namespace {

// Two CUSE devices share 120 (each registers under its own name); block
// major 120 and 254 must not count.
constexpr const char* kProcDevices = "Character devices:\n"
                                     "  1 mem\n"
                                     " 10 misc\n"
                                     "120 ipmi0\n"
                                     "120 watchdog\n"
                                     "240 foo bar\n"
                                     "254 gpiochip\n"
                                     "\n"
                                     "Block devices:\n"
                                     "120 blockthing\n"
                                     "254 mdp\n";

TEST(ProcDevices, HoldersOfACharMajorInOrder)
{
    EXPECT_EQ(charMajorHolders(kProcDevices, 120), (std::vector<std::string>{"ipmi0", "watchdog"}));
    EXPECT_EQ(charMajorHolders(kProcDevices, 240), std::vector<std::string>{"foo bar"});
    EXPECT_EQ(charMajorHolders(kProcDevices, 1), std::vector<std::string>{"mem"});
}

TEST(ProcDevices, BlockMajorsAndAbsentMajorsHoldNothing)
{
    EXPECT_TRUE(charMajorHolders(kProcDevices, 121).empty());
    EXPECT_EQ(charMajorHolders(kProcDevices, 254), std::vector<std::string>{"gpiochip"});
    EXPECT_TRUE(charMajorHolders("Block devices:\n120 blockthing\n", 120).empty());
    EXPECT_TRUE(charMajorHolders("", 120).empty());
    // Twelve is not 120, and a line without a name is no holder.
    EXPECT_TRUE(charMajorHolders("Character devices:\n 12 x\n120\n", 120).empty());
}

TEST(ProcDevices, ReadFromAFileOrNothing)
{
    ipmi::testing::TempDir dir;
    dir.write("devices", kProcDevices);
    EXPECT_EQ(readCharMajorHolders(dir.path() / "devices", 240), std::vector<std::string>{"foo bar"});
    EXPECT_EQ(readCharMajorHolders(dir.path() / "missing", 240), std::nullopt);
}

TEST(ProcDevices, TheRefusalNamesTheMajorAndItsHolders)
{
    EXPECT_EQ(describeMajorHolders(240, {"foo"}, "/proc/devices"),
              "major 240 is already used by 'foo' (/proc/devices)");
    EXPECT_EQ(describeMajorHolders(120, {"ipmi0", "watchdog"}, "/proc/devices"),
              "major 120 is already used by 'ipmi0', 'watchdog' (/proc/devices)");
    EXPECT_EQ(describeMajorHolders(121, {}, "/proc/devices"), "major 121 is free in /proc/devices");
}

TEST(ProcDevices, ASessionEndingBeforeRegistrationExplainsItsFixedNumber)
{
    ipmi::testing::TempDir dir;
    dir.write("devices", kProcDevices);
    CuseSessionOptions options;
    options.procDevices = dir.path() / "devices";
    EXPECT_EQ(fixedNumberRefusal(options), "");
    options.fixedNumber = DeviceNumber{240, 3};
    EXPECT_EQ(fixedNumberRefusal(options), "; the kernel refuses char 240:3 when that number is taken: major 240 is "
                                           "already used by 'foo bar' (" +
                                               options.procDevices.string() + ")");
    options.procDevices = dir.path() / "missing";
    EXPECT_EQ(fixedNumberRefusal(options), "; the kernel refuses char 240:3 when that number is taken: " +
                                               options.procDevices.string() + " cannot be read");
}

} // namespace
} // namespace ipmi::cuse
