// SEND_COMMAND validation in the kernel's order, with its errnos, and the
// exact bytes that reach the interface for each address type.
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>

namespace ipmi::core::testing {
namespace {

class SendTest : public CoreTest
{};

TEST_F(SendTest, SystemInterfaceRequestGoesOutAsIsAndTheResponseComesBack)
{
    auto f = open();
    // The response carries the caller's address back as it was sent, its
    // padding byte included (ipmi_msghandler copies the whole struct): set
    // that byte, or it is whatever the compiler left there.
    auto addr = siAddr(0);
    reinterpret_cast<unsigned char*>(&addr)[7] = 0x5A;
    EXPECT_EQ(send(*f, addr, 0x1234, 0x06, 0x01, {0xAA}), 0);
    ASSERT_TRUE(bmc->pending());
    EXPECT_EQ(*bmc->pending(), (Bytes{0x18, 0x01, 0xAA}));
    EXPECT_FALSE(f->readable());
    bmc->respond({0x1C, 0x01, 0x00, 0x20, 0x81});
    EXPECT_TRUE(f->readable());
    const auto r = receive(*f);
    EXPECT_EQ(r.rv, 0);
    EXPECT_EQ(r.recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(r.addrLen, 8U);
    EXPECT_EQ(r.addr, (Bytes{0x0C, 0, 0, 0, 0x0F, 0, 0x00, 0x5A}));
    EXPECT_EQ(r.msgid, 0x1234);
    EXPECT_EQ(r.netfn, 0x07);
    EXPECT_EQ(r.cmd, 0x01);
    EXPECT_EQ(r.data, (Bytes{0x00, 0x20, 0x81}));
}

TEST_F(SendTest, ResponseLunComesFromTheResponse)
{
    auto f = open();
    EXPECT_EQ(send(*f, siAddr(2), 1, 0x0A, 0x10), 0);
    EXPECT_EQ(*bmc->pending(), (Bytes{0x2A, 0x10}));
    bmc->respond({0x2E, 0x10, 0x00});
    const auto r = receive(*f);
    EXPECT_EQ(r.addr[6], 2);
    EXPECT_EQ(r.netfn, 0x0B);
}

TEST_F(SendTest, MismatchedResponseBecomesUnspecifiedError)
{
    auto f = open();
    EXPECT_EQ(send(*f, siAddr(), 7, 0x06, 0x01), 0);
    bmc->respond({0x1C, 0x02, 0x00, 0x55});
    const auto r = receive(*f);
    EXPECT_EQ(r.netfn, 0x07);
    EXPECT_EQ(r.cmd, 0x01);
    EXPECT_EQ(r.data, (Bytes{0xFF}));
}

TEST_F(SendTest, AddressChecksInOrder)
{
    auto f = open();
    const auto si = siAddr();
    // addr_len larger than struct ipmi_addr
    EXPECT_EQ(send(*f, si, 0, 0x06, 0x01, {}, 41), -EINVAL);
    // too short for any address
    EXPECT_EQ(send(*f, si, 0, 0x06, 0x01, {}, 7), -EINVAL);
    // system interface must use channel 15
    auto bad = si;
    bad.channel = 0;
    EXPECT_EQ(send(*f, bad, 0, 0x06, 0x01), -EINVAL);
    // IPMB on channel 15, >= 16, negative
    EXPECT_EQ(send(*f, ipmbAddr(15, 0x52), 0, 0x06, 0x01), -EINVAL);
    EXPECT_EQ(send(*f, ipmbAddr(16, 0x52), 0, 0x06, 0x01), -EINVAL);
    EXPECT_EQ(send(*f, ipmbAddr(-1, 0x52), 0, 0x06, 0x01), -EINVAL);
    // unknown type
    auto unknown = ipmbAddr(0, 0x52, 0, 0x55);
    EXPECT_EQ(send(*f, unknown, 0, 0x06, 0x01), -EINVAL);
    // LAN needs 12 bytes
    EXPECT_EQ(send(*f, lanAddr(1, 1, 0x81, 0x20), 0, 0x06, 0x01, {}, 8), -EINVAL);
    // IPMB direct: channel 0, 12 bytes, even slave, LUNs < 4; then no
    // interface of ours carries it
    ipmi_ipmb_direct_addr direct{};
    direct.addr_type = IPMI_IPMB_DIRECT_ADDR_TYPE;
    direct.slave_addr = 0x53;
    EXPECT_EQ(send(*f, direct, 0, 0x06, 0x01), -EINVAL);
    direct.slave_addr = 0x52;
    direct.rq_lun = 4;
    EXPECT_EQ(send(*f, direct, 0, 0x06, 0x01), -EINVAL);
    direct.rq_lun = 0;
    EXPECT_EQ(send(*f, direct, 0, 0x06, 0x01, {}, 8), -EINVAL);
    EXPECT_EQ(send(*f, direct, 0, 0x06, 0x01), -EAFNOSUPPORT);
    EXPECT_TRUE(bmc->requests().empty());
}

TEST_F(SendTest, AddressFaultsBeforeValidation)
{
    auto f = open();
    const auto si = siAddr();
    mem.addFault(&si, sizeof(si));
    EXPECT_EQ(send(*f, si, 0, 0x06, 0x01), -EFAULT);
    mem.clearFaults();
    mem.addFault(&si, sizeof(si), Copy::Unfetched);
    EXPECT_EQ(send(*f, si, 0, 0x06, 0x01), Copy::Unfetched);
    ipmi_req req{};
    mem.addFault(&req, sizeof(req));
    EXPECT_EQ(ioctl(*f, IPMICTL_SEND_COMMAND, &req), -EFAULT);
    EXPECT_TRUE(bmc->requests().empty());
}

TEST_F(SendTest, DataLengthAndNullData)
{
    auto f = open();
    auto si = siAddr();
    Bytes big(IPMI_MAX_MSG_LENGTH + 1, 0x11);
    // data_len > 272 with a pointer: EMSGSIZE before the copy
    EXPECT_EQ(send(*f, si, 0, 0x06, 0x01, big), -EMSGSIZE);
    // NULL data forces length 0 whatever data_len says
    ipmi_req req{};
    req.addr = reinterpret_cast<unsigned char*>(&si);
    req.addr_len = sizeof(si);
    req.msg.netfn = 0x06;
    req.msg.cmd = 0x01;
    req.msg.data_len = 5000;
    req.msg.data = nullptr;
    EXPECT_EQ(ioctl(*f, IPMICTL_SEND_COMMAND, &req), 0);
    EXPECT_EQ(*bmc->pending(), (Bytes{0x18, 0x01}));
    bmc->respondCc(0);
    // a data fault aborts
    Bytes d{1, 2, 3};
    req.msg.data = d.data();
    req.msg.data_len = 3;
    mem.addFault(d.data(), d.size(), Copy::Unfetched);
    EXPECT_EQ(ioctl(*f, IPMICTL_SEND_COMMAND, &req), Copy::Unfetched);
    mem.clearFaults();
    mem.addFault(d.data(), d.size());
    EXPECT_EQ(ioctl(*f, IPMICTL_SEND_COMMAND, &req), -EFAULT);
    EXPECT_EQ(bmc->requests().size(), 1U);
}

TEST_F(SendTest, SystemInterfaceRules)
{
    auto f = open();
    // odd netfn (a response) and LUN > 3
    EXPECT_EQ(send(*f, siAddr(), 0, 0x07, 0x01), -EINVAL);
    EXPECT_EQ(send(*f, siAddr(4), 0, 0x06, 0x01), -EINVAL);
    // the handler's own App commands
    EXPECT_EQ(send(*f, siAddr(), 0, 0x06, 0x33), -EINVAL);
    EXPECT_EQ(send(*f, siAddr(), 0, 0x06, 0x34), -EINVAL);
    EXPECT_EQ(send(*f, siAddr(), 0, 0x06, 0x35), -EINVAL);
    // the same numbers in another netfn are fine
    EXPECT_EQ(send(*f, siAddr(), 0, 0x0A, 0x34), 0);
    bmc->respondCc(0);
    // 270 data bytes is the most
    EXPECT_EQ(send(*f, siAddr(), 0, 0x2E, 0x01, Bytes(271, 0)), -EMSGSIZE);
    EXPECT_EQ(send(*f, siAddr(), 0, 0x2E, 0x01, Bytes(270, 0)), 0);
    EXPECT_EQ(bmc->pending()->size(), 272U);
    EXPECT_EQ(mh->interfaceStatus(ifnum)->stats[static_cast<std::size_t>(Stat::SentInvalidCommands)], 5U);
}

TEST_F(SendTest, IpmbFrameAndLimits)
{
    auto f = open();
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52, 1), 99, 0x06, 0x01, {0xAB}), 0);
    ASSERT_TRUE(bmc->pending());
    const Bytes frame = *bmc->pending();
    const std::uint8_t seq = frame[7] >> 2;
    Bytes expect{0x18, 0x34, 0x00, 0x52, 0x19, 0, 0x20, static_cast<std::uint8_t>((seq << 2) | 2), 0x01, 0xAB, 0};
    expect[5] = checksum(expect, 3, 5);
    expect[10] = checksum(expect, 6, 10);
    EXPECT_EQ(frame, expect);
    bmc->respondCc(0);
    // IPMB max 262 data bytes, broadcast 261
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 0, 0x06, 0x01, Bytes(263, 0)), -EMSGSIZE);
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52, 0, IPMI_IPMB_BROADCAST_ADDR_TYPE), 0, 0x06, 0x01, Bytes(262, 0)), -EMSGSIZE);
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52, 4), 0, 0x06, 0x01), -EINVAL);
    // channel 1 is LAN, channel 2 was not found by the scan
    EXPECT_EQ(send(*f, ipmbAddr(1, 0x52), 0, 0x06, 0x01), -EINVAL);
    EXPECT_EQ(send(*f, ipmbAddr(2, 0x52), 0, 0x06, 0x01), -EINVAL);
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 0, 0x06, 0x01, Bytes(262, 0)), 0);
    EXPECT_EQ(bmc->pending()->size(), 272U);
}

