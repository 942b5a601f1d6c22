// The BMC configuration: defaults, a good file, and bad files refused with
// the file name, line and problem.
#include "bmc_fixture.hpp"

#include <fstream>

namespace ipmi::sim::testing {
namespace {

BmcConfig expectConfig(const ConfigResult& result)
{
    if (const auto* error = std::get_if<ConfigError>(&result)) {
        ADD_FAILURE() << error->message;
        return BmcConfig{};
    }
    return std::get<BmcConfig>(result);
}

std::string expectError(const ConfigResult& result)
{
    if (const auto* error = std::get_if<ConfigError>(&result)) {
        return error->message;
    }
    ADD_FAILURE() << "the configuration was accepted";
    return {};
}

TEST(ConfigTest, DefaultsDescribeAUsefulBmc)
{
    BmcConfig c = BmcConfig::defaults();
    EXPECT_EQ(c.identity.ipmiVersion, 0x02);
    EXPECT_EQ(c.identity.additionalDeviceSupport, 0xBF);
    EXPECT_EQ(c.sensors.size(), 6U);
    EXPECT_EQ(c.satellites.size(), 2U);
    ASSERT_EQ(c.channels.size(), 3U);
    EXPECT_EQ(c.channels[2].number, 0x0F);
    EXPECT_EQ(c.selSeeds.size(), 1U);
    BmcConfig parsed = expectConfig(parseBmcConfig("", "empty.toml"));
    EXPECT_EQ(parsed.sensors.size(), 6U);
    EXPECT_EQ(parsed.identity.manufacturerId, c.identity.manufacturerId);
}

constexpr const char* goodFile = R"(
bmc_address = 0x20
system_interface = "bt"
sel_capacity = 64
receive_queue_capacity = 4

[identity]
device_id = 0x33
firmware_major = 2
firmware_minor = 0x15
manufacturer_id = 0x0002A2
product_id = 0x1234
guid = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]

[[sensor]]
number = 5
name = "Board Temp"
type = "temperature"
unit = "degrees_c"
initial = 30
upper_critical = 70
motion = "triangle"
low = 25
high = 35
period_ms = 500

[[satellite]]
address = 0xB0
device_id = 0x01
response_delay_ms = 20

[fru]
chassis_serial_number = "XYZ"
[fru.product]
name = "Widget"

[bt]
output_buffer_size = 100

[ssif]
transactions = "start_end"
pec = false

[chassis]
power_restore_policy = "always_off"

[faults]
response_delay_ms = 15
[[faults.completion_code]]
netfn = 6
cmd = 1
code = 0xC0
count = 3
)";

TEST(ConfigTest, GoodFile)
{
    BmcConfig c = expectConfig(parseBmcConfig(goodFile, "good.toml"));
    EXPECT_EQ(c.systemInterface, SystemInterfaceType::Bt);
    EXPECT_EQ(c.selCapacity, 64);
    EXPECT_EQ(c.receiveQueueCapacity, 4U);
    EXPECT_EQ(c.identity.deviceId, 0x33);
    EXPECT_EQ(c.identity.firmwareMinor, 0x15);
    EXPECT_EQ(c.identity.manufacturerId, 0x2A2U);
    EXPECT_EQ(c.identity.guid[15], 16);
    EXPECT_EQ(c.identity.ipmiVersion, 0x02); // untouched keys keep the defaults
    ASSERT_EQ(c.sensors.size(), 1U);
    const SensorConfig& s = c.sensors[0];
    EXPECT_EQ(s.name, "Board Temp");
    EXPECT_EQ(s.thresholds.upperCritical, std::optional<std::uint8_t>{70});
    EXPECT_FALSE(s.thresholds.upperNonCritical);
    EXPECT_EQ(s.assertionMask, 1U << 9); // derived: UC going high
    EXPECT_EQ(s.motion.kind, SensorMotion::Kind::Triangle);
    EXPECT_EQ(s.motion.period, std::chrono::milliseconds{500});
    ASSERT_EQ(c.satellites.size(), 1U);
    EXPECT_EQ(c.satellites[0].address, 0xB0);
    EXPECT_EQ(c.satellites[0].responseDelay, std::chrono::milliseconds{20});
    EXPECT_EQ(c.fru.chassisSerialNumber, "XYZ");
    EXPECT_EQ(c.fru.product.name, "Widget");
    EXPECT_EQ(c.fru.board.name, "Simulated Board");
    EXPECT_EQ(c.bt.outputBufferSize, 100);
    EXPECT_EQ(c.ssif.transactions, SsifCapabilities::Transactions::MultiPartStartEnd);
    EXPECT_FALSE(c.ssif.pec);
    EXPECT_EQ(c.chassis.powerRestorePolicy, 0);
    EXPECT_EQ(c.faults.responseDelay, std::chrono::milliseconds{15});
    ASSERT_EQ(c.faults.completionCodes.size(), 1U);
    EXPECT_EQ(c.faults.completionCodes[0].cmd, std::optional<std::uint8_t>{1});
    EXPECT_EQ(c.faults.completionCodes[0].count, 3U);

    // The BMC built from it answers accordingly.
    Bmc bmc(c, t0);
    Bytes out;
    bmc.handleRequest(Bytes{0x10, 0x2D, 0x05}, [&out](Bytes r) { out = std::move(r); });
    EXPECT_TRUE(out.empty()); // the configured 15 ms response delay
    bmc.advance(t0 + std::chrono::milliseconds{15});
    EXPECT_EQ(out, (Bytes{0x14, 0x2D, 0x00, 30, 0xC0, 0x00}));
}

