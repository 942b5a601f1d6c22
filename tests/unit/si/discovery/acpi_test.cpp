// ACPI IPI0001 devices as sysfs and /proc show them (see acpi.hpp for what
// userspace can and cannot learn).
#include "si/discovery/acpi.hpp"
#include "tests/unit/si/discovery/fixture_tree.hpp"

#include <gtest/gtest.h>

namespace ipmi::si::discovery {
namespace {

using testing::FixtureTree;

// The layout Linux creates for QEMU's isa-ipmi-kcs: the ACPI device links
// to the platform device IPI0001:00 whose _CRS range is in /proc/ioports.
void addAcpiDevice(const FixtureTree& tree, const std::string& name, const std::string& path,
                   const std::string& description, const std::string& physicalTarget)
{
    const std::string dir = "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A03:00/" + name;
    tree.write(dir + "/hid", "IPI0001\n");
    tree.write(dir + "/path", path + "\n");
    tree.write(dir + "/uid", "0\n");
    if (!description.empty()) {
        tree.write(dir + "/description", description + "\n");
    }
    tree.symlink(dir + "/physical_node", physicalTarget);
    tree.symlink("/sys/bus/acpi/devices/" + name, "../../../devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A03:00/" + name);
}

constexpr const char* kQemuIoports = "0000-0cf7 : PCI Bus 0000:00\n"
                                     "  0000-001f : dma1\n"
                                     "  00e4-00e6 : IPI0001:01\n"
                                     "  0ca2-0ca3 : IPI0001:00\n"
                                     "0cf8-0cff : PCI conf1\n"
                                     "0d00-ffff : PCI Bus 0000:00\n";

TEST(ResourceTree, ParsesNestingAndNames)
{
    const auto entries = parseResourceTree("0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca3 : IPI0001:00\n"
                                           "    0ca2-0ca2 : ipmi_si\nnonsense line\n");
    ASSERT_EQ(entries.size(), 3U);
    EXPECT_EQ(entries[0].end, 0xCF7U);
    EXPECT_EQ(entries[0].name, "PCI Bus 0000:00");
    EXPECT_EQ(entries[1].start, 0xCA2U);
    EXPECT_EQ(entries[1].depth, 1U);
    EXPECT_EQ(entries[2].name, "ipmi_si");
    EXPECT_EQ(entries[2].depth, 2U);
}

TEST(Acpi, QemuKcsAndBt)
{
    FixtureTree tree;
    addAcpiDevice(tree, "IPI0001:00", "\\_SB_.PCI0.ISA_.MI0_", "ipmi_kcs", "../../../../platform/IPI0001:00");
    addAcpiDevice(tree, "IPI0001:01", "\\_SB_.PCI0.ISA_.MI1_", "ipmi_bt", "../../../../platform/IPI0001:01");
    tree.write("/proc/ioports", kQemuIoports);
    const auto result = readAcpiDevices(Sysroot(tree.root()));
    EXPECT_TRUE(result.problems.empty()) << result.problems.front();
    ASSERT_EQ(result.interfaces.size(), 2U);
    const auto& kcs = result.interfaces[0];
    EXPECT_EQ(kcs.type, SiType::Kcs);
    EXPECT_EQ(kcs.space, AddrSpace::Io);
    EXPECT_EQ(kcs.address, 0xCA2U);
    EXPECT_EQ(kcs.regSpacing, 1U);
    EXPECT_EQ(kcs.acpiPath, "\\_SB_.PCI0.ISA_.MI0_");
    EXPECT_EQ(kcs.deviceName, "IPI0001:00");
    EXPECT_EQ(kcs.addrSource, core::AddrSource::Acpi);
    EXPECT_EQ(result.interfaces[1].type, SiType::Bt);
    EXPECT_EQ(result.interfaces[1].address, 0xE4U);
}

TEST(Acpi, SpacingFromTheSecondResource)
{
    FixtureTree tree;
    addAcpiDevice(tree, "IPI0001:00", "\\_SB_.LPC0.IPMI", "", "../../../../platform/IPI0001:00");
    tree.write("/proc/ioports", "0000-0cf7 : PCI Bus 0000:00\n  0ca8-0ca8 : IPI0001:00\n  0cac-0cac : IPI0001:00\n");
    const auto result = readAcpiDevices(Sysroot(tree.root()));
    ASSERT_EQ(result.interfaces.size(), 1U);
    EXPECT_EQ(result.interfaces[0].address, 0xCA8U);
    EXPECT_EQ(result.interfaces[0].regSpacing, 4U);
    EXPECT_TRUE(result.interfaces[0].typeUnknown);
}

TEST(Acpi, MemoryResourceFromIomem)
{
    FixtureTree tree;
    addAcpiDevice(tree, "IPI0001:00", "\\_SB_.IPI0", "IPMI_BT", "../../../../platform/IPI0001:00");
    tree.write("/proc/ioports", "0000-0cf7 : PCI Bus 0000:00\n");
    tree.write("/proc/iomem", "e0000000-efffffff : PCI MMCONFIG\nfe000000-fe000002 : IPI0001:00\n");
    const auto result = readAcpiDevices(Sysroot(tree.root()));
    ASSERT_EQ(result.interfaces.size(), 1U);
    EXPECT_EQ(result.interfaces[0].space, AddrSpace::Memory);
    EXPECT_EQ(result.interfaces[0].address, 0xFE000000U);
    EXPECT_EQ(result.interfaces[0].type, SiType::Bt);
}

TEST(Acpi, IpmiSiParamsAreExact)
{
    FixtureTree tree;
    addAcpiDevice(tree, "IPI0001:00", "\\_SB_.PCI0.ISA_.MI0_", "", "../../../../platform/IPI0001:00");
    tree.write("/sys/devices/platform/IPI0001:00/params", "smic,i/o,0xca9,rsp=1,rsi=1,rsh=0,irq=0,ipmb=32\n");
    tree.symlink("/sys/bus/platform/devices/IPI0001:00", "../../../devices/platform/IPI0001:00");
    const auto result = readAcpiDevices(Sysroot(tree.root()));
    ASSERT_EQ(result.interfaces.size(), 1U);
    EXPECT_EQ(result.interfaces[0].type, SiType::Smic);
    EXPECT_EQ(result.interfaces[0].address, 0xCA9U);
    EXPECT_EQ(result.interfaces[0].slaveAddr, 0x20);
    EXPECT_EQ(result.interfaces[0].addrSource, core::AddrSource::Acpi);
}

TEST(Acpi, SsifClientNamesItsAdapter)
{
    FixtureTree tree;
    addAcpiDevice(tree, "IPI0001:00", "\\_SB_.PCI0.SMB0.MI0_", "ipmi_smbus",
                  "../../../../pci0000:00/0000:00:1f.3/i2c-0/i2c-IPI0001:00");
    const auto result = readAcpiDevices(Sysroot(tree.root()));
    ASSERT_EQ(result.interfaces.size(), 1U);
    const auto& ssif = result.interfaces[0];
    EXPECT_EQ(ssif.type, SiType::Ssif);
    EXPECT_EQ(ssif.space, AddrSpace::Smbus);
    EXPECT_EQ(ssif.i2cAdapter, std::optional<int>(0));
    EXPECT_EQ(ssif.address, 0U); // not visible: sysfs names the client by its ACPI name
    EXPECT_EQ(ssif.deviceName, "i2c-IPI0001:00");
}

TEST(Acpi, AbsentHiddenAndResourcelessDevicesAreReported)
{
    FixtureTree tree;
    addAcpiDevice(tree, "IPI0001:00", "\\_SB_.A", "ipmi_kcs", "../../../../platform/IPI0001:00");
    tree.write("/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A03:00/IPI0001:00/status", "0\n");
    addAcpiDevice(tree, "IPI0001:01", "\\_SB_.B", "ipmi_kcs", "../../../../platform/IPI0001:01");
    addAcpiDevice(tree, "IPI0001:02", "\\_SB_.C", "ipmi_kcs", "../../../../platform/IPI0001:02");
    // A non-root reader sees every range as zeros.
    tree.write("/proc/ioports", "0000-0000 : PCI Bus 0000:00\n  0000-0000 : IPI0001:01\n");
    tree.write("/sys/bus/acpi/devices/PNP0A03:00/hid", "PNP0A03\n");
    const auto result = readAcpiDevices(Sysroot(tree.root()));
    EXPECT_TRUE(result.interfaces.empty());
    ASSERT_EQ(result.problems.size(), 3U);
    EXPECT_NE(result.problems[0].find("not present"), std::string::npos) << result.problems[0];
    EXPECT_NE(result.problems[1].find("run as root"), std::string::npos) << result.problems[1];
    EXPECT_NE(result.problems[2].find("run as root"), std::string::npos) << result.problems[2];
}

TEST(Acpi, PresentStatusAndMissingPhysicalNode)
{
    FixtureTree tree;
    addAcpiDevice(tree, "IPI0001:00", "\\_SB_.A", "ipmi_kcs", "../../../../platform/IPI0001:00");
    tree.write("/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A03:00/IPI0001:00/status", "15\n");
    tree.write("/proc/ioports", kQemuIoports);
    tree.write("/sys/bus/acpi/devices/IPI0001:05/hid", "IPI0001\n");
    const auto result = readAcpiDevices(Sysroot(tree.root()));
    ASSERT_EQ(result.interfaces.size(), 1U);
    ASSERT_EQ(result.problems.size(), 1U);
    EXPECT_NE(result.problems[0].find("no physical node"), std::string::npos);
}

} // namespace
} // namespace ipmi::si::discovery
