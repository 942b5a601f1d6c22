// Fixed device numbers: the minor scheme, its collisions, and the check of
// /proc/devices before start (a fixture file stands for it): a foreign
// holder is refused by name at once, a previous instance of ours is waited
// for.

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// vector relocation at -O2; the pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "daemon/device_numbers.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace ipmi::daemon {
namespace {

using namespace std::chrono_literals;
using ipmi::testing::TempDir;

DeviceConfig fixed(unsigned major)
{
    DeviceConfig device;
    device.major = major;
    return device;
}

TEST(DeviceNumbers, DynamicByDefault)
{
    const DeviceConfig device;
    EXPECT_EQ(nodeNumber(device, 0), std::nullopt);
    EXPECT_EQ(watchdogNumber(device), std::nullopt);
    EXPECT_EQ(nodeNumberProblem(device, 4000), std::nullopt);
}

TEST(DeviceNumbers, InterfaceNGetsMinorNFurtherNodesAFollowingBlock)
{
    const auto device = fixed(120);
    EXPECT_EQ(nodeNumber(device, 0), (cuse::DeviceNumber{120, 0}));
    EXPECT_EQ(nodeNumber(device, 3), (cuse::DeviceNumber{120, 3}));
    EXPECT_EQ(nodeNumber(device, 0, 1), (cuse::DeviceNumber{120, 256}));
    EXPECT_EQ(nodeNumber(device, 2, 2), (cuse::DeviceNumber{120, 514}));
    EXPECT_EQ(watchdogNumber(device), (cuse::DeviceNumber{120, 130}));
}

TEST(DeviceNumbers, CollisionsAndInterfacesBeyondTheBlockAreNamed)
{
    auto device = fixed(120);
    EXPECT_EQ(nodeNumberProblem(device, 129), std::nullopt);
    EXPECT_EQ(nodeNumberProblem(device, 130),
              "/dev/ipmi130 would get char 120:130, the watchdog's number (choose another [device] watchdog_minor)");
    EXPECT_EQ(nodeNumberProblem(device, 256),
              "interface 256 has no fixed number: under [device] major = 120 interfaces are numbered 0..255 "
              "(minor N for /dev/ipmiN)");
    device.watchdogName.clear(); // no watchdog device: its minor is free
    EXPECT_EQ(nodeNumberProblem(device, 130), std::nullopt);
    device.watchdogName = "watchdog";
    device.watchdogMinor = 256 + 1;
    EXPECT_EQ(nodeNumberProblem(device, 1, 1),
              "/dev/ipmi1 would get char 120:257, the watchdog's number (choose another [device] watchdog_minor)");
}

TEST(DeviceNumbers, AForeignHolderIsRefusedByNameAtOnce)
{
    TempDir dir;
    dir.write("devices", "Character devices:\n120 foo\n121 ipmi0\n\nBlock devices:\n122 sd\n");
    const auto proc = dir.path() / "devices";
    const std::vector<std::string> ours{"ipmi0", "watchdog"};
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(checkMajorIsFree(proc, 120, ours, 5s),
              "major 120 is already used by 'foo' (" + proc.string() +
                  "): choose another [device] major (free for local use: 60-63, 120-127)");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    EXPECT_EQ(checkMajorIsFree(proc, 122, ours, 0ms), std::nullopt); // a block major
    EXPECT_EQ(checkMajorIsFree(proc, 123, ours, 0ms), std::nullopt);
    // Unreadable: the kernel's refusal (and the session's message) decide.
    EXPECT_EQ(checkMajorIsFree(dir.path() / "missing", 120, ours, 0ms), std::nullopt);
}

TEST(DeviceNumbers, OurOwnNamesAreWaitedForThenRefused)
{
    TempDir dir;
    dir.write("devices", "Character devices:\n121 ipmi0\n121 watchdog\n");
    const auto proc = dir.path() / "devices";
    EXPECT_EQ(checkMajorIsFree(proc, 121, {"ipmi0", "watchdog"}, 100ms),
              "major 121 is already used by 'ipmi0', 'watchdog' (" + proc.string() +
                  ") after waiting 100 ms: another ipmi-cuse with the same names is still running (or still going "
                  "away)");
}

TEST(DeviceNumbers, APreviousInstanceGoingAwayIsWaitedFor)
{
    TempDir dir;
    dir.write("devices", "Character devices:\n121 ipmi0\n");
    std::thread previousInstanceExits([&dir] {
        std::this_thread::sleep_for(150ms);
        dir.write("devices", "Character devices:\n 10 misc\n");
    });
    EXPECT_EQ(checkMajorIsFree(dir.path() / "devices", 121, {"ipmi0"}, 10s), std::nullopt);
    previousInstanceExits.join();
}

TEST(DeviceNumbers, TheDynamicRangesAreWarnedAbout)
{
    EXPECT_EQ(dynamicRangeWarning(120), std::nullopt);
    EXPECT_EQ(dynamicRangeWarning(60), std::nullopt);
    EXPECT_EQ(dynamicRangeWarning(233), std::nullopt);
    EXPECT_NE(dynamicRangeWarning(234), std::nullopt);
    EXPECT_NE(dynamicRangeWarning(254), std::nullopt);
    EXPECT_EQ(dynamicRangeWarning(255), std::nullopt);
    EXPECT_NE(dynamicRangeWarning(384), std::nullopt);
}

} // namespace
} // namespace ipmi::daemon
