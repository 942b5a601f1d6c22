// Detection of interfaces the kernel's ipmi_si / ipmi_ssif already drive.
#include "si/discovery/ownership.hpp"
#include "tests/unit/si/discovery/fixture_tree.hpp"

#include <gtest/gtest.h>

namespace ipmi::si::discovery {
namespace {

using testing::FixtureTree;

DiscoveredInterface kcsAt(std::uint64_t address)
{
    DiscoveredInterface kcs;
    kcs.type = SiType::Kcs;
    kcs.space = AddrSpace::Io;
    kcs.address = address;
    kcs.addrSource = core::AddrSource::Smbios;
    return kcs;
}

TEST(Ownership, FreeInterface)
{
    FixtureTree tree;
    tree.write("/proc/ioports", "0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca3 : IPI0001:00\n");
    const auto result = checkKernelOwnership(Sysroot(tree.root()), kcsAt(0xCA2));
    EXPECT_FALSE(result.ownedByKernel);
    EXPECT_EQ(result.message, "not driven by the kernel's ipmi_si");
}

TEST(Ownership, IpmiSiRegionInIoports)
{
    FixtureTree tree;
    tree.write("/proc/ioports", "0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca3 : IPI0001:00\n    0ca2-0ca2 : ipmi_si\n"
                                "    0ca3-0ca3 : ipmi_si\n");
    const Sysroot root(tree.root());
    const auto owned = checkKernelOwnership(root, kcsAt(0xCA2));
    EXPECT_TRUE(owned.ownedByKernel);
    EXPECT_NE(owned.message.find("ipmi_si holds ca2-ca2 in /proc/ioports"), std::string::npos) << owned.message;
    // The second register alone overlaps too.
    EXPECT_TRUE(checkKernelOwnership(root, kcsAt(0xCA1)).ownedByKernel);
    EXPECT_FALSE(checkKernelOwnership(root, kcsAt(0xCA4)).ownedByKernel);
    auto memory = kcsAt(0xCA2);
    memory.space = AddrSpace::Memory;
    EXPECT_FALSE(checkKernelOwnership(root, memory).ownedByKernel);
}

TEST(Ownership, HiddenAddressesProveNothing)
{
    FixtureTree tree;
    tree.write("/proc/ioports", "0000-0000 : PCI Bus 0000:00\n  0000-0000 : ipmi_si\n");
    EXPECT_FALSE(checkKernelOwnership(Sysroot(tree.root()), kcsAt(0xCA2)).ownedByKernel);
}

TEST(Ownership, BoundPlatformDeviceParams)
{
    FixtureTree tree;
    tree.write("/sys/bus/platform/drivers/ipmi_si/dmi-ipmi-si.0/params",
               "bt,i/o,0xe4,rsp=1,rsi=1,rsh=0,irq=5,ipmb=32\n");
    auto bt = kcsAt(0xE4);
    bt.type = SiType::Bt;
    const auto owned = checkKernelOwnership(Sysroot(tree.root()), bt);
    EXPECT_TRUE(owned.ownedByKernel);
    EXPECT_NE(owned.message.find("dmi-ipmi-si.0"), std::string::npos) << owned.message;
    EXPECT_FALSE(checkKernelOwnership(Sysroot(tree.root()), kcsAt(0xCA2)).ownedByKernel);
}

TEST(Ownership, BoundPciDevice)
{
    FixtureTree tree;
    tree.mkdir("/sys/bus/pci/drivers/ipmi_si/0000:00:05.0");
    auto pci = kcsAt(0xC000);
    pci.addrSource = core::AddrSource::Pci;
    pci.deviceName = "0000:00:05.0";
    const auto owned = checkKernelOwnership(Sysroot(tree.root()), pci);
    EXPECT_TRUE(owned.ownedByKernel);
    EXPECT_NE(owned.message.find("PCI device 0000:00:05.0"), std::string::npos);
}

TEST(Ownership, SsifClients)
{
    FixtureTree tree;
    tree.mkdir("/sys/bus/i2c/drivers/ipmi_ssif/0-0010");
    tree.mkdir("/sys/bus/i2c/drivers/ipmi_ssif/i2c-IPI0001:00");
    const Sysroot root(tree.root());
    DiscoveredInterface ssif;
    ssif.type = SiType::Ssif;
    ssif.space = AddrSpace::Smbus;
    ssif.address = 0x10;
    ssif.i2cAdapter = 0;
    const auto owned = checkKernelOwnership(root, ssif);
    EXPECT_TRUE(owned.ownedByKernel);
    EXPECT_NE(owned.message.find("ipmi_ssif already drives i2c-0 address 0x10"), std::string::npos) << owned.message;

    ssif.i2cAdapter = 1;
    EXPECT_FALSE(checkKernelOwnership(root, ssif).ownedByKernel);
    ssif.i2cAdapter.reset();
    EXPECT_TRUE(checkKernelOwnership(root, ssif).ownedByKernel);

    DiscoveredInterface acpi = ssif;
    acpi.address = 0x12;
    acpi.deviceName = "i2c-IPI0001:00";
    EXPECT_TRUE(checkKernelOwnership(root, acpi).ownedByKernel);
}

TEST(Ownership, KernelInterfacesAreListed)
{
    FixtureTree tree;
    tree.mkdir("/sys/devices/platform/IPI0001:00");
    tree.mkdir("/sys/devices/virtual/ipmi/ipmi0");
    tree.symlink("/sys/devices/virtual/ipmi/ipmi0/device", "../../../platform/IPI0001:00");
    tree.symlink("/sys/class/ipmi/ipmi0", "../../devices/virtual/ipmi/ipmi0");
    const auto found = kernelIpmiInterfaces(Sysroot(tree.root()));
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0], "ipmi0 -> IPI0001:00");
    FixtureTree empty;
    EXPECT_TRUE(kernelIpmiInterfaces(Sysroot(empty.root())).empty());
}

} // namespace
} // namespace ipmi::si::discovery
