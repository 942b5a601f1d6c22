// Users: the 30-user and 100-message limits (unread messages count), my
// address / LUN per channel, and in-process users.
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>

namespace ipmi::core::testing {
namespace {

class UsersTest : public CoreTest
{};

struct Collector : UserHandler
{
    void onMessage(ReceivedMessage msg) override { got.push_back(std::move(msg)); }
    [[nodiscard]] bool wantsWatchdogPretimeout() const override { return wantsPretimeout; }
    void onWatchdogPretimeout() override { ++pretimeouts; }
    void onShutdown() override { ++shutdowns; }
    std::vector<ReceivedMessage> got;
    bool wantsPretimeout = false;
    int pretimeouts = 0;
    int shutdowns = 0;
};

TEST_F(UsersTest, ThirtyUsersIncludingInProcessOnes)
{
    Collector watchdog;
    auto user = mh->createUser(ifnum, watchdog);
    ASSERT_TRUE(user);
    std::vector<std::unique_ptr<IpmiFile>> files;
    for (int i = 0; i < 29; ++i) {
        auto r = openDeviceFile(*mh, ifnum);
        ASSERT_TRUE(r) << i;
        files.push_back(std::move(r.value));
    }
    EXPECT_EQ(mh->userCount(ifnum), 30);
    EXPECT_EQ(openDeviceFile(*mh, ifnum).error, -EBUSY);
    EXPECT_EQ(mh->createUser(ifnum, watchdog).error, -EBUSY);
    files.pop_back();
    EXPECT_TRUE(openDeviceFile(*mh, ifnum));
    EXPECT_EQ(openDeviceFile(*mh, 7).error, -EINVAL);
    EXPECT_EQ(mh->userCount(7), -EINVAL);
}

// The kernel's set-up of ipmi_devintf + ipmi_watchdog: the watchdog's user
// and 29 files. The panic events, which ipmi_msghandler sends itself
// without a user, must neither be refused at max_users nor take a slot.
TEST_F(UsersTest, TheHandlersOwnUserTakesNoSlot)
{
    Collector watchdog;
    auto watchdogUser = mh->createUser(ifnum, watchdog);
    ASSERT_TRUE(watchdogUser);
    Collector panic;
    auto early = mh->createUser(ifnum, panic, UserSlot::HandlerOwn);
    ASSERT_TRUE(early);
    EXPECT_EQ(mh->userCount(ifnum), 1);
    std::vector<std::unique_ptr<IpmiFile>> files;
    for (int i = 0; i < 29; ++i) {
        auto r = openDeviceFile(*mh, ifnum);
        ASSERT_TRUE(r) << "open " << i + 1 << ": " << r.error;
        files.push_back(std::move(r.value));
    }
    EXPECT_EQ(openDeviceFile(*mh, ifnum).error, -EBUSY);
    auto late = mh->createUser(ifnum, panic, UserSlot::HandlerOwn);
    ASSERT_TRUE(late) << late.error;
    EXPECT_EQ(mh->userCount(ifnum), 30);
    const std::vector<std::uint8_t> none;
    ASSERT_EQ(late.value->request(systemInterfaceAddress(0), 5, 0x04, 0x02, none), 0);
    bmc->respondCc(0);
    ASSERT_EQ(panic.got.size(), 1U);
    EXPECT_EQ(panic.got[0].msgid, 5);
    late.value.reset();
    early.value.reset();
    EXPECT_EQ(mh->userCount(ifnum), 30);
    EXPECT_EQ(openDeviceFile(*mh, ifnum).error, -EBUSY);
    files.pop_back();
    EXPECT_EQ(mh->userCount(ifnum), 29);
    EXPECT_TRUE(openDeviceFile(*mh, ifnum));
}

TEST_F(UsersTest, MaxUsersIsAParameter)
{
    MessageHandlerParams params;
    params.maxUsers = 2;
    start(params);
    auto a = open();
    auto b = open();
    EXPECT_EQ(openDeviceFile(*mh, ifnum).error, -EBUSY);
}

TEST_F(UsersTest, HundredMessagesPerUserUnreadOnesCount)
{
    auto f = open();
    auto g = open();
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(send(*f, siAddr(), i, 0x06, 0x01), 0) << i;
    }
    EXPECT_EQ(send(*f, siAddr(), 100, 0x06, 0x01), -EBUSY);
    EXPECT_EQ(send(*g, siAddr(), 0, 0x06, 0x01), 0); // per user
    for (int i = 0; i < 100; ++i) {
        bmc->respondCc(0);
    }
    // all answered, but unread: still full
    EXPECT_EQ(send(*f, siAddr(), 100, 0x06, 0x01), -EBUSY);
    EXPECT_EQ(receive(*f).msgid, 0);
    EXPECT_EQ(send(*f, siAddr(), 100, 0x06, 0x01), 0);
    EXPECT_EQ(send(*f, siAddr(), 101, 0x06, 0x01), -EBUSY);
}

TEST_F(UsersTest, AFullEventListenerHoldsEventsUntilItDrains)
{
    MessageHandlerParams params;
    params.maxMsgsPerUser = 2;
    start(params);
    auto f = open();
    int on = 1;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_GETS_EVENTS_CMD, &on), 0);
    bmc->receive(eventMessage(1));
    bmc->receive(eventMessage(2));
    bmc->receive(eventMessage(3)); // f is full: held
    EXPECT_EQ(receive(*f).data[0], 1);
    EXPECT_EQ(receive(*f).data[0], 2);
    EXPECT_FALSE(f->readable());
    loop.advance(milliseconds(1000)); // retried on the next tick
    EXPECT_EQ(receive(*f).data[0], 3);
}

