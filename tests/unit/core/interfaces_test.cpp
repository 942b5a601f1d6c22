// Interface registration: the handler's own Get Device GUID / Get Device ID
// (with retries) / Get Channel Info traffic, numbering, watchers, identity
// queries, and registration failure.
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>

namespace ipmi::core::testing {
namespace {

class InterfacesTest : public ::testing::Test
{
  protected:
    ScriptedInterface* add(bool identity = true, BmcIdentity id = {})
    {
        auto iface = std::make_unique<ScriptedInterface>();
        auto* raw = iface.get();
        if (identity) {
            raw->enableIdentity(id);
        }
        lastNum = mh.addInterface(std::move(iface));
        return raw;
    }
    FakeEventLoop loop;
    MessageHandler mh{loop, MessageHandlerParams{}};
    int lastNum = -1;
};

TEST_F(InterfacesTest, RegistrationTrafficAndIdentity)
{
    auto* bmc = add();
    const auto& reqs = bmc->requests();
    ASSERT_EQ(reqs.size(), 18U);
    EXPECT_EQ(reqs[0], (Bytes{0x18, 0x08}));
    EXPECT_EQ(reqs[1], (Bytes{0x18, 0x01}));
    for (std::uint8_t ch = 0; ch < 16; ++ch) {
        EXPECT_EQ(reqs[2 + ch], (Bytes{0x18, 0x42, ch}));
    }
    EXPECT_EQ(mh.interfaces(), (std::vector<int>{0}));
    const auto info = mh.interfaceInfo(0);
    ASSERT_TRUE(info);
    ASSERT_TRUE(info->deviceId);
    EXPECT_EQ(info->deviceId->deviceId, 0x20);
    EXPECT_EQ(info->deviceId->ipmiVersion, 0x02);
    EXPECT_EQ(info->deviceId->manufacturerId, 0x000157U);
    EXPECT_EQ(info->deviceId->productId, 0x1234);
    ASSERT_TRUE(info->guid);
    EXPECT_EQ((*info->guid)[0], 0x10);
    EXPECT_EQ(info->info.addrSource, AddrSource::Hardcoded);
    const auto status = mh.interfaceStatus(0);
    EXPECT_EQ(status->channels[0].medium, 1);
    EXPECT_EQ(status->channels[1].medium, 4);
    EXPECT_EQ(status->channels[2].medium, 0);
    // none of it reached a user: a new file has nothing to read
    auto f = openDeviceFile(mh, 0);
    ASSERT_TRUE(f);
    EXPECT_FALSE(f.value->readable());
}

TEST_F(InterfacesTest, DeviceIdIsRetriedFiveTimesHalfASecondApart)
{
    auto* bmc = add(false);
    bmc->respondCc(0xC1); // no GUID: fine
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(bmc->pending());
        EXPECT_EQ(*bmc->pending(), (Bytes{0x18, 0x01}));
        bmc->respondCc(0xC0);
        EXPECT_FALSE(bmc->pending());
        loop.advance(milliseconds(499));
        EXPECT_FALSE(bmc->pending());
        loop.advance(milliseconds(1));
    }
    bmc->enableIdentity();
    bmc->respond(*ScriptedInterface::identityAnswer(BmcIdentity{}, Bytes{0x18, 0x01}));
    EXPECT_EQ(mh.interfaces(), (std::vector<int>{0}));
    EXPECT_FALSE(mh.interfaceInfo(0)->guid);
}

TEST_F(InterfacesTest, DeviceIdFailureFailsTheRegistration)
{
    std::vector<std::pair<int, bool>> seen;
    mh.addWatcher([&](int n, bool added) { seen.emplace_back(n, added); });
    auto* bmc = add(false);
    bmc->respondCc(0);
    for (int i = 0; i < 5; ++i) {
        bmc->respondCc(0xFF);
        loop.advance(milliseconds(500));
    }
    bmc->respondCc(0xFF);           // the sixth failure: given up
    EXPECT_TRUE(bmc->isShutdown()); // (freed once the loop runs posted work)
    EXPECT_TRUE(mh.interfaces().empty());
    EXPECT_TRUE(seen.empty());
    loop.runPosted();
    // the number is free again
    add();
    EXPECT_EQ(lastNum, 0);
    EXPECT_EQ(seen, (std::vector<std::pair<int, bool>>{{0, true}}));
}

TEST_F(InterfacesTest, OldBmcAndNoChannelInfo)
{
    BmcIdentity old;
    old.ipmiVersion = 0x01; // 1.0: no scan, channel 0 is IPMB
    auto* a = add(true, old);
    EXPECT_EQ(a->requests().size(), 2U);
    EXPECT_EQ(mh.interfaceStatus(lastNum)->channels[0].medium, 1);
    BmcIdentity noInfo;
    noInfo.channelInfoUnsupported = true;
    auto* b = add(true, noInfo);
    EXPECT_EQ(b->requests().size(), 3U); // the scan stops at the first 0xC1
    EXPECT_EQ(mh.interfaceStatus(lastNum)->channels[0].medium, 1);
    EXPECT_EQ(mh.interfaceStatus(lastNum)->channels[1].medium, 0);
}

TEST_F(InterfacesTest, NumberingAndWatchers)
{
    add();
    add();
    EXPECT_EQ(mh.interfaces(), (std::vector<int>{0, 1}));
    std::vector<std::pair<int, bool>> seen;
    const int id = mh.addWatcher([&](int n, bool added) { seen.emplace_back(n, added); });
    EXPECT_EQ(seen, (std::vector<std::pair<int, bool>>{{0, true}, {1, true}}));
    mh.removeInterface(0);
    add();
    EXPECT_EQ(lastNum, 0); // the lowest free number
    EXPECT_EQ(seen, (std::vector<std::pair<int, bool>>{{0, true}, {1, true}, {0, false}, {0, true}}));
    mh.removeWatcher(id);
    mh.removeInterface(1);
    EXPECT_EQ(seen.size(), 4U);
    EXPECT_EQ(mh.interfaces(), (std::vector<int>{0}));
    loop.runPosted();
}

TEST_F(InterfacesTest, OpeningWhileGoingAwayIsEnodev)
{
    add();
    int error = 0;
    mh.addWatcher([&](int n, bool added) {
        if (!added) {
            error = openDeviceFile(mh, n).error;
        }
    });
    mh.removeInterface(0);
    EXPECT_EQ(error, -ENODEV);
    loop.runPosted();
}

} // namespace
} // namespace ipmi::core::testing
