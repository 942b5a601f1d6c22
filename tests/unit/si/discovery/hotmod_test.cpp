// hotmod strings (ipmi_si_hotmod.c syntax): good and bad.
#include "si/discovery/hotmod.hpp"

#include <gtest/gtest.h>

namespace ipmi::si::discovery {
namespace {

// The message parsing `text` fails with (a test failure if it parses).
std::string errorOf(std::string_view text)
{
    auto parsed = parseHotmod(text);
    if (parsed.ok()) {
        ADD_FAILURE() << "'" << text << "' parsed";
        return {};
    }
    return parsed.error();
}

TEST(Hotmod, MinimalAddHasTheKernelDefaults)
{
    auto parsed = parseHotmod("add,kcs,i/o,0xca2");
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    ASSERT_EQ(parsed.value().size(), 1U);
    const auto& op = parsed.value()[0];
    EXPECT_EQ(op.action, HotmodAction::Add);
    EXPECT_EQ(op.target.type, SiType::Kcs);
    EXPECT_EQ(op.target.space, AddrSpace::Io);
    EXPECT_EQ(op.target.address, 0xCA2U);
    EXPECT_EQ(op.target.regSpacing, 1U);
    EXPECT_EQ(op.target.regSize, 1U);
    EXPECT_EQ(op.target.regShift, 0U);
    EXPECT_EQ(op.target.irq, 0U);
    EXPECT_EQ(op.target.slaveAddr, 0);
    EXPECT_EQ(op.target.addrSource, core::AddrSource::Hotmod);
}

TEST(Hotmod, EveryOption)
{
    auto parsed = parseHotmod("add,bt,mem,0xfed00000,rsp=4,rsi=4,rsh=8,irq=10,ipmb=0x22");
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    const auto& target = parsed.value()[0].target;
    EXPECT_EQ(target.type, SiType::Bt);
    EXPECT_EQ(target.space, AddrSpace::Memory);
    EXPECT_EQ(target.address, 0xFED00000U);
    EXPECT_EQ(target.regSpacing, 4U);
    EXPECT_EQ(target.regSize, 4U);
    EXPECT_EQ(target.regShift, 8U);
    EXPECT_EQ(target.irq, 10U);
    EXPECT_EQ(target.slaveAddr, 0x22);
}

TEST(Hotmod, RegSizeAloneSetsTheSpacing)
{
    auto parsed = parseHotmod("add,kcs,mem,0x1000,rsi=4");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value()[0].target.regSpacing, 4U);
}

TEST(Hotmod, SeveralOperationsAndATrailingNewline)
{
    auto parsed = parseHotmod("remove,smic,i/o,0xca9:add,kcs,i/o,0xca2,rsp=4\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    ASSERT_EQ(parsed.value().size(), 2U);
    EXPECT_EQ(parsed.value()[0].action, HotmodAction::Remove);
    EXPECT_EQ(parsed.value()[0].target.type, SiType::Smic);
    EXPECT_EQ(parsed.value()[0].target.address, 0xCA9U);
    EXPECT_EQ(parsed.value()[1].action, HotmodAction::Add);
    EXPECT_EQ(parsed.value()[1].target.regSpacing, 4U);
}

TEST(Hotmod, RemoveMatchesSpaceTypeAndAddress)
{
    auto parsed = parseHotmod("remove,kcs,i/o,0xca2");
    ASSERT_TRUE(parsed.ok());
    DiscoveredInterface candidate;
    candidate.type = SiType::Kcs;
    candidate.space = AddrSpace::Io;
    candidate.address = 0xCA2;
    candidate.regSpacing = 4;
    EXPECT_TRUE(hotmodRemoveMatches(parsed.value()[0], candidate));
    candidate.type = SiType::Bt;
    EXPECT_FALSE(hotmodRemoveMatches(parsed.value()[0], candidate));
    candidate.type = SiType::Kcs;
    candidate.space = AddrSpace::Memory;
    EXPECT_FALSE(hotmodRemoveMatches(parsed.value()[0], candidate));
}

TEST(Hotmod, ErrorsNameTheBadField)
{
    EXPECT_NE(errorOf("add").find("no hotmod operation given"), std::string::npos) << errorOf("add");
    EXPECT_NE(errorOf("mod,kcs,i/o,1").find("invalid hotmod operation 'mod'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs").find("no hotmod interface type given"), std::string::npos);
    EXPECT_NE(errorOf("add,ssif,i/o,1").find("invalid hotmod interface type 'ssif'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o").find("no hotmod address space given"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,io,0xca2").find("invalid hotmod address space 'io'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o,xyz").find("invalid hotmod address 'xyz'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o,").find("invalid hotmod address ''"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o,0xca2,foo=1").find("invalid hotmod option 'foo'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o,0xca2,rsp").find("no option given for 'rsp'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o,0xca2,rsp=").find("bad option given for 'rsp'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o,0xca2,irq=1x").find("bad option given for 'irq'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o,0xca2,ipmb=0x120").find("'ipmb'"), std::string::npos);
    EXPECT_NE(errorOf("add,kcs,i/o,0xca2,rsi=3").find("'rsi'"), std::string::npos);
    EXPECT_NE(errorOf("").find("empty"), std::string::npos);
    EXPECT_NE(errorOf("  \n").find("empty"), std::string::npos);
}

TEST(Hotmod, ABadOperationRefusesTheWholeString)
{
    const std::string error = errorOf("add,kcs,i/o,0xca2:add,kcs,i/o,0xca3,rsp=x");
    EXPECT_NE(error.find("hotmod operation 1"), std::string::npos) << error;
    EXPECT_NE(error.find("'rsp'"), std::string::npos) << error;
}

} // namespace
} // namespace ipmi::si::discovery
