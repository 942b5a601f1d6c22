// The ACPI IPMI operation-region bridge: buffer and status semantics, the
// 5-s wait, over-long buffers, and which device goes (and which is selected
// next) when an interface is removed.
#include "core/services/acpi_bridge.hpp"
#include "tests/unit/core_services/services_fixture.hpp"

#include <cerrno>
#include <variant>

namespace ipmi::core::services::testing {
namespace {

using std::chrono::milliseconds;

InterfaceInfo acpiInfo(const std::string& path)
{
    auto info = ScriptedInterface::defaultInfo();
    info.addrSource = AddrSource::Acpi;
    info.acpiPath = path;
    return info;
}

AcpiIpmiBuffer bufferWith(const Bytes& data)
{
    AcpiIpmiBuffer b;
    b.status = 0xAA; // whatever the AML left there
    b.length = static_cast<std::uint8_t>(data.size());
    std::copy(data.begin(), data.end(), b.data.begin());
    return b;
}

class AcpiBridgeTest : public ServicesTest
{
  protected:
    std::optional<AcpiIpmiBuffer> call(AcpiIpmiBridge& bridge, std::uint64_t address, const AcpiIpmiBuffer& in,
                                       int expectRv = 0)
    {
        std::optional<AcpiIpmiBuffer> out;
        EXPECT_EQ(bridge.request(address, in, [&out](const AcpiIpmiBuffer& b) { out = b; }), expectRv);
        loop.runPosted();
        return out;
    }
};

TEST_F(AcpiBridgeTest, OkFillsTheBufferWithCompletionCodeAndData)
{
    auto* bmc = addInterface(acpiInfo("\\_SB.PCI0.LPCB.SIO1.IPMI"));
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x80));
    AcpiIpmiBridge bridge(*mh);
    EXPECT_EQ(bridge.selectedInterface(), 0);
    auto out = call(bridge, 0x0601, bufferWith({}));
    ASSERT_TRUE(out);
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{Bytes{0x18, 0x01}}));
    const auto expected = deviceIdAnswer(0x001234, 0x0042, 0x80);
    EXPECT_EQ(out->status, kAcpiIpmiOk);
    EXPECT_EQ(out->length, expected.size());
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), out->data.begin()));
    EXPECT_EQ(bridge.waiting(), 0U);
}

TEST_F(AcpiBridgeTest, RequestDataAndRegionAddressMakeTheMessage)
{
    auto* bmc = addInterface(acpiInfo("\\_SB.IPMI"));
    answer(0x0A, 0x43, {0x00, 0x34, 0x12});
    AcpiIpmiBridge bridge(*mh);
    // Upper address bits beyond the netfn byte are ignored, as the kernel's
    // masks do.
    auto out = call(bridge, 0x1234'0A43, bufferWith({0x00, 0x00, 0x01, 0x00, 0x00, 0xFF}));
    ASSERT_TRUE(out);
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{Bytes{0x28, 0x43, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF}}));
    EXPECT_EQ(out->status, kAcpiIpmiOk);
    EXPECT_EQ(out->length, 3);
    EXPECT_EQ(out->data[0], 0x00);
    EXPECT_EQ(out->data[1], 0x34);
    EXPECT_EQ(out->data[2], 0x12);
}

TEST_F(AcpiBridgeTest, TimeoutCompletionCodeIsStatus0x10AndLeavesTheRest)
{
    addInterface(acpiInfo("\\_SB.IPMI"));
    answer(0x06, 0x01, {0xC3});
    AcpiIpmiBridge bridge(*mh);
    const auto in = bufferWith({0x01, 0x02});
    auto out = call(bridge, 0x0601, in);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiTimeout);
    EXPECT_EQ(out->length, 2);
    EXPECT_EQ(out->data, in.data);
}

TEST_F(AcpiBridgeTest, OtherErrorAloneIsUnknownButErrorWithDataIsOk)
{
    addInterface(acpiInfo("\\_SB.IPMI"));
    answer(0x06, 0x01, {0xC1});
    answer(0x06, 0x04, {0xD5, 0x00});
    AcpiIpmiBridge bridge(*mh);
    auto out = call(bridge, 0x0601, bufferWith({}));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiUnknown);
    EXPECT_EQ(out->length, 0);
    out = call(bridge, 0x0604, bufferWith({}));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiOk);
    EXPECT_EQ(out->length, 2);
    EXPECT_EQ(out->data[0], 0xD5);
}

