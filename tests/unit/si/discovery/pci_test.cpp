// PCI class 0x0c07 discovery on fixture sysfs trees (ipmi_si_pci.c rules).
#include "si/discovery/pci.hpp"
#include "tests/unit/si/discovery/fixture_tree.hpp"

#include <gtest/gtest.h>

namespace ipmi::si::discovery {
namespace {

// sysfs "resource": start end flags per line; 0x40101 = IORESOURCE_IO |
// IORESOURCE_SIZEALIGN | 1 (BAR type), 0x40200 = IORESOURCE_MEM | SIZEALIGN.
void addDevice(const testing::FixtureTree& tree, const std::string& bdf, const std::string& classCode,
               const std::string& vendor, const std::string& device, const std::string& bar0, const std::string& irq)
{
    const std::string dir = "/sys/bus/pci/devices/" + bdf;
    tree.write(dir + "/class", classCode + "\n");
    tree.write(dir + "/vendor", vendor + "\n");
    tree.write(dir + "/device", device + "\n");
    tree.write(dir + "/irq", irq + "\n");
    tree.write(dir + "/resource", bar0 + "\n0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
}

TEST(Pci, KcsBtSmicByProgIf)
{
    testing::FixtureTree tree;
    addDevice(tree, "0000:00:05.0", "0x0c0701", "0x1af4", "0x1110",
              "0x000000000000c000 0x000000000000c001 0x0000000000040101", "11");
    addDevice(tree, "0000:00:06.0", "0x0c0702", "0x8086", "0x1234",
              "0x00000000fe000000 0x00000000fe000fff 0x0000000000040200", "0");
    addDevice(tree, "0000:00:07.0", "0x0c0700", "0x8086", "0x1235",
              "0x000000000000c100 0x000000000000c103 0x0000000000040101", "0");
    addDevice(tree, "0000:00:01.0", "0x060100", "0x8086", "0x7000",
              "0x000000000000c200 0x000000000000c20f 0x0000000000040101", "0");
    const auto result = readPci(Sysroot(tree.root()));
    EXPECT_TRUE(result.problems.empty());
    ASSERT_EQ(result.interfaces.size(), 3U);

    const auto& kcs = result.interfaces[0];
    EXPECT_EQ(kcs.deviceName, "0000:00:05.0");
    EXPECT_EQ(kcs.type, SiType::Kcs);
    EXPECT_EQ(kcs.space, AddrSpace::Io);
    EXPECT_EQ(kcs.address, 0xC000U);
    EXPECT_EQ(kcs.irq, 11U);
    EXPECT_EQ(kcs.regSpacing, 1U);
    EXPECT_TRUE(kcs.spacingNeedsProbe);
    EXPECT_EQ(kcs.addrSource, core::AddrSource::Pci);

    const auto& bt = result.interfaces[1];
    EXPECT_EQ(bt.type, SiType::Bt);
    EXPECT_EQ(bt.space, AddrSpace::Memory);
    EXPECT_EQ(bt.address, 0xFE000000U);
    EXPECT_FALSE(bt.spacingNeedsProbe);

    EXPECT_EQ(result.interfaces[2].type, SiType::Smic);
}

TEST(Pci, SkipsTheRealtekVirtualDeviceUnknownProgIfAndUnassignedBars)
{
    testing::FixtureTree tree;
    addDevice(tree, "0000:00:05.0", "0x0c0701", "0x10ec", "0x816c",
              "0x000000000000c000 0x000000000000c001 0x0000000000040101", "0");
    addDevice(tree, "0000:00:06.0", "0x0c0703", "0x8086", "0x1234",
              "0x000000000000c100 0x000000000000c101 0x0000000000040101", "0");
    addDevice(tree, "0000:00:07.0", "0x0c0701", "0x8086", "0x1235",
              "0x0000000000000000 0x0000000000000000 0x0000000000000000", "0");
    const auto result = readPci(Sysroot(tree.root()));
    EXPECT_TRUE(result.interfaces.empty());
    ASSERT_EQ(result.problems.size(), 3U);
    EXPECT_NE(result.problems[0].find("Realtek"), std::string::npos);
    EXPECT_NE(result.problems[1].find("unknown IPMI class 0x0c0703"), std::string::npos) << result.problems[1];
    EXPECT_NE(result.problems[2].find("not assigned"), std::string::npos);
}

TEST(Pci, NoBusIsNothingFound)
{
    testing::FixtureTree tree;
    const auto result = readPci(Sysroot(tree.root()));
    EXPECT_TRUE(result.interfaces.empty());
    EXPECT_TRUE(result.problems.empty());
}

TEST(Pci, KcsSpacingProbeTakesTheFirstNonZeroStatus)
{
    std::vector<unsigned> tried;
    const auto spacing = probePciKcsSpacing([&](unsigned s) -> std::optional<std::uint8_t> {
        tried.push_back(s);
        return s == 4 ? 0x41 : 0x00;
    });
    EXPECT_EQ(spacing, 4U);
    EXPECT_EQ(tried, (std::vector<unsigned>{1, 4}));
}

TEST(Pci, KcsSpacingProbeFallsBackToOne)
{
    std::vector<unsigned> tried;
    EXPECT_EQ(probePciKcsSpacing([&](unsigned s) -> std::optional<std::uint8_t> {
                  tried.push_back(s);
                  return 0;
              }),
              1U);
    EXPECT_EQ(tried, (std::vector<unsigned>{1, 4, 16}));
    EXPECT_EQ(probePciKcsSpacing([](unsigned s) -> std::optional<std::uint8_t> {
                  if (s == 1) {
                      return 0;
                  }
                  return std::nullopt;
              }),
              1U);
    EXPECT_EQ(probePciKcsSpacing([](unsigned) -> std::optional<std::uint8_t> { return 0xC0; }), 1U);
}

} // namespace
} // namespace ipmi::si::discovery
