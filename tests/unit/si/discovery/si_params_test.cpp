// ipmi_si module parameters in the kernel's syntax (ipmi_si_hardcode.c).
#include "si/discovery/si_params.hpp"

#include <gtest/gtest.h>

namespace ipmi::si::discovery {
namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

std::vector<DiscoveredInterface> interfacesOf(const KeyValues& keyValues)
{
    auto params = parseSiParams(keyValues);
    EXPECT_TRUE(params.ok()) << params.error();
    if (!params) {
        return {};
    }
    auto found = hardcodedInterfaces(params.value());
    EXPECT_TRUE(found.ok()) << found.error();
    return found.ok() ? found.value() : std::vector<DiscoveredInterface>{};
}

// The message the parameters are refused with (a test failure if they are not).
std::string errorOf(const KeyValues& keyValues)
{
    auto params = parseSiParams(keyValues);
    if (!params) {
        return params.error();
    }
    auto found = hardcodedInterfaces(params.value());
    if (found.ok()) {
        ADD_FAILURE() << "the parameters were accepted";
        return {};
    }
    return found.error();
}

TEST(SiParams, TypesAndPortsPerInterface)
{
    const auto found = interfacesOf({{"type", "kcs,bt"}, {"ports", "0xca2,0xe4"}});
    ASSERT_EQ(found.size(), 2U);
    EXPECT_EQ(found[0].type, SiType::Kcs);
    EXPECT_EQ(found[0].space, AddrSpace::Io);
    EXPECT_EQ(found[0].address, 0xCA2U);
    EXPECT_EQ(found[0].regSpacing, 1U);
    EXPECT_EQ(found[0].regSize, 1U);
    EXPECT_EQ(found[0].addrSource, core::AddrSource::Hardcoded);
    EXPECT_EQ(found[1].type, SiType::Bt);
    EXPECT_EQ(found[1].address, 0xE4U);
    EXPECT_EQ(found[1].paramsString(), "bt,i/o,0xe4,rsp=1,rsi=1,rsh=0,irq=0,ipmb=0");
}

TEST(SiParams, MissingTypeMeansKcsAndDecimalOctalHexAllParse)
{
    const auto found = interfacesOf({{"ports", "3234,0144"}});
    ASSERT_EQ(found.size(), 2U);
    EXPECT_EQ(found[0].type, SiType::Kcs);
    EXPECT_EQ(found[0].address, 0xCA2U);
    EXPECT_EQ(found[1].address, 0x64U);
}

TEST(SiParams, RegSpacingDefaultsToRegSize)
{
    const auto found = interfacesOf({{"addrs", "0xfed40000"}, {"regsizes", "4"}, {"regshifts", "8"}});
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].space, AddrSpace::Memory);
    EXPECT_EQ(found[0].regSize, 4U);
    EXPECT_EQ(found[0].regSpacing, 4U);
    EXPECT_EQ(found[0].regShift, 8U);
}

TEST(SiParams, ExplicitSpacingSlaveAddressAndIrq)
{
    const auto found =
        interfacesOf({{"ports", "0,0xca8"}, {"regspacings", "1,4"}, {"slave_addrs", "0,0x22"}, {"irqs", "0,10"}});
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].address, 0xCA8U);
    EXPECT_EQ(found[0].regSpacing, 4U);
    EXPECT_EQ(found[0].slaveAddr, 0x22);
    EXPECT_EQ(found[0].irq, 10U);
    EXPECT_EQ(found[0].deviceName, "hardcode-ipmi-si.1");
}

TEST(SiParams, PortAndAddressAtOneIndexGiveTwoInterfaces)
{
    const auto found = interfacesOf({{"ports", "0xca2"}, {"addrs", "0xfed00000"}});
    ASSERT_EQ(found.size(), 2U);
    EXPECT_EQ(found[0].space, AddrSpace::Io);
    EXPECT_EQ(found[1].space, AddrSpace::Memory);
}

TEST(SiParams, InvalidTypeIsKeptToMaskFirmware)
{
    const auto found = interfacesOf({{"type", "invalid"}, {"ports", "0xca2"}});
    ASSERT_EQ(found.size(), 1U);
    EXPECT_TRUE(found[0].invalid);
}

