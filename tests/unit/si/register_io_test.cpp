// Register layout (spacing, size, shift) and the privilege errors of port
// and memory access.
#include "si/register_io.hpp"
#include "si/register_io_hw.hpp"

#include <gtest/gtest.h>

#include <map>
#include <utility>
#include <variant>
#include <vector>

namespace ipmi::si {
namespace {

class RecordingBus : public RawBus
{
  public:
    struct Access
    {
        bool write;
        std::uint64_t offset;
        unsigned size;
        std::uint64_t value;
        bool operator==(const Access&) const = default;
    };
    std::uint64_t readRaw(std::uint64_t offset, unsigned size) override
    {
        log->push_back({false, offset, size, 0});
        return (*values)[offset];
    }
    void writeRaw(std::uint64_t offset, unsigned size, std::uint64_t value) override
    {
        log->push_back({true, offset, size, value});
    }
    std::string describe() const override { return "mem 0x1000"; }

    std::vector<Access>* log = nullptr;
    std::map<std::uint64_t, std::uint64_t>* values = nullptr;
};

TEST(RegisterLayout, SpacingSizeAndShiftAreAppliedBelowTheStateMachine)
{
    std::vector<RecordingBus::Access> log;
    std::map<std::uint64_t, std::uint64_t> values{{4, 0xAABBCCDD}};
    auto bus = std::make_unique<RecordingBus>();
    bus->log = &log;
    bus->values = &values;
    LayoutRegisterIo io(std::move(bus), RegisterLayout{4, 4, 8});
    EXPECT_EQ(io.read(1), 0xCC);
    io.write(2, 0x61);
    const std::vector<RecordingBus::Access> expected = {{false, 4, 4, 0}, {true, 8, 4, 0x6100}};
    EXPECT_EQ(log, expected);
    EXPECT_EQ(io.describe(), "mem 0x1000 spacing 4 size 4 shift 8");
}

TEST(RegisterLayout, BadLayoutsAreNamed)
{
    EXPECT_EQ(validateLayout({1, 1, 0}), std::nullopt);
    EXPECT_EQ(validateLayout({16, 8, 56}), std::nullopt);
    EXPECT_EQ(validateLayout({1, 3, 0}), "regsize 3 is not 1, 2, 4 or 8");
    EXPECT_EQ(validateLayout({2, 4, 0}), "regspacing 2 is smaller than regsize 4");
    EXPECT_EQ(validateLayout({4, 4, 25}), "regshift 25 leaves no full byte in a 4-byte register");
    EXPECT_EQ(validateLayout({0, 1, 0}), "regspacing 0 is out of range (1..1024)");
}

// Why opening failed; "" (and a test failure) if it did not.
std::string refusal(const RegisterIoResult& result)
{
    const auto* error = std::get_if<std::string>(&result);
    EXPECT_NE(error, nullptr) << "opened";
    return error ? *error : std::string();
}

TEST(PortIo, MissingPrivilegeNamesTheCapabilityAndTheDevice)
{
    PortIoOptions options;
    options.tryDirect = false;
    options.devicePath = "/nonexistent/port";
    const auto error = refusal(openPortIo(0xCA2, 2, {1, 1, 0}, options));
    EXPECT_NE(error.find("CAP_SYS_RAWIO"), std::string::npos) << error;
    EXPECT_NE(error.find("/nonexistent/port"), std::string::npos) << error;
    EXPECT_NE(error.find("0xca2"), std::string::npos) << error;
}

TEST(PortIo, RejectsWhatPortsCannotDo)
{
    EXPECT_EQ(refusal(openPortIo(0xCA2, 2, {8, 8, 0})),
              "regsize 8 is not possible for port I/O (ports are at most 4 bytes wide)");
    EXPECT_NE(refusal(openPortIo(0xFFFF, 2, {1, 1, 0})).find("outside the 64 KiB port space"), std::string::npos);
    EXPECT_EQ(refusal(openPortIo(0xCA2, 2, {1, 2, 0})), "regspacing 1 is smaller than regsize 2");
}

TEST(MemoryIo, MissingDeviceIsNamed)
{
    const auto error = refusal(openMemoryIo(0xFED40000, 2, {4, 4, 0}, "/nonexistent/mem"));
    EXPECT_NE(error.find("/nonexistent/mem"), std::string::npos) << error;
    EXPECT_NE(error.find("CAP_SYS_RAWIO"), std::string::npos) << error;
    EXPECT_NE(refusal(openMemoryIo(0xFED40002, 2, {4, 4, 0})).find("not aligned"), std::string::npos);
}

} // namespace
} // namespace ipmi::si