TEST_F(AcpiBridgeTest, NoAnswerWithinFiveSecondsIsUnknown)
{
    auto* bmc = addInterface(acpiInfo("\\_SB.IPMI"));
    AcpiIpmiBridge bridge(*mh);
    std::optional<AcpiIpmiBuffer> out;
    ASSERT_EQ(bridge.request(0x0601, bufferWith({}), [&out](const AcpiIpmiBuffer& b) { out = b; }), 0);
    loop.advance(milliseconds(4999));
    EXPECT_FALSE(out);
    EXPECT_EQ(bridge.waiting(), 1U);
    loop.advance(milliseconds(1));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiUnknown);
    EXPECT_EQ(bridge.waiting(), 0U);
    // The late answer changes nothing.
    out.reset();
    bmc->respondCc(0x00, {0x20});
    loop.runPosted();
    EXPECT_FALSE(out);
}

TEST_F(AcpiBridgeTest, ResponseOverSixtyFourBytesIsUnknown)
{
    addInterface(acpiInfo("\\_SB.IPMI"));
    answer(0x0A, 0x23, Bytes(65, 0x00)); // cc + 64 bytes
    answer(0x0A, 0x24, Bytes(64, 0x00)); // cc + 63 bytes: fits
    AcpiIpmiBridge bridge(*mh);
    auto out = call(bridge, 0x0A23, bufferWith({}));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiUnknown);
    out = call(bridge, 0x0A24, bufferWith({}));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiOk);
    EXPECT_EQ(out->length, 64);
}

TEST_F(AcpiBridgeTest, OverLongRequestAndBadNetfnAreRefusedUpFront)
{
    auto* bmc = addInterface(acpiInfo("\\_SB.IPMI"));
    AcpiIpmiBridge bridge(*mh);
    auto in = bufferWith({});
    in.length = 65;
    bool called = false;
    EXPECT_EQ(bridge.request(0x0601, in, [&called](const AcpiIpmiBuffer&) { called = true; }), -EINVAL);
    in.length = 0;
    EXPECT_EQ(bridge.request(0x0701, in, [&called](const AcpiIpmiBuffer&) { called = true; }), -EINVAL);
    loop.advance(milliseconds(6000));
    EXPECT_FALSE(called);
    EXPECT_TRUE(bmc->requests().empty());
    EXPECT_EQ(bridge.waiting(), 0U);
    in.length = 64;
    answer(0x06, 0x01, {0x00});
    EXPECT_TRUE(call(bridge, 0x0601, in));
    EXPECT_EQ(bmc->requests().back().size(), 66U);
}

TEST_F(AcpiBridgeTest, OnlyAcpiInterfacesQualifyOnePerDevicePath)
{
    addInterface(); // hardcoded
    auto smbios = ScriptedInterface::defaultInfo();
    smbios.addrSource = AddrSource::Smbios;
    addInterface(smbios);
    auto noPath = acpiInfo("");
    addInterface(noPath);
    {
        AcpiIpmiBridge bridge(*mh);
        EXPECT_FALSE(bridge.selectedInterface());
        EXPECT_EQ(bridge.request(0x0601, bufferWith({}), [](const AcpiIpmiBuffer&) {}), -ENODEV);
    }
    addInterface(acpiInfo("\\_SB.IPMA")); // 3
    addInterface(acpiInfo("\\_SB.IPMA")); // 4: same device
    addInterface(acpiInfo("\\_SB.IPMB")); // 5
    AcpiIpmiBridge bridge(*mh);
    EXPECT_EQ(bridge.devices(), (std::vector<int>{3, 5}));
    EXPECT_EQ(bridge.selectedInterface(), 3);
}

TEST_F(AcpiBridgeTest, RemovingAnotherInterfaceKeepsTheSelectedOneAndItsWaiters)
{
    // The kernel's "!=" would kill device 0 here, the selected one.
    auto* first = addInterface(acpiInfo("\\_SB.IPM0"));
    addInterface(acpiInfo("\\_SB.IPM1"));
    addInterface(acpiInfo("\\_SB.IPM2"));
    AcpiIpmiBridge bridge(*mh);
    std::optional<AcpiIpmiBuffer> out;
    ASSERT_EQ(bridge.request(0x0601, bufferWith({}), [&out](const AcpiIpmiBuffer& b) { out = b; }), 0);
    mh->removeInterface(1);
    loop.runPosted();
    EXPECT_EQ(bridge.devices(), (std::vector<int>{0, 2}));
    EXPECT_EQ(bridge.selectedInterface(), 0);
    EXPECT_FALSE(out);
    EXPECT_EQ(bridge.waiting(), 1U);
    first->respondCc(0x00, {0x20});
    loop.runPosted();
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiOk);
}

