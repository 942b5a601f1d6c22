// SMBIOS type 38 decoding against the kernel's ipmi_dmi.c rules, on QEMU's
// bytes and on hand-built edge cases (SMBIOS DSP0134, section 7.39).
#include "si/discovery/smbios.hpp"
#include "tests/unit/si/discovery/fixture_tree.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace ipmi::si::discovery {
namespace {

using testing::FixtureTree;

// A new-format (0x12) record with the given fields; no strings.
std::vector<std::uint8_t> record(std::uint8_t type, std::uint64_t base, std::uint8_t modifier, std::uint8_t irq,
                                 std::uint8_t slave = 0x20, std::uint8_t length = 0x12, std::uint8_t revision = 0x20)
{
    std::vector<std::uint8_t> bytes = {38, length, 0x01, 0x00, type, revision, slave, 0xFF};
    for (int i = 0; i < 8; ++i) {
        bytes.push_back(static_cast<std::uint8_t>(base >> (8 * i)));
    }
    if (length >= 0x12) {
        bytes.push_back(modifier);
        bytes.push_back(irq);
    }
    return bytes;
}

DiscoveredInterface decodeOk(const std::vector<std::uint8_t>& bytes)
{
    auto parsed = decodeSmbiosType38(bytes);
    EXPECT_TRUE(parsed.ok()) << parsed.error();
    return parsed.ok() ? parsed.value() : DiscoveredInterface{};
}

TEST(SmbiosType38, QemuIsaKcsDefaults)
{
    const auto kcs = decodeOk(testing::qemuType38Kcs());
    EXPECT_EQ(kcs.type, SiType::Kcs);
    EXPECT_EQ(kcs.space, AddrSpace::Io);
    EXPECT_EQ(kcs.address, 0xCA2U);
    EXPECT_EQ(kcs.regSpacing, 1U);
    EXPECT_EQ(kcs.irq, 5U);
    EXPECT_EQ(kcs.slaveAddr, 0x20);
    EXPECT_EQ(kcs.specMajor, 2);
    EXPECT_EQ(kcs.specMinor, 0);
    EXPECT_EQ(kcs.addrSource, core::AddrSource::Smbios);
    EXPECT_EQ(kcs.description(), "kcs i/o 0xca2 spacing 1");
}

TEST(SmbiosType38, QemuIsaBtDefaults)
{
    const auto bt = decodeOk(testing::qemuType38Bt());
    EXPECT_EQ(bt.type, SiType::Bt);
    EXPECT_EQ(bt.space, AddrSpace::Io);
    EXPECT_EQ(bt.address, 0xE4U);
    EXPECT_EQ(bt.irq, 5U);
    EXPECT_EQ(bt.registerCount(), 3U);
    EXPECT_EQ(bt.lastAddress(), 0xE6U);
}

TEST(SmbiosType38, QemuSmbusIpmiShiftsTheI2cAddress)
{
    const auto ssif = decodeOk(testing::qemuType38Ssif(0x10));
    EXPECT_EQ(ssif.type, SiType::Ssif);
    EXPECT_EQ(ssif.space, AddrSpace::Smbus);
    EXPECT_EQ(ssif.address, 0x10U);
    EXPECT_EQ(ssif.slaveAddr, 0x20);
    EXPECT_FALSE(ssif.i2cAdapter.has_value());
    EXPECT_EQ(ssif.irq, 0U);
    EXPECT_EQ(ssif.description(), "ssif i2c-? 0x10");
}

TEST(SmbiosType38, SsifAddressInTheSlaveFieldOfBrokenBioses)
{
    // Low byte 0 (base still non-zero), so the kernel takes slave >> 1.
    const auto ssif = decodeOk(record(4, 0x100, 0, 0, 0x24));
    EXPECT_EQ(ssif.address, 0x12U);
    EXPECT_EQ(ssif.slaveAddr, 0);
    EXPECT_EQ(ssif.effectiveSlaveAddr(), 0x20);
}

TEST(SmbiosType38, OldFormatIgnoresTheIoBitAndAssumesSpacingOne)
{
    // Bit 0 clear would mean memory in the new format; old format is I/O.
    const auto even = decodeOk(record(1, 0xCA2, 0, 0, 0x20, 0x10));
    EXPECT_EQ(even.space, AddrSpace::Io);
    EXPECT_EQ(even.address, 0xCA2U);
    EXPECT_EQ(even.regSpacing, 1U);
    EXPECT_EQ(even.irq, 0U);
    const auto odd = decodeOk(record(1, 0xCA3, 0, 0, 0x20, 0x10));
    EXPECT_EQ(odd.address, 0xCA2U);
}

TEST(SmbiosType38, MemoryMappedWithSpacingFour)
{
    const auto mem = decodeOk(record(1, 0xFED40000, 0x40, 0));
    EXPECT_EQ(mem.space, AddrSpace::Memory);
    EXPECT_EQ(mem.address, 0xFED40000U);
    EXPECT_EQ(mem.regSpacing, 4U);
    EXPECT_EQ(mem.lastAddress(), 0xFED40004U);
}

TEST(SmbiosType38, SpacingSixteen)
{
    const auto io = decodeOk(record(1, 0xCA1, 0x80, 0));
    EXPECT_EQ(io.regSpacing, 16U);
    EXPECT_EQ(io.address, 0xCA0U);
}

TEST(SmbiosType38, ReservedSpacingIsRejected)
{
    auto parsed = decodeSmbiosType38(record(1, 0xCA3, 0xC0, 0));
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().find("reserved"), std::string::npos) << parsed.error();
}

