// Duplicate handling across sources and the try* switches (ipmi_si_intf.c
// ipmi_si_add_smi / init_ipmi_si rules), on fixture trees shaped like the
// QEMU guests of vm-testing.md.
#include "si/discovery/discovery.hpp"
#include "tests/unit/si/discovery/fixture_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ipmi::si::discovery {
namespace {

using testing::FixtureTree;

bool logHas(const MergeResult& merged, const std::string& text)
{
    return std::any_of(merged.log.begin(), merged.log.end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

// A QEMU guest with -device isa-ipmi-kcs: SMBIOS type 38 and IPI0001.
void qemuKcsGuest(const FixtureTree& tree, const std::string& description = "ipmi_kcs")
{
    tree.writeBytes("/sys/firmware/dmi/tables/DMI", testing::dmiTable({testing::qemuType38Kcs()}));
    const std::string dir = "/sys/bus/acpi/devices/IPI0001:00";
    tree.write(dir + "/hid", "IPI0001\n");
    tree.write(dir + "/path", "\\_SB_.PCI0.ISA_.MI0_\n");
    if (!description.empty()) {
        tree.write(dir + "/description", description + "\n");
    }
    tree.symlink(dir + "/physical_node", "../../../devices/platform/IPI0001:00");
    tree.write("/proc/ioports", "0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca3 : IPI0001:00\n");
}

DiscoveryReport discoverOk(const FixtureTree& tree, const std::vector<std::pair<std::string, std::string>>& kv = {})
{
    auto params = parseSiParams(kv);
    EXPECT_TRUE(params.ok()) << params.error();
    auto report = discover(Sysroot(tree.root()), params.ok() ? params.value() : SiParams{});
    EXPECT_TRUE(report.ok()) << report.error();
    return report.ok() ? std::move(report).value() : DiscoveryReport{};
}

TEST(Discovery, QemuKcsFoundOnceAcpiPreferredWithTheSmbiosSlaveAddress)
{
    FixtureTree tree;
    qemuKcsGuest(tree);
    const auto report = discoverOk(tree);
    ASSERT_EQ(report.merged.interfaces.size(), 1U);
    const auto& kcs = report.merged.interfaces[0];
    EXPECT_EQ(kcs.addrSource, core::AddrSource::Acpi);
    EXPECT_EQ(kcs.type, SiType::Kcs);
    EXPECT_EQ(kcs.address, 0xCA2U);
    EXPECT_EQ(kcs.slaveAddr, 0x20);
    EXPECT_EQ(kcs.acpiPath, "\\_SB_.PCI0.ISA_.MI0_");
    EXPECT_TRUE(logHas(report.merged, "Adding ACPI-specified kcs state machine"));
    EXPECT_TRUE(logHas(report.merged, "SMBIOS-specified kcs state machine: duplicate"));
}

TEST(Discovery, UnknownAcpiTypeIsTakenFromSmbios)
{
    FixtureTree tree;
    qemuKcsGuest(tree, "");
    const auto report = discoverOk(tree);
    ASSERT_EQ(report.merged.interfaces.size(), 1U);
    EXPECT_EQ(report.merged.interfaces[0].type, SiType::Kcs);
    EXPECT_EQ(report.merged.interfaces[0].addrSource, core::AddrSource::Acpi);
    EXPECT_TRUE(report.merged.unresolved.empty());
}

TEST(Discovery, UnknownAcpiTypeWithoutSmbiosIsUnresolved)
{
    FixtureTree tree;
    qemuKcsGuest(tree, "");
    const auto report = discoverOk(tree, {{"trydmi", "0"}});
    EXPECT_FALSE(report.dmiTried);
    EXPECT_TRUE(report.merged.interfaces.empty());
    ASSERT_EQ(report.merged.unresolved.size(), 1U);
    EXPECT_TRUE(report.merged.unresolved[0].typeUnknown);
}

TEST(Discovery, AcpiReplacesAnEarlierSmbiosEntry)
{
    auto smbios = decodeSmbiosType38(testing::qemuType38Kcs());
    ASSERT_TRUE(smbios.ok());
    DiscoveredInterface acpi;
    acpi.type = SiType::Kcs;
    acpi.address = 0xCA2;
    acpi.addrSource = core::AddrSource::Acpi;
    const auto merged = mergeInterfaces({smbios.value(), acpi});
    ASSERT_EQ(merged.interfaces.size(), 1U);
    EXPECT_EQ(merged.interfaces[0].addrSource, core::AddrSource::Acpi);
    EXPECT_EQ(merged.interfaces[0].slaveAddr, 0x20);
    EXPECT_EQ(merged.interfaces[0].specMajor, 2);
    EXPECT_TRUE(logHas(merged, "Removing SMBIOS-specified kcs state machine in favor of ACPI"));
}

TEST(Discovery, FirstSourceWinsOtherwise)
{
    auto smbios = decodeSmbiosType38(testing::qemuType38Kcs());
    ASSERT_TRUE(smbios.ok());
    DiscoveredInterface pci = smbios.value();
    pci.addrSource = core::AddrSource::Pci;
    pci.irq = 0;
    const auto merged = mergeInterfaces({smbios.value(), pci});
    ASSERT_EQ(merged.interfaces.size(), 1U);
    EXPECT_EQ(merged.interfaces[0].addrSource, core::AddrSource::Smbios);
    EXPECT_TRUE(logHas(merged, "PCI-specified kcs state machine: duplicate"));
}

TEST(Discovery, HardcodedAddressHidesFirmwareAtTheSameAddress)
{
    FixtureTree tree;
    qemuKcsGuest(tree);
    const auto report = discoverOk(tree, {{"ports", "0xca2"}, {"regspacings", "4"}});
    ASSERT_EQ(report.merged.interfaces.size(), 1U);
    EXPECT_EQ(report.merged.interfaces[0].addrSource, core::AddrSource::Hardcoded);
    EXPECT_EQ(report.merged.interfaces[0].regSpacing, 4U);
    EXPECT_TRUE(logHas(report.merged, "hard-coded device at this address already exists"));
}

TEST(Discovery, TypeInvalidDisablesAFirmwareInterface)
{
    FixtureTree tree;
    qemuKcsGuest(tree);
    const auto report = discoverOk(tree, {{"type", "invalid"}, {"ports", "0xca2"}});
    EXPECT_TRUE(report.merged.interfaces.empty());
    EXPECT_TRUE(logHas(report.merged, "disabled by type=invalid"));
}

TEST(Discovery, EverySourceCanBeSwitchedOff)
{
    FixtureTree tree;
    qemuKcsGuest(tree);
    tree.writeBytes("/sys/firmware/acpi/tables/SPMI", testing::spmiTable(testing::SpmiFields{}));
    tree.write("/sys/bus/pci/devices/0000:00:05.0/class", "0x0c0702\n");
    tree.write("/sys/bus/pci/devices/0000:00:05.0/resource",
               "0x000000000000c000 0x000000000000c002 0x0000000000040101\n");
    const auto all = discoverOk(tree);
    EXPECT_EQ(all.merged.interfaces.size(), 2U);
    EXPECT_EQ(all.spmi.interfaces.size(), 1U);

    const auto none = discoverOk(tree, {{"trydmi", "0"}, {"tryacpi", "0"}, {"trypci", "0"}});
    EXPECT_FALSE(none.dmiTried);
    EXPECT_FALSE(none.acpiTried);
    EXPECT_FALSE(none.pciTried);
    EXPECT_TRUE(none.smbios.interfaces.empty());
    EXPECT_TRUE(none.acpi.interfaces.empty());
    EXPECT_TRUE(none.spmi.interfaces.empty());
    EXPECT_TRUE(none.pci.interfaces.empty());
    EXPECT_TRUE(none.merged.interfaces.empty());

    const auto onlyPci = discoverOk(tree, {{"trydmi", "0"}, {"tryacpi", "0"}});
    ASSERT_EQ(onlyPci.merged.interfaces.size(), 1U);
    EXPECT_EQ(onlyPci.merged.interfaces[0].addrSource, core::AddrSource::Pci);
    EXPECT_EQ(onlyPci.merged.interfaces[0].type, SiType::Bt);
}

TEST(Discovery, InterfacesWithAnIrqAreNumberedFirst)
{
    FixtureTree tree;
    tree.writeBytes("/sys/firmware/dmi/tables/DMI", testing::dmiTable({testing::qemuType38Bt()}));
    const auto report = discoverOk(tree, {{"ports", "0xca2"}});
    ASSERT_EQ(report.merged.interfaces.size(), 2U);
    EXPECT_EQ(report.merged.interfaces[0].type, SiType::Bt); // irq 5
    EXPECT_EQ(report.merged.interfaces[1].addrSource, core::AddrSource::Hardcoded);
}

TEST(Discovery, SsifFromAcpiAndSmbiosIsOneBmc)
{
    FixtureTree tree;
    tree.writeBytes("/sys/firmware/dmi/tables/DMI", testing::dmiTable({testing::qemuType38Ssif(0x10)}));
    const std::string dir = "/sys/bus/acpi/devices/IPI0001:00";
    tree.write(dir + "/hid", "IPI0001\n");
    tree.write(dir + "/path", "\\_SB_.PCI0.SMB0.MI0_\n");
    tree.symlink(dir + "/physical_node", "../../../devices/pci0000:00/0000:00:1f.3/i2c-3/i2c-IPI0001:00");
    const auto report = discoverOk(tree);
    ASSERT_EQ(report.merged.interfaces.size(), 1U);
    const auto& ssif = report.merged.interfaces[0];
    EXPECT_EQ(ssif.type, SiType::Ssif);
    EXPECT_EQ(ssif.address, 0x10U);
    EXPECT_EQ(ssif.i2cAdapter, std::optional<int>(3));
    EXPECT_EQ(ssif.slaveAddr, 0x20);
    EXPECT_EQ(ssif.addrSource, core::AddrSource::Acpi);
    EXPECT_EQ(ssif.description(), "ssif i2c-3 0x10");
}

TEST(Discovery, HotmodAtStartUpAddsAndRemoves)
{
    FixtureTree tree;
    qemuKcsGuest(tree);
    const auto report = discoverOk(tree, {{"hotmod", "add,bt,i/o,0xe4:remove,kcs,i/o,0xca2"}});
    ASSERT_EQ(report.merged.interfaces.size(), 1U);
    EXPECT_EQ(report.merged.interfaces[0].type, SiType::Bt);
    EXPECT_EQ(report.merged.interfaces[0].addrSource, core::AddrSource::Hotmod);
    EXPECT_TRUE(logHas(report.merged, "1 interface(s) removed"));

    const auto gated = discoverOk(tree, {{"hotmod", "add,bt,i/o,0xe4"}, {"tryplatform", "0"}});
    ASSERT_EQ(gated.merged.interfaces.size(), 1U);
    EXPECT_EQ(gated.merged.interfaces[0].type, SiType::Kcs);
}

TEST(Discovery, BadParametersFailTheWholeDiscovery)
{
    FixtureTree tree;
    SiParams params;
    params.hotmod = "add,kcs,io,0xca2";
    auto report = discover(Sysroot(tree.root()), params);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error().find("address space 'io'"), std::string::npos);

    SiParams sizes;
    sizes.ports = {0xCA2};
    sizes.regSizes = {3};
    report = discover(Sysroot(tree.root()), sizes);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error().find("regsizes"), std::string::npos);
}

TEST(Discovery, NothingIsInventedOnAnEmptyMachine)
{
    FixtureTree tree;
    const auto report = discoverOk(tree);
    EXPECT_TRUE(report.merged.interfaces.empty());
    EXPECT_TRUE(report.merged.unresolved.empty());
}

} // namespace
} // namespace ipmi::si::discovery
