// The CUSE glue's plain parts: device names, the sysfs device number, and
// start() refusing clearly (no /dev/cuse is needed for any of these).
#include "tests/unit/cuse/temp_dir.hpp"
#include "tests/unit/watchdog_dev/fake_port.hpp"
#include "watchdog_dev/cuse_watchdog.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>

namespace ipmi::watchdog {
namespace {

using cuse::testing::TempDir;
using cuse::testing::writeCuseDev;

TEST(CuseWatchdog, DeviceNames)
{
    EXPECT_EQ(checkDeviceName("watchdog"), std::nullopt);
    EXPECT_EQ(checkDeviceName("watchdog0"), std::nullopt);
    EXPECT_EQ(checkDeviceName("ipmi-watchdog_1.x"), std::nullopt);
    EXPECT_TRUE(checkDeviceName("").has_value());
    EXPECT_TRUE(checkDeviceName("..").has_value());
    EXPECT_TRUE(checkDeviceName("dir/watchdog").has_value());
    EXPECT_TRUE(checkDeviceName("watch dog").has_value());
    EXPECT_TRUE(checkDeviceName(std::string(65, 'w')).has_value());
}

TEST(CuseWatchdog, ReadsTheCuseClassAttribute)
{
    const TempDir sys;
    ASSERT_FALSE(sys.path().empty());
    EXPECT_EQ(readCuseDeviceNumber(sys.path(), "watchdog0"), std::nullopt);
    writeCuseDev(sys, "watchdog0", "239:1\n");
    EXPECT_EQ(readCuseDeviceNumber(sys.path(), "watchdog0"), (DeviceNumber{239, 1}));
    // The parser is CUSE's shared one (tested in cuse_session_test.cpp).
    EXPECT_EQ(parseDeviceNumber("239:1\n"), (cuse::DeviceNumber{239, 1}));
}

struct Glue
{
    core::testing::FakeEventLoop loop;
    testing::FakePort port{loop};
    WatchdogTimer timer{Parameters{}};
    WatchdogDevice device{timer};
    boost::asio::io_context io;
};

TEST(CuseWatchdog, StartRefusesAnExistingNode)
{
    const TempDir dev;
    std::ofstream(dev.path() / "watchdog") << "";
    Glue glue;
    CuseWatchdogOptions options;
    options.devRoot = dev.path();
    options.cuseDevice = dev.path() / "no-cuse";
    CuseWatchdog cuse(glue.io, glue.device, options);
    EXPECT_EQ(cuse.start([](int) {}), -EEXIST);
}

TEST(CuseWatchdog, StartReportsAMissingCuseDevice)
{
    const TempDir dev;
    Glue glue;
    CuseWatchdogOptions options;
    options.name = "watchdog0";
    options.devRoot = dev.path();
    options.cuseDevice = dev.path() / "no-cuse";
    CuseWatchdog cuse(glue.io, glue.device, options);
    EXPECT_EQ(cuse.start([](int) {}), -ENOENT);
    EXPECT_EQ(cuse.deviceNumber(), std::nullopt);
}

TEST(CuseWatchdog, StartRefusesABadName)
{
    Glue glue;
    CuseWatchdogOptions options;
    options.name = "../watchdog";
    CuseWatchdog cuse(glue.io, glue.device, options);
    EXPECT_EQ(cuse.start([](int) {}), -EINVAL);
}

} // namespace
} // namespace ipmi::watchdog
