// ACPI SPMI decoding (IPMI 2.0 appendix C). QEMU 7.2 publishes no SPMI table, so
// the tables are built by spmiTable() from the values its isa-ipmi-kcs,
// isa-ipmi-bt and smbus-ipmi devices report; see fixture_tree.hpp.
#include "si/discovery/spmi.hpp"
#include "tests/unit/si/discovery/fixture_tree.hpp"

#include <gtest/gtest.h>

namespace ipmi::si::discovery {
namespace {

using testing::SpmiFields;
using testing::spmiTable;

TEST(Spmi, KcsAtCa2)
{
    auto parsed = decodeSpmi(spmiTable(SpmiFields{}));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    const auto& kcs = parsed.value();
    EXPECT_EQ(kcs.type, SiType::Kcs);
    EXPECT_EQ(kcs.space, AddrSpace::Io);
    EXPECT_EQ(kcs.address, 0xCA2U);
    EXPECT_EQ(kcs.regSpacing, 1U);
    EXPECT_EQ(kcs.regSize, 1U);
    EXPECT_EQ(kcs.regShift, 0U);
    EXPECT_EQ(kcs.irq, 0U);
    EXPECT_EQ(kcs.specMajor, 2);
    EXPECT_EQ(kcs.specMinor, 0);
    EXPECT_EQ(kcs.addrSource, core::AddrSource::Spmi);
}

TEST(Spmi, BtWithGpeInterrupt)
{
    SpmiFields fields;
    fields.interfaceType = 3;
    fields.address = 0xE4;
    fields.interruptType = 1;
    fields.gpe = 0x17;
    fields.gsi = 9;
    auto parsed = decodeSpmi(spmiTable(fields));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed.value().type, SiType::Bt);
    EXPECT_EQ(parsed.value().irq, 0x17U);
}

TEST(Spmi, ApicInterruptUsesTheGsi)
{
    SpmiFields fields;
    fields.interruptType = 2;
    fields.gsi = 10;
    auto parsed = decodeSpmi(spmiTable(fields));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value().irq, 10U);
}

TEST(Spmi, MemoryMappedThirtyTwoBitRegisters)
{
    SpmiFields fields;
    fields.spaceId = 0;
    fields.bitWidth = 32;
    fields.bitOffset = 8;
    fields.address = 0xFED40000;
    fields.specRevision = 0x0150;
    auto parsed = decodeSpmi(spmiTable(fields));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed.value().space, AddrSpace::Memory);
    EXPECT_EQ(parsed.value().regSpacing, 4U);
    EXPECT_EQ(parsed.value().regSize, 4U);
    EXPECT_EQ(parsed.value().regShift, 8U);
    EXPECT_EQ(parsed.value().specMajor, 1);
    EXPECT_EQ(parsed.value().specMinor, 5);
}

TEST(Spmi, SsifOnSmbus)
{
    SpmiFields fields;
    fields.interfaceType = 4;
    fields.spaceId = 4;
    fields.address = 0x10;
    auto parsed = decodeSpmi(spmiTable(fields));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed.value().type, SiType::Ssif);
    EXPECT_EQ(parsed.value().space, AddrSpace::Smbus);
    EXPECT_EQ(parsed.value().address, 0x10U);
}

TEST(Spmi, PciDeviceNamesItsLocation)
{
    SpmiFields fields;
    fields.pciFlag = 1;
    fields.pci[1] = 0x02;
    fields.pci[2] = 0x1F;
    fields.pci[3] = 3;
    auto parsed = decodeSpmi(spmiTable(fields));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value().deviceName, "pci 0000:02:1f.3");
}

TEST(Spmi, BadTablesAreRefusedWithTheReason)
{
    auto table = spmiTable(SpmiFields{});
    table[40] ^= 0x01; // checksum now wrong
    auto parsed = decodeSpmi(table);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().find("checksum"), std::string::npos);

    SpmiFields legacy;
    legacy.legacy = 0;
    parsed = decodeSpmi(spmiTable(legacy));
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().find("legacy"), std::string::npos);

    SpmiFields space;
    space.spaceId = 2;
    parsed = decodeSpmi(spmiTable(space));
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().find("address space id 2"), std::string::npos);

    SpmiFields type;
    type.interfaceType = 0;
    EXPECT_FALSE(decodeSpmi(spmiTable(type)).ok());

    SpmiFields mismatch;
    mismatch.interfaceType = 4; // SSIF in I/O space
    EXPECT_FALSE(decodeSpmi(spmiTable(mismatch)).ok());

    SpmiFields zero;
    zero.address = 0;
    EXPECT_FALSE(decodeSpmi(spmiTable(zero)).ok());

    SpmiFields narrow;
    narrow.bitWidth = 4;
    EXPECT_FALSE(decodeSpmi(spmiTable(narrow)).ok());

    auto shortTable = spmiTable(SpmiFields{});
    shortTable.resize(40);
    EXPECT_FALSE(decodeSpmi(shortTable).ok());

    auto signature = spmiTable(SpmiFields{});
    signature[0] = 'X';
    EXPECT_FALSE(decodeSpmi(signature).ok());
}

TEST(Spmi, ReadsEveryTableFromSysfs)
{
    testing::FixtureTree tree;
    tree.writeBytes("/sys/firmware/acpi/tables/SPMI", spmiTable(SpmiFields{}));
    SpmiFields ssif;
    ssif.interfaceType = 4;
    ssif.spaceId = 4;
    ssif.address = 0x10;
    tree.writeBytes("/sys/firmware/acpi/tables/SPMI2", spmiTable(ssif));
    auto broken = spmiTable(SpmiFields{});
    broken[37] = 0;
    tree.writeBytes("/sys/firmware/acpi/tables/SPMI3", broken);
    tree.writeBytes("/sys/firmware/acpi/tables/APIC", {1, 2, 3});
    const auto result = readSpmi(Sysroot(tree.root()));
    ASSERT_EQ(result.interfaces.size(), 2U);
    EXPECT_EQ(result.interfaces[0].type, SiType::Kcs);
    EXPECT_EQ(result.interfaces[0].deviceName, "acpi table SPMI");
    EXPECT_EQ(result.interfaces[1].type, SiType::Ssif);
    ASSERT_EQ(result.problems.size(), 1U);
    EXPECT_NE(result.problems[0].find("SPMI3"), std::string::npos);
}

} // namespace
} // namespace ipmi::si::discovery
