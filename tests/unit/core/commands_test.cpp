// Command registrations (EBUSY on overlap, ENOENT, the mask-0 and >=16-bit
// quirks), incoming command delivery with the requester's sequence as msgid,
// the type-4 answer to a response, and the automatic 0xC1 reply.
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>

namespace ipmi::core::testing {
namespace {

class CommandsTest : public CoreTest
{
  protected:
    IoctlResult reg(IpmiFile& f, unsigned netfn, unsigned cmd, unsigned chans, bool unregister = false)
    {
        ipmi_cmdspec_chans spec{netfn, cmd, chans};
        return ioctl(f, unregister ? IPMICTL_UNREGISTER_FOR_CMD_CHANS : IPMICTL_REGISTER_FOR_CMD_CHANS, &spec);
    }
    IoctlResult regAll(IpmiFile& f, unsigned char netfn, unsigned char cmd, bool unregister = false)
    {
        ipmi_cmdspec spec{netfn, cmd};
        return ioctl(f, unregister ? IPMICTL_UNREGISTER_FOR_CMD : IPMICTL_REGISTER_FOR_CMD, &spec);
    }
    // netfn 0x30 cmd 0x05 from 0x52, rqSeq 9, rqLUN 1, on channel 0
    Bytes incoming(std::uint8_t chan = 0x00)
    {
        return getMessageIpmb(chan, (0x30 << 2) | 2, 0x52, (9 << 2) | 1, 0x05, {0xAA, 0xBB});
    }
};

TEST_F(CommandsTest, RegistrationRules)
{
    auto f = open();
    auto g = open();
    EXPECT_EQ(regAll(*f, 0x30, 0x05), 0);
    EXPECT_EQ(regAll(*g, 0x30, 0x05), -EBUSY);
    EXPECT_EQ(regAll(*f, 0x30, 0x05), -EBUSY); // the owner too
    EXPECT_EQ(reg(*g, 0x30, 0x05, 0x2), -EBUSY);
    EXPECT_EQ(reg(*g, 0x30, 0x06, 0x2), 0);
    EXPECT_EQ(reg(*g, 0x130, 0x105, 0x4), -EBUSY);    // netfn/cmd cut to 8 bits
    EXPECT_EQ(regAll(*g, 0x30, 0x05, true), -ENOENT); // not g's
    EXPECT_EQ(regAll(*f, 0x31, 0x05, true), -ENOENT);
    EXPECT_EQ(reg(*f, 0x30, 0x05, 0x1, true), 0); // channel 0 cleared
    EXPECT_EQ(reg(*g, 0x30, 0x05, 0x1), 0);       // so g may take it
    EXPECT_EQ(reg(*f, 0x30, 0x05, 0x1, true), -ENOENT);
    EXPECT_EQ(regAll(*f, 0x30, 0x05, true), 0);
    EXPECT_EQ(regAll(*f, 0x30, 0x05, true), -ENOENT);
    // mask 0 and bits >= 16 never overlap and can never be removed
    EXPECT_EQ(reg(*f, 0x32, 0x01, 0), 0);
    EXPECT_EQ(reg(*g, 0x32, 0x01, 0), 0);
    EXPECT_EQ(reg(*f, 0x32, 0x01, 0, true), -ENOENT);
    EXPECT_EQ(reg(*f, 0x32, 0x02, 0x10000), 0);
    EXPECT_EQ(reg(*g, 0x32, 0x02, 0x10000), -EBUSY);
    EXPECT_EQ(reg(*f, 0x32, 0x02, 0x10000, true), -ENOENT);
    // released on close
    f.reset();
    EXPECT_EQ(reg(*g, 0x32, 0x02, 0x10000), 0);
}

TEST_F(CommandsTest, IncomingCommandAndItsAnswer)
{
    auto f = open();
    EXPECT_EQ(regAll(*f, 0x30, 0x05), 0);
    EXPECT_NE(bmc->watchMask() & kWatchCheckCommands, 0U);
    bmc->receive(incoming());
    auto r = receive(*f);
    EXPECT_EQ(r.rv, 0);
    EXPECT_EQ(r.recvType, IPMI_CMD_RECV_TYPE);
    EXPECT_EQ(r.addr, (Bytes{0x01, 0, 0, 0, 0x00, 0, 0x52, 0x01}));
    EXPECT_EQ(r.msgid, 9);
    EXPECT_EQ(r.netfn, 0x30);
    EXPECT_EQ(r.cmd, 0x05);
    EXPECT_EQ(r.data, (Bytes{0xAA, 0xBB}));
    EXPECT_TRUE(bmc->requests().empty());
    // the answer: netfn|1 to the same address with the same msgid
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52, 1), 9, 0x31, 0x05, {0x00, 0xCC}), 0);
    Bytes expect{0x18, 0x34, 0x00, 0x52, 0xC5, 0, 0x20, 0x26, 0x05, 0x00, 0xCC, 0};
    expect[5] = checksum(expect, 3, 5);
    expect[11] = checksum(expect, 6, 11);
    EXPECT_EQ(*bmc->pending(), expect);
    EXPECT_EQ(mh->interfaceStatus(ifnum)->outstandingRequests, 0); // no slot for a response
    bmc->respondCc(0x00);
    r = receive(*f);
    EXPECT_EQ(r.recvType, IPMI_RESPONSE_RESPONSE_TYPE);
    EXPECT_EQ(r.msgid, 9);
    EXPECT_EQ(r.netfn, 0x31);
    EXPECT_EQ(r.cmd, 0x05);
    EXPECT_EQ(r.data, (Bytes{0x00}));
    f.reset();
    EXPECT_EQ(bmc->watchMask() & kWatchCheckCommands, 0U);
}