TEST(SmbiosType38, LsBitModifierRestoresAnOddAddress)
{
    // SMIC at 0xca9: bit 0 is the I/O flag, bit 4 of 0x10 the real LS bit.
    const auto smic = decodeOk(record(2, 0xCA9, 0x10, 0));
    EXPECT_EQ(smic.type, SiType::Smic);
    EXPECT_EQ(smic.address, 0xCA9U);
    const auto plain = decodeOk(record(2, 0xCA9, 0x00, 0));
    EXPECT_EQ(plain.address, 0xCA8U);
}

TEST(SmbiosType38, BaseAddressZeroMeansNoInterface)
{
    auto parsed = decodeSmbiosType38(record(1, 0, 0, 0));
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().find("zero"), std::string::npos);
}

TEST(SmbiosType38, InvalidInterfaceTypesAreRejected)
{
    EXPECT_FALSE(decodeSmbiosType38(record(0, 0xCA3, 0, 0)).ok());
    EXPECT_FALSE(decodeSmbiosType38(record(5, 0xCA3, 0, 0)).ok());
}

TEST(SmbiosType38, SpecRevisionHasTheMajorInTheHighNibble)
{
    const auto v15 = decodeOk(record(1, 0xCA3, 0, 0, 0x20, 0x12, 0x15));
    EXPECT_EQ(v15.specMajor, 1);
    EXPECT_EQ(v15.specMinor, 5);
}

TEST(SmbiosType38, TooShortRecordsAreRejected)
{
    auto bytes = record(1, 0xCA3, 0, 0);
    bytes[1] = 0x0F;
    EXPECT_FALSE(decodeSmbiosType38(bytes).ok());
    bytes.resize(8);
    bytes[1] = 0x12;
    EXPECT_FALSE(decodeSmbiosType38(bytes).ok());
}

TEST(SmbiosWalk, FindsEveryStructureAndStopsAtTheEnd)
{
    const auto table = testing::dmiTable({testing::qemuType38Kcs(), testing::qemuType38Bt()});
    const auto scan = walkSmbiosTable(table);
    EXPECT_TRUE(scan.problems.empty());
    ASSERT_EQ(scan.structures.size(), 4U);
    EXPECT_EQ(scan.structures[0].type, 0);
    EXPECT_EQ(scan.structures[1].type, 38);
    EXPECT_EQ(scan.structures[1].handle, 0x3000);
    EXPECT_EQ(scan.structures[2].type, 38);
    EXPECT_EQ(scan.structures[3].type, 127);
}

TEST(SmbiosWalk, ReportsATruncatedTable)
{
    auto table = testing::dmiTable({testing::qemuType38Kcs()});
    table.resize(table.size() - 12); // cut inside the type 38 record's string set... and the end record
    const auto scan = walkSmbiosTable(table);
    EXPECT_FALSE(scan.problems.empty());
}

