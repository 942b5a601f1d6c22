// What the daemon plans to drive, over a fake sysroot (QEMU's own SMBIOS
// type 38 bytes, an ACPI IPI0001 I2C client): SSIF found by SMBIOS and by
// ACPI _IFT 4 becomes an SSIF backend (ipmi_ssif.trydmi/tryacpi obeyed),
// start-up hotmod adds go through the same builder as run-time ones, and
// every hardware backend the kernel's ipmi_si/ipmi_ssif drives is refused.
#include "daemon/backends/backends.hpp"
#include "tests/unit/si/discovery/fixture_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ipmi::daemon {
namespace {

using si::discovery::testing::FixtureTree;

class PlanOverSysroot : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        config.daemon.sysroot = tree.root();
        config.si.tryPci = false;
    }

    void smbiosSsif() const
    {
        tree.writeBytes("/sys/firmware/dmi/tables/DMI",
                        si::discovery::testing::dmiTable({si::discovery::testing::qemuType38Ssif(0x10)}));
    }

    void acpiSsifOnAdapter3() const
    {
        const std::string dir = "/sys/bus/acpi/devices/IPI0001:00";
        tree.write(dir + "/hid", "IPI0001\n");
        tree.write(dir + "/path", "\\_SB_.PCI0.SMB0.MI0_\n");
        tree.symlink(dir + "/physical_node", "../../../devices/pci0000:00/0000:00:1f.3/i2c-3/i2c-IPI0001:00");
    }

    BackendPlan planOk()
    {
        auto planned = planBackends(config);
        if (auto* error = std::get_if<std::string>(&planned)) {
            ADD_FAILURE() << *error;
            return {};
        }
        if (auto* none = std::get_if<NoInterface>(&planned)) {
            ADD_FAILURE() << none->message;
            return {};
        }
        return std::get<BackendPlan>(std::move(planned));
    }

    // The message of "nothing to serve"; "" (and a failure) for anything else.
    std::string planNothing()
    {
        auto planned = planBackends(config);
        if (const auto* none = std::get_if<NoInterface>(&planned)) {
            return none->message;
        }
        ADD_FAILURE() << "a plan or a refusal where nothing to serve was expected";
        return {};
    }

    std::string planError()
    {
        auto planned = planBackends(config);
        if (!std::holds_alternative<std::string>(planned)) {
            ADD_FAILURE() << "a plan where a refusal was expected";
            return {};
        }
        return std::get<std::string>(planned);
    }

    FixtureTree tree;
    Config config;
};

TEST_F(PlanOverSysroot, SsifFromSmbiosType38)
{
    smbiosSsif();
    const auto plan = planOk();
    ASSERT_EQ(plan.backends.size(), 1U);
    const auto& b = plan.backends[0];
    EXPECT_EQ(b.description, "ssif any adapter addr 16 (SMBIOS)");
    EXPECT_EQ(b.target.type, si::SiType::Ssif);
    EXPECT_EQ(b.target.address, 0x10U);
    EXPECT_FALSE(b.target.i2cAdapter.has_value());
    EXPECT_FALSE(b.simulated);

    config.ssif.tryDmi = false;
    EXPECT_EQ(planNothing().rfind("no IPMI interface found: nothing to serve (looked at ", 0), 0U);
}

TEST_F(PlanOverSysroot, NothingToServeNamesWhatWasLookedAt)
{
    EXPECT_EQ(planNothing(), "no IPMI interface found: nothing to serve (looked at the parameters "
                             "ipmi_si.type/ports/addrs, ipmi_si.hotmod and ipmi_ssif.addr, SMBIOS type 38, ACPI "
                             "IPI0001/SPMI; the kernel's ipmi_si would say \"Unable to find any System "
                             "Interface(s)\" and load nothing). On a host with a BMC, name it with "
                             "--ipmi_si.type/--ipmi_si.ports (e.g. --ipmi_si.ports=0xca2) or --ipmi_ssif.addr; --sim "
                             "serves the embedded simulated BMC instead.");
    config.si.tryDmi = false;
    config.si.tryAcpi = false;
    config.si.tryPlatform = false;
    EXPECT_NE(planNothing().find("(looked at the parameters ipmi_si.type/ports/addrs and ipmi_ssif.addr; the kernel"),
              std::string::npos);
}