TEST_F(CommandsTest, UnregisteredIpmbCommandGetsInvalidCommand)
{
    auto f = open();
    EXPECT_EQ(reg(*f, 0x30, 0x05, 0x2), 0); // channel 1 only
    bmc->receive(incoming(0x00));
    EXPECT_FALSE(f->readable());
    ASSERT_TRUE(bmc->pending());
    Bytes expect{0x18, 0x34, 0x00, 0x52, 0xC5, 0, 0x20, 0x26, 0x05, 0xC1, 0};
    expect[5] = checksum(expect, 3, 5);
    expect[10] = checksum(expect, 6, 10);
    EXPECT_EQ(*bmc->pending(), expect);
    bmc->respondCc(0);
    EXPECT_FALSE(f->readable());
    EXPECT_EQ(mh->interfaceStatus(ifnum)->stats[static_cast<std::size_t>(Stat::UnhandledCommands)], 1U);
}

TEST_F(CommandsTest, UnregisteredLanCommandIsDropped)
{
    auto f = open();
    Bytes lanCmd{0x1C, 0x33, 0x00, 0x41, 0x05, 0x20, 0x30 << 2, 0x00, 0x81, 0x24, 0x05, 0x00};
    bmc->receive(lanCmd);
    EXPECT_TRUE(bmc->requests().empty());
    EXPECT_EQ(regAll(*f, 0x30, 0x05), 0);
    bmc->receive(lanCmd);
    const auto r = receive(*f);
    EXPECT_EQ(r.recvType, IPMI_CMD_RECV_TYPE);
    EXPECT_EQ(r.msgid, 9);
    EXPECT_EQ(r.addr, (Bytes{0x04, 0, 0, 0, 0x01, 0, 0x04, 0x05, 0x81, 0x20, 0x00, 0x00}));
}

TEST_F(CommandsTest, MessagesBeforeTheChannelScanAreDropped)
{
    // A fresh handler whose interface is still scanning.
    mh = std::make_unique<MessageHandler>(loop, MessageHandlerParams{});
    auto iface = std::make_unique<ScriptedInterface>();
    bmc = iface.get();
    ifnum = mh->addInterface(std::move(iface));
    bmc->receive(incoming());
    EXPECT_EQ(bmc->requests().size(), 1U); // only the GUID request: no 0xC1 reply
    EXPECT_EQ(openDeviceFile(*mh, ifnum).error, -EINVAL);
}

} // namespace
} // namespace ipmi::core::testing