TEST_F(SendTest, LanFrameAndLimits)
{
    auto f = open();
    EXPECT_EQ(send(*f, lanAddr(1, 0x05, 0x81, 0x20, 4, 0), 3, 0x06, 0x01, {0x01}), 0);
    const Bytes frame = *bmc->pending();
    const std::uint8_t seq = frame[8] >> 2;
    Bytes expect{0x18, 0x34, 0x01, 0x05, 0x81, 0x18, 0, 0x20, static_cast<std::uint8_t>((seq << 2) | 2), 0x01, 0x01, 0};
    expect[6] = checksum(expect, 4, 6);
    expect[11] = checksum(expect, 7, 11);
    EXPECT_EQ(frame, expect);
    bmc->respondCc(0);
    EXPECT_EQ(send(*f, lanAddr(1, 5, 0x81, 0x20), 0, 0x06, 0x01, Bytes(261, 0)), -EMSGSIZE);
    EXPECT_EQ(send(*f, lanAddr(1, 5, 0x81, 0x20, 4, 4), 0, 0x06, 0x01), -EINVAL);
    EXPECT_EQ(send(*f, lanAddr(0, 5, 0x81, 0x20), 0, 0x06, 0x01), -EINVAL); // channel 0 is IPMB
    EXPECT_EQ(send(*f, lanAddr(1, 5, 0x81, 0x20), 0, 0x06, 0x01, Bytes(260, 0)), 0);
}

TEST_F(SendTest, UnknownIoctlIsEnotty)
{
    auto f = open();
    int x = 0;
    EXPECT_EQ(ioctl(*f, 0x80046900, &x), -ENOTTY);
    EXPECT_EQ(ioctl(*f, 0xC0306900 | 13, &x), -ENOTTY);
    // the compat numbers mean nothing to a 64-bit caller
    EXPECT_EQ(ioctl(*f, 0x8014690D, &x), -ENOTTY);
    EXPECT_EQ(IpmiFile::read(), -EINVAL);
    EXPECT_EQ(IpmiFile::write(), -EINVAL);
}

} // namespace
} // namespace ipmi::core::testing