struct BadCase
{
    const char* text;
    const char* expectedStart; // "bad.toml:LINE:COLUMN"
    const char* mentions;
};

TEST(ConfigTest, BadFilesNameLineAndProblem)
{
    const BadCase cases[] = {
        {"sel_capacity = 10\n[identity\n", "bad.toml:2:", ""},
        {"sel_capacity = 10\nsel_capacty = 5\n", "bad.toml:2:1", "unknown key sel_capacty"},
        {"[identity]\ndevice_id = 300\n", "bad.toml:2:", "identity.device_id = 300 is out of range 0..255"},
        {"[identity]\n\nfirmware_major = \"one\"\n", "bad.toml:3:", "identity.firmware_major must be an integer"},
        // A float too large for any integer (the sim_config fuzz target's find).
        {"[[sensor]]\nnumber = 5\nname = \"t\"\ninitial = 302222e222\n", "bad.toml:4:", "must be an integer"},
        {"[identity]\ndevice_id = 1.0\n", "bad.toml:2:", "identity.device_id must be an integer"},
        {"[[sensor]]\nnumber = 1\nname = \"A\"\n[[sensor]]\nnumber = 1\nname = \"B\"\n",
         "bad.toml:4:", "sensor number 1 is used twice"},
        {"[[sensor]]\nnumber = 1\n", "bad.toml:1:", "sensor[0].name are required"},
        {"[[sensor]]\nnumber = 1\nname = \"12345678901234567\"\n", "bad.toml:3:", "longer than 16"},
        {"[[sensor]]\nnumber = 1\nname = \"x\"\ntype = \"pressure\"\n", "bad.toml:4:", "is not one of temperature"},
        {"[[sensor]]\nnumber = 1\nname = \"x\"\nlow = 9\nhigh = 3\n", "bad.toml:1:", "low must not be above"},
        {"[[satellite]]\naddress = 0x71\n", "bad.toml:1:", "even"},
        {"[[satellite]]\naddress = 0x20\n", "bad.toml:1:", "the BMC's own"},
        {"system_interface = \"usb\"\n", "bad.toml:1:", "system_interface"},
        {"[ssif]\nmax_output_size = 16\n", "bad.toml:2:", "ssif.max_output_size = 16 is out of range 32..255"},
        {"[identity]\nguid = [1, 2]\n", "bad.toml:2:", "16..16 bytes"},
        {"[[faults.completion_code]]\ncode = 1\n", "bad.toml:1:", "netfn"},
        {"identity = 5\n", "bad.toml:1:", "identity must be a table"},
        {"[chassis]\npower_restore_policy = 7\n", "bad.toml:2:", "out of range 0..2"},
        {"[faults]\nresponse_delay_ms = 1\nresponse_delay_us = 500\n", "bad.toml:", "both set"},
        {"[faults]\nbyte_delay_us = 2000000\n", "bad.toml:2:", "faults.byte_delay_us = 2000000 is out of range"},
        {"[faults]\nlength_delta = -513\n", "bad.toml:2:", "faults.length_delta = -513 is out of range -512..512"},
    };
    for (const BadCase& c : cases) {
        std::string message = expectError(parseBmcConfig(c.text, "bad.toml"));
        EXPECT_EQ(message.rfind(c.expectedStart, 0), 0U) << message;
        EXPECT_NE(message.find(c.mentions), std::string::npos) << message;
    }
}

TEST(ConfigTest, SlowBmcLatenciesInMicroseconds)
{
    const BmcConfig c =
        expectConfig(parseBmcConfig("[faults]\nresponse_delay_us = 450\nbyte_delay_us = 12\n", "slow.toml"));
    EXPECT_EQ(c.faults.responseDelay, std::chrono::microseconds{450});
    EXPECT_EQ(c.faults.byteDelay, std::chrono::microseconds{12});
}

TEST(ConfigTest, NoInterruptWired)
{
    EXPECT_FALSE(expectConfig(parseBmcConfig("", "none.toml")).faults.noIrq);
    const BmcConfig c = expectConfig(parseBmcConfig("[faults]\nno_irq = true\n", "polled.toml"));
    EXPECT_TRUE(c.faults.noIrq);
    EXPECT_TRUE(FaultInjector(c.faults, {}).noIrq());
}

TEST(ConfigTest, WrongLengthFault)
{
    const BmcConfig c = expectConfig(parseBmcConfig("[faults]\nlength_delta = -3\nlength_count = 2\n", "short.toml"));
    EXPECT_EQ(c.faults.lengthDelta, -3);
    EXPECT_EQ(c.faults.lengthCount, 2U);
}

TEST(ConfigTest, LoadFromFile)
{
    std::string path = ::testing::TempDir() + "sim_bmc_config_test.toml";
    {
        std::ofstream out(path);
        out << "[identity]\nproduct_id = 0x4242\n";
    }
    BmcConfig c = expectConfig(loadBmcConfig(path));
    EXPECT_EQ(c.identity.productId, 0x4242);
    {
        std::ofstream out(path);
        out << "\n\n[identity]\nproduct_id = -1\n";
    }
    std::string message = expectError(loadBmcConfig(path));
    EXPECT_EQ(message.rfind(path + ":4:", 0), 0U) << message;
    std::remove(path.c_str());
    message = expectError(loadBmcConfig(path));
    EXPECT_EQ(message, path + ": cannot be opened");
}

} // namespace
} // namespace ipmi::sim::testing