TEST(SiParams, BadValuesNameTheFieldAndTheValue)
{
    std::string error = errorOf({{"ports", "0xca2,zz"}});
    EXPECT_NE(error.find("ports"), std::string::npos) << error;
    EXPECT_NE(error.find("'zz'"), std::string::npos) << error;

    error = errorOf({{"ports", "1,2,3,4,5"}});
    EXPECT_NE(error.find("can only take 4"), std::string::npos) << error;

    error = errorOf({{"ports", "0xca2,,0xe4"}});
    EXPECT_NE(error.find("entry 1"), std::string::npos) << error;

    error = errorOf({{"type", "kcs,foo"}});
    EXPECT_NE(error.find("type"), std::string::npos) << error;
    EXPECT_NE(error.find("'foo'"), std::string::npos) << error;

    error = errorOf({{"type", "ssif"}});
    EXPECT_NE(error.find("'ssif'"), std::string::npos) << error;

    error = errorOf({{"type", "kcs,kcs,kcs,kcs,kcs,kcs"}});
    EXPECT_NE(error.find("type"), std::string::npos) << error;

    error = errorOf({{"trydmi", "maybe"}});
    EXPECT_NE(error.find("trydmi"), std::string::npos) << error;
    EXPECT_NE(error.find("'maybe'"), std::string::npos) << error;

    error = errorOf({{"portz", "0xca2"}});
    EXPECT_NE(error.find("unknown ipmi_si parameter 'portz'"), std::string::npos) << error;

    error = errorOf({{"ports", "0xca2"}, {"regsizes", "3"}});
    EXPECT_NE(error.find("regsizes"), std::string::npos) << error;

    error = errorOf({{"ports", "0xca2"}, {"slave_addrs", "0x100"}});
    EXPECT_NE(error.find("slave_addrs"), std::string::npos) << error;

    error = errorOf({{"ports", "0x1ffffffff"}});
    EXPECT_NE(error.find("ports"), std::string::npos) << error;

    error = errorOf({{"ports", "0xca2"}, {"regspacings", "-4"}});
    EXPECT_NE(error.find("regspacings"), std::string::npos) << error;
}

TEST(SiParams, TypeStringLengthLimitIsTheKernels)
{
    EXPECT_TRUE(errorOf({{"type", std::string(29, 'k')}}).find("longer") == std::string::npos);
    EXPECT_NE(errorOf({{"type", std::string(30, 'k')}}).find("longer than 29"), std::string::npos);
}

TEST(SiParams, BooleansAsKstrtobool)
{
    auto params = parseSiParams(
        {{"trydmi", "0"}, {"tryacpi", "n"}, {"trypci", "off"}, {"tryplatform", "N"}, {"unload_when_empty", "false"}});
    ASSERT_TRUE(params.ok()) << params.error();
    EXPECT_FALSE(params.value().tryDmi);
    EXPECT_FALSE(params.value().tryAcpi);
    EXPECT_FALSE(params.value().tryPci);
    EXPECT_FALSE(params.value().tryPlatform);
    EXPECT_FALSE(params.value().unloadWhenEmpty);

    params = parseSiParams({{"trydmi", "0"}, {"trydmi", ""}, {"tryacpi", "on"}, {"trypci", "Y"}});
    ASSERT_TRUE(params.ok());
    EXPECT_TRUE(params.value().tryDmi);
    EXPECT_TRUE(params.value().tryAcpi);
    EXPECT_TRUE(params.value().tryPci);
    EXPECT_FALSE(parseSiParams({{"trydmi", "2"}}).ok());
}

TEST(SiParams, DefaultsAreTheKernels)
{
    const SiParams params;
    EXPECT_TRUE(params.tryDmi);
    EXPECT_TRUE(params.tryAcpi);
    EXPECT_TRUE(params.tryPci);
    EXPECT_TRUE(params.tryPlatform);
    EXPECT_TRUE(params.unloadWhenEmpty);
    EXPECT_FALSE(params.forceKipmidFor(0).has_value());
    EXPECT_EQ(params.kipmidMaxBusyUsFor(0), 0UL);
    auto none = hardcodedInterfaces(params);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none.value().empty());
}

TEST(SiParams, KipmidArraysAreIndexedByInterfaceNumber)
{
    auto params = parseSiParams({{"force_kipmid", "1,0"}, {"kipmid_max_busy_us", "100,0x200"}});
    ASSERT_TRUE(params.ok()) << params.error();
    EXPECT_EQ(params.value().forceKipmidFor(0), std::optional<bool>(true));
    EXPECT_EQ(params.value().forceKipmidFor(1), std::optional<bool>(false));
    EXPECT_FALSE(params.value().forceKipmidFor(2).has_value());
    EXPECT_EQ(params.value().kipmidMaxBusyUsFor(0), 100UL);
    EXPECT_EQ(params.value().kipmidMaxBusyUsFor(1), 0x200UL);
    EXPECT_EQ(params.value().kipmidMaxBusyUsFor(3), 0UL);
    EXPECT_FALSE(parseSiParams({{"kipmid_max_busy_us", "-1"}}).ok());
}

} // namespace
} // namespace ipmi::si::discovery

namespace ipmi::si::discovery {
namespace {

TEST(SiParams, DirectlyBuiltParamsAreCheckedToo)
{
    SiParams params;
    params.ports = {0xCA2};
    params.types = {"ssif"};
    auto found = hardcodedInterfaces(params);
    ASSERT_FALSE(found.ok());
    EXPECT_NE(found.error().find("'ssif'"), std::string::npos);
    params.types = {"nonsense"};
    EXPECT_FALSE(hardcodedInterfaces(params).ok());
}

} // namespace
} // namespace ipmi::si::discovery