TEST_F(PlanOverSysroot, SsifFromAcpiIft4TakesTheAdapter)
{
    smbiosSsif();
    acpiSsifOnAdapter3();
    const auto plan = planOk();
    ASSERT_EQ(plan.backends.size(), 1U);
    EXPECT_EQ(plan.backends[0].description, "ssif i2c-3 addr 16 (ACPI)");
    EXPECT_EQ(plan.backends[0].target.i2cAdapter, std::optional<int>(3));
    EXPECT_EQ(plan.backends[0].ssifAdapter, "i2c-3");
}

TEST_F(PlanOverSysroot, SsifParameterForADiscoveredBmcAddsNoSecondDriver)
{
    smbiosSsif();
    acpiSsifOnAdapter3();
    config.ssif.addrs = {0x10, 0x12};
    config.ssif.adapters = {"3", "3"};
    const auto plan = planOk();
    ASSERT_EQ(plan.backends.size(), 2U);
    EXPECT_EQ(plan.backends[0].description, "ssif i2c-3 addr 16 (ACPI)");
    EXPECT_EQ(plan.backends[1].target.address, 0x12U);
    EXPECT_NE(std::find_if(plan.log.begin(), plan.log.end(),
                           [](const std::string& line) {
                               return line.find("already found as ssif i2c-3") != std::string::npos;
                           }),
              plan.log.end());

    config.ssif.adapters = {"4", "3"}; // another bus: another BMC
    EXPECT_EQ(planOk().backends.size(), 3U);
}

TEST_F(PlanOverSysroot, SsifTheKernelHoldsIsRefused)
{
    smbiosSsif();
    acpiSsifOnAdapter3();
    tree.mkdir("/sys/bus/i2c/drivers/ipmi_ssif/3-0010");
    EXPECT_EQ(planError(), "every interface found is driven by the kernel: ssif i2c-3 addr 16 (ACPI): the kernel's "
                           "ipmi_ssif already drives i2c-3 address 0x10 (client 3-0010); unload ipmi_ssif first");
}

TEST_F(PlanOverSysroot, StartUpHotmodUsesTheSameBuilderAndOwnershipCheck)
{
    ASSERT_TRUE(si::discovery::applySiParam(config.si, "hotmod", "add,kcs,i/o,0xca2,rsp=4"));
    const auto plan = planOk();
    ASSERT_EQ(plan.backends.size(), 1U);
    const auto expected = siBackend(config, plan.backends[0].target, 0);
    EXPECT_EQ(plan.backends[0].description, "kcs i/o 0xca2 spacing 4 (hotmod)");
    EXPECT_EQ(plan.backends[0].description, expected.description);
    EXPECT_EQ(plan.backends[0].target.regSpacing, 4U);

    tree.write("/proc/ioports", "0ca0-0caf : ipmi_si\n");
    const auto refused = planError();
    EXPECT_EQ(refused.rfind("every interface found is driven by the kernel: kcs i/o 0xca2 spacing 4 (hotmod): the "
                            "kernel's ipmi_si holds ca0-caf in /proc/ioports",
                            0),
              0U)
        << refused;
}

TEST_F(PlanOverSysroot, AdapterNumbers)
{
    tree.write("/sys/class/i2c-adapter/i2c-7/name", "SMBus I801 adapter at f000\n");
    EXPECT_EQ(i2cAdapterNumber(config, "i2c-2"), std::optional<int>(2));
    EXPECT_EQ(i2cAdapterNumber(config, "5"), std::optional<int>(5));
    EXPECT_EQ(i2cAdapterNumber(config, "SMBusI801 adapter at f000"), std::optional<int>(7));
    EXPECT_EQ(i2cAdapterNumber(config, "no such adapter"), std::nullopt);
    EXPECT_EQ(i2cAdapterNumber(config, ""), std::nullopt);
}

} // namespace
} // namespace ipmi::daemon
