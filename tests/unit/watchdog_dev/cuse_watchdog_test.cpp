// The CUSE glue's plain parts: device names, the sysfs device number, and
// start() refusing clearly (no /dev/cuse is needed for any of these).
#include "watchdog_dev/cuse_watchdog.hpp"

#include "tests/unit/watchdog_dev/fake_port.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <unistd.h>

namespace ipmi::watchdog {
namespace {

namespace fs = std::filesystem;

class TempDir
{
  public:
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "wdt-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) != nullptr ? fs::path(pattern) : fs::path();
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

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

TEST(CuseWatchdog, ParsesSysfsDeviceNumbers)
{
    EXPECT_EQ(parseDeviceNumber("247:0\n"), (DeviceNumber{247, 0}));
    EXPECT_EQ(parseDeviceNumber("10:130"), (DeviceNumber{10, 130}));
    EXPECT_EQ(parseDeviceNumber("247"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber(":0"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber("a:b"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber("1:2:3"), std::nullopt);
}

TEST(CuseWatchdog, ReadsTheCuseClassAttribute)
{
    const TempDir sys;
    ASSERT_FALSE(sys.path().empty());
    EXPECT_EQ(readCuseDeviceNumber(sys.path(), "watchdog0"), std::nullopt);
    fs::create_directories(sys.path() / "class" / "cuse" / "watchdog0");
    std::ofstream(sys.path() / "class" / "cuse" / "watchdog0" / "dev") << "239:1\n";
    EXPECT_EQ(readCuseDeviceNumber(sys.path(), "watchdog0"), (DeviceNumber{239, 1}));
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