TEST(SmbiosWalk, RejectsAStructureLengthBelowTheHeader)
{
    const std::vector<std::uint8_t> table = {38, 0x02, 0, 0, 0, 0};
    const auto scan = walkSmbiosTable(table);
    ASSERT_EQ(scan.problems.size(), 1U);
    EXPECT_TRUE(scan.structures.empty());
}

TEST(SmbiosEntryPoint, Versions)
{
    std::vector<std::uint8_t> v3 = {'_', 'S', 'M', '3', '_', 0, 0x18, 3, 0, 0};
    EXPECT_EQ(smbiosEntryPointVersion(v3), "3.0.0");
    std::vector<std::uint8_t> v2 = {'_', 'S', 'M', '_', 0, 0x1F, 2, 8};
    EXPECT_EQ(smbiosEntryPointVersion(v2), "2.8");
    EXPECT_EQ(smbiosEntryPointVersion(std::vector<std::uint8_t>{'x'}), "");
}

TEST(SmbiosRead, QemuTableFromAFixtureTree)
{
    FixtureTree tree;
    tree.writeBytes("/sys/firmware/dmi/tables/DMI",
                    testing::dmiTable({testing::qemuType38Kcs(), testing::qemuType38Ssif(0x10)}));
    tree.writeBytes("/sys/firmware/dmi/tables/smbios_entry_point", {'_', 'S', 'M', '_', 0, 0x1F, 2, 8});
    const auto result = readSmbios(Sysroot(tree.root()));
    EXPECT_TRUE(result.tableReadable);
    EXPECT_EQ(result.smbiosVersion, "2.8");
    ASSERT_EQ(result.interfaces.size(), 2U);
    EXPECT_EQ(result.interfaces[0].type, SiType::Kcs);
    EXPECT_EQ(result.interfaces[0].deviceName, "dmi handle 0x3000");
    EXPECT_EQ(result.interfaces[1].type, SiType::Ssif);
    EXPECT_TRUE(result.problems.empty());
}

TEST(SmbiosRead, MissingTableIsReportedNotFatal)
{
    FixtureTree tree;
    const auto result = readSmbios(Sysroot(tree.root()));
    EXPECT_FALSE(result.tableReadable);
    EXPECT_TRUE(result.interfaces.empty());
    ASSERT_EQ(result.problems.size(), 1U);
}

TEST(SmbiosRead, BadRecordsAreReportedAndSkipped)
{
    FixtureTree tree;
    auto zero = record(1, 0, 0, 0);
    zero.push_back(0);
    zero.push_back(0);
    tree.writeBytes("/sys/firmware/dmi/tables/DMI", testing::dmiTable({zero, testing::qemuType38Bt()}));
    const auto result = readSmbios(Sysroot(tree.root()));
    ASSERT_EQ(result.interfaces.size(), 1U);
    EXPECT_EQ(result.interfaces[0].type, SiType::Bt);
    ASSERT_EQ(result.problems.size(), 1U);
    EXPECT_NE(result.problems[0].find("zero"), std::string::npos);
}

// Tables captured inside the VM (vm-testing.md): drop the raw
// /sys/firmware/dmi/tables/DMI of a QEMU guest started with
// -device isa-ipmi-kcs into fixtures/qemu-7.2-isa-ipmi-kcs/DMI.
TEST(SmbiosCaptured, QemuIsaKcsTableFromTheVm)
{
    const std::filesystem::path file = std::filesystem::path(SI_DISCOVERY_FIXTURES) / "qemu-7.2-isa-ipmi-kcs" / "DMI";
    if (!std::filesystem::exists(file)) {
        GTEST_SKIP() << "no captured table at " << file;
    }
    Sysroot root;
    auto bytes = root.readBytes(file.string());
    ASSERT_TRUE(bytes.has_value());
    const auto scan = walkSmbiosTable(*bytes);
    std::vector<DiscoveredInterface> found;
    for (const auto& structure : scan.structures) {
        if (structure.type == kSmbiosTypeIpmi) {
            auto decoded = decodeSmbiosType38(structure.formatted);
            ASSERT_TRUE(decoded.ok()) << decoded.error();
            found.push_back(decoded.value());
        }
    }
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].type, SiType::Kcs);
    EXPECT_EQ(found[0].address, 0xCA2U);
    EXPECT_EQ(found[0].space, AddrSpace::Io);
}

} // namespace
} // namespace ipmi::si::discovery