TEST_F(AcpiBridgeTest, RemovingTheSelectedOneReleasesWaitersAndSelectsTheNext)
{
    addInterface(acpiInfo("\\_SB.IPM0"));
    auto* second = addInterface(acpiInfo("\\_SB.IPM1"));
    auto* third = addInterface(acpiInfo("\\_SB.IPM2"));
    AcpiIpmiBridge bridge(*mh);
    std::vector<AcpiIpmiBuffer> got;
    ASSERT_EQ(bridge.request(0x0601, bufferWith({0x07}), [&got](const AcpiIpmiBuffer& b) { got.push_back(b); }), 0);
    ASSERT_EQ(bridge.request(0x0602, bufferWith({}), [&got](const AcpiIpmiBuffer& b) { got.push_back(b); }), 0);
    mh->removeInterface(0);
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[0].status, kAcpiIpmiUnknown);
    EXPECT_EQ(got[0].length, 1);
    EXPECT_EQ(got[0].data[0], 0x07);
    EXPECT_EQ(got[1].status, kAcpiIpmiUnknown);
    loop.runPosted();
    EXPECT_EQ(bridge.selectedInterface(), 1);
    EXPECT_EQ(bridge.devices(), (std::vector<int>{1, 2}));
    // No stray completion later (the 5-s timers died with the waiters).
    loop.advance(milliseconds(6000));
    EXPECT_EQ(got.size(), 2U);

    answer(0x06, 0x01, {0x00, 0x20});
    auto out = call(bridge, 0x0601, bufferWith({}));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiOk);
    EXPECT_EQ(second->requests(), (std::vector<Bytes>{Bytes{0x18, 0x01}}));
    EXPECT_TRUE(third->requests().empty());

    mh->removeInterface(1);
    mh->removeInterface(2);
    loop.runPosted();
    EXPECT_FALSE(bridge.selectedInterface());
    EXPECT_EQ(bridge.request(0x0601, bufferWith({}), [](const AcpiIpmiBuffer&) {}), -ENODEV);
}

TEST_F(AcpiBridgeTest, InterfaceAppearingLaterIsSelected)
{
    AcpiIpmiBridge bridge(*mh);
    EXPECT_FALSE(bridge.selectedInterface());
    addInterface(acpiInfo("\\_SB.IPMI"));
    EXPECT_EQ(bridge.selectedInterface(), 0);
}

TEST_F(AcpiBridgeTest, DestroyingTheBridgeReleasesWaiters)
{
    addInterface(acpiInfo("\\_SB.IPMI"));
    std::optional<AcpiIpmiBuffer> out;
    {
        AcpiIpmiBridge bridge(*mh);
        ASSERT_EQ(bridge.request(0x0601, bufferWith({}), [&out](const AcpiIpmiBuffer& b) { out = b; }), 0);
    }
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, kAcpiIpmiUnknown);
}

TEST(AcpiBridgeTextTest, ParsesTheControlVerbArguments)
{
    const auto parsed = parseAcpiIpmiCommand("0x0601", "00 02 aa:BB");
    const auto* cmd = std::get_if<AcpiIpmiCommand>(&parsed);
    ASSERT_NE(cmd, nullptr) << std::get<std::string>(parsed);
    EXPECT_EQ(cmd->address, 0x0601U);
    EXPECT_EQ(cmd->buffer.status, 0x00);
    EXPECT_EQ(cmd->buffer.length, 0x02);
    EXPECT_EQ(cmd->buffer.data[0], 0xAA);
    EXPECT_EQ(cmd->buffer.data[1], 0xBB);
    EXPECT_EQ(cmd->buffer.data[2], 0x00);
    auto parses = [](std::string_view address, std::string_view buffer) {
        return std::holds_alternative<AcpiIpmiCommand>(parseAcpiIpmiCommand(address, buffer));
    };
    EXPECT_TRUE(parses("A43", "0000"));
    EXPECT_TRUE(parses("0601", std::string(132, '0')));
    const auto tooLong = parseAcpiIpmiCommand("0601", std::string(134, '0'));
    ASSERT_TRUE(std::holds_alternative<std::string>(tooLong));
    EXPECT_NE(std::get<std::string>(tooLong).find("66"), std::string::npos);
    EXPECT_FALSE(parses("0601", "000"));
    EXPECT_FALSE(parses("0601", "00"));
    EXPECT_FALSE(parses("0601", "0g00"));
    EXPECT_FALSE(parses("06x1", "0000"));
    EXPECT_FALSE(parses("", "0000"));
    EXPECT_FALSE(parses("0601", "0 000"));
}

TEST(AcpiBridgeTextTest, FormatsTheWholeBuffer)
{
    AcpiIpmiBuffer b;
    b.status = 0x10;
    b.length = 2;
    b.data[0] = 0xC3;
    b.data[63] = 0x5A;
    const auto text = formatAcpiIpmiBuffer(b);
    EXPECT_EQ(text.size(), 132U);
    EXPECT_EQ(text.substr(0, 6), "1002c3");
    EXPECT_EQ(text.substr(130), "5a");
    const auto back = parseAcpiIpmiCommand("0601", text);
    ASSERT_TRUE(std::holds_alternative<AcpiIpmiCommand>(back));
    EXPECT_EQ(std::get<AcpiIpmiCommand>(back).buffer, b);
}

} // namespace
} // namespace ipmi::core::services::testing
