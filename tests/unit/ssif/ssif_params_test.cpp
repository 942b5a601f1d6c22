// SsifParams resolution against a fake sysfs/dev tree: adapter by number and
// by name (spaces ignored), the kernel-owned address refusal, i2c-dev.
#include "core/testing/fake_event_loop.hpp"
#include "daemon/backends/ssif_factory.hpp"
#include "ssif/ssif_params.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace ipmi::ssif {
namespace {

namespace fs = std::filesystem;

class SsifParamsTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        root = fs::temp_directory_path() /
               ("ssif-params-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root);
        fs::create_directories(root / "dev");
        params.sysfsRoot = root / "sys";
        params.devRoot = root / "dev";
        params.addr = 0x10;
    }
    void TearDown() override { fs::remove_all(root); }
    void adapter(int n, const std::string& name, bool devNode = true)
    {
        const fs::path dir = root / "sys/class/i2c-adapter" / ("i2c-" + std::to_string(n));
        fs::create_directories(dir);
        std::ofstream(dir / "name") << name << "\n";
        if (devNode) {
            std::ofstream(root / "dev" / ("i2c-" + std::to_string(n))) << "";
        }
    }
    void bind(const std::string& client, const std::string& driver)
    {
        fs::create_directories(root / "sys/bus/i2c/drivers" / driver);
        fs::create_directories(root / "sys/bus/i2c/devices" / client);
        fs::create_directory_symlink(root / "sys/bus/i2c/drivers" / driver,
                                     root / "sys/bus/i2c/devices" / client / "driver");
    }
    std::string error() const
    {
        auto r = resolveSsifParams(params);
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
    }

    fs::path root;
    SsifParams params;
};

TEST(AdapterName, SpacesIgnored)
{
    EXPECT_TRUE(adapterNameMatches("SMBus I801 adapter at f000", "SMBusI801adapteratf000"));
    EXPECT_FALSE(adapterNameMatches("SMBus I801 adapter at f000", "SMBus I801 adapter at f040"));
}

TEST_F(SsifParamsTest, ByNameNumberAndSoleAdapter)
{
    adapter(0, "SMBus I801 adapter at f000");
    params.adapter = "SMBusI801 adapter atf000";
    auto r = resolveSsifParams(params);
    ASSERT_TRUE(std::holds_alternative<ResolvedSsif>(r)) << error();
    EXPECT_EQ(std::get<ResolvedSsif>(r).adapterNumber, 0);
    EXPECT_EQ(std::get<ResolvedSsif>(r).device, root / "dev/i2c-0");

    params.adapter = "";
    EXPECT_TRUE(std::holds_alternative<ResolvedSsif>(resolveSsifParams(params)));

    adapter(3, "i915 gmbus dpb");
    EXPECT_NE(error().find("2 I2C adapters exist"), std::string::npos) << error();
    params.adapter = "i2c-3";
    r = resolveSsifParams(params);
    ASSERT_TRUE(std::holds_alternative<ResolvedSsif>(r)) << error();
    EXPECT_EQ(std::get<ResolvedSsif>(r).adapterName, "i915 gmbus dpb");
}

TEST_F(SsifParamsTest, ClearErrors)
{
    adapter(0, "SMBus I801 adapter at f000");
    params.adapter = "7";
    EXPECT_NE(error().find("i2c-7 does not exist"), std::string::npos) << error();
    params.adapter = "nope";
    EXPECT_NE(error().find("no I2C adapter is named \"nope\""), std::string::npos) << error();
    params.adapter = "0";
    params.addr = 0x80;
    EXPECT_NE(error().find("not a 7-bit"), std::string::npos) << error();
}

TEST_F(SsifParamsTest, RefusesAnAddressTheKernelDrives)
{
    adapter(0, "SMBus I801 adapter at f000");
    params.adapter = "0";
    bind("0-0010", "ipmi_ssif");
    EXPECT_NE(error().find("kernel's ipmi_ssif"), std::string::npos) << error();
    EXPECT_NE(error().find("modprobe -r ipmi_ssif"), std::string::npos) << error();

    core::testing::FakeEventLoop loop;
    auto made = daemon::makeHardwareSsif(loop, params);
    ASSERT_TRUE(std::holds_alternative<std::string>(made));
    EXPECT_NE(std::get<std::string>(made).find("ipmi_ssif"), std::string::npos);
}

TEST_F(SsifParamsTest, MissingDevNodeNamesI2cDev)
{
    adapter(1, "SMBus PIIX4 adapter", false);
    params.adapter = "1";
    EXPECT_NE(error().find("modprobe i2c-dev"), std::string::npos) << error();
}

TEST_F(SsifParamsTest, FactoryReportsAnUnopenableDevice)
{
    adapter(0, "SMBus I801 adapter at f000");
    params.adapter = "0";
    core::testing::FakeEventLoop loop;
    auto made = daemon::makeHardwareSsif(loop, params); // a regular file: I2C_SLAVE fails
    ASSERT_TRUE(std::holds_alternative<std::string>(made));
    EXPECT_NE(std::get<std::string>(made).find("cannot bind address 0x10"), std::string::npos)
        << std::get<std::string>(made);
}

} // namespace
} // namespace ipmi::ssif