TEST_F(UsersTest, MyAddressAndLunPerChannel)
{
    auto f = open();
    auto g = open();
    unsigned int val = 0;
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_MY_ADDRESS_CMD, &val), 0);
    EXPECT_EQ(val, 0x20U);
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_MY_LUN_CMD, &val), 0);
    EXPECT_EQ(val, 2U);
    val = 0x1FF; // cut to 8 bits; no validation
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_ADDRESS_CMD, &val), 0);
    val = 7;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_LUN_CMD, &val), 0);
    EXPECT_EQ(ioctl(*g, IPMICTL_GET_MY_ADDRESS_CMD, &val), 0); // per interface
    EXPECT_EQ(val, 0xFFU);
    EXPECT_EQ(ioctl(*g, IPMICTL_GET_MY_LUN_CMD, &val), 0);
    EXPECT_EQ(val, 3U);
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 1, 0x06, 0x01), 0);
    EXPECT_EQ((*bmc->pending())[6], 0xFF);
    EXPECT_EQ((*bmc->pending())[7] & 3, 3);
    bmc->respondCc(0);

    ipmi_channel_lun_address_set set{};
    set.channel = 16;
    set.value = 0x40;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, &set), -EINVAL);
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_MY_CHANNEL_LUN_CMD, &set), -EINVAL);
    set.channel = 1;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, &set), 0);
    set.value = 1;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_CHANNEL_LUN_CMD, &set), 0);
    ipmi_channel_lun_address_set get{};
    get.channel = 1;
    EXPECT_EQ(ioctl(*g, IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD, &get), 0);
    EXPECT_EQ(get.value, 0x40);
    EXPECT_EQ(ioctl(*g, IPMICTL_GET_MY_CHANNEL_LUN_CMD, &get), 0);
    EXPECT_EQ(get.value, 1);
    get.channel = 2;
    EXPECT_EQ(ioctl(*g, IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD, &get), 0);
    EXPECT_EQ(get.value, 0x20);
    // the LAN frame takes channel 1's LUN
    EXPECT_EQ(send(*f, lanAddr(1, 1, 0x81, 0x20), 1, 0x06, 0x01), 0);
    EXPECT_EQ((*bmc->pending())[8] & 3, 1);
    // a faulting argument changes nothing
    val = 0x44;
    mem.addFault(&val, sizeof(val));
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_ADDRESS_CMD, &val), -EFAULT);
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_MY_ADDRESS_CMD, &val), -EFAULT);
    mem.clearFaults();
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_MY_ADDRESS_CMD, &val), 0);
    EXPECT_EQ(val, 0xFFU);
}

TEST_F(UsersTest, InProcessUserRequestsAndPretimeouts)
{
    Collector watchdog;
    watchdog.wantsPretimeout = true;
    auto user = mh->createUser(ifnum, watchdog);
    ASSERT_TRUE(user);
    EXPECT_NE(bmc->watchMask() & kWatchCheckWatchdog, 0U);
    const Bytes data{0x04, 0x01, 0x00, 0x00, 0x64, 0x00};
    RequestOptions supplied;
    supplied.supplied = true;
    EXPECT_EQ(user.value->request(systemInterfaceAddress(0), 42, 0x06, 0x24, data, supplied), 0);
    EXPECT_EQ(*bmc->pending(), (Bytes{0x18, 0x24, 0x04, 0x01, 0x00, 0x00, 0x64, 0x00}));
    bmc->respondCc(0);
    ASSERT_EQ(watchdog.got.size(), 1U);
    EXPECT_EQ(watchdog.got[0].msgid, 42);
    EXPECT_EQ(watchdog.got[0].data, (Bytes{0x00}));
    EXPECT_EQ(user.value->chargedMessages(), 0); // supplied: never charged
    // files do not get pretimeouts
    auto f = open();
    bmc->pretimeout();
    EXPECT_EQ(watchdog.pretimeouts, 1);
    EXPECT_FALSE(f->readable());
    user.value.reset();
    EXPECT_EQ(bmc->watchMask() & kWatchCheckWatchdog, 0U);
    EXPECT_EQ(mh->userCount(ifnum), 1);
}

TEST_F(UsersTest, RemovingTheInterfaceKillsItsUsers)
{
    Collector internal;
    auto user = mh->createUser(ifnum, internal);
    auto f = open();
    sendIpmbAcked(*f, 2);
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x01), 0); // in flight
    std::vector<std::pair<int, bool>> seen;
    mh->addWatcher([&](int n, bool added) { seen.emplace_back(n, added); });
    mh->removeInterface(ifnum);
    EXPECT_EQ(seen.back(), std::make_pair(ifnum, false));
    EXPECT_EQ(internal.shutdowns, 1);
    EXPECT_FALSE(user.value->valid());
    EXPECT_EQ(user.value->setGetsEvents(true), -ENODEV);
    EXPECT_TRUE(bmc->isShutdown());
    EXPECT_FALSE(f->readable()); // nothing delivered to a dead user
    EXPECT_EQ(send(*f, siAddr(), 3, 0x06, 0x01), -ENODEV);
    EXPECT_EQ(send(*f, siAddr(), 3, 0x07, 0x01, {}, 7), -EINVAL); // validation still first
    int mode = 0;
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_MAINTENANCE_MODE_CMD, &mode), 0);
    EXPECT_EQ(mode, -ENODEV);
    EXPECT_EQ(openDeviceFile(*mh, ifnum).error, -EINVAL);
    EXPECT_TRUE(mh->interfaces().empty());
    loop.runPosted();
}

} // namespace
} // namespace ipmi::core::testing
