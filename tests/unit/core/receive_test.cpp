// RECEIVE_MSG / RECEIVE_MSG_TRUNC: never blocking, the put-back rules, the
// exact struct updates, msgid echoed bit-exactly, and aborted copies that
// leave the queue as it was (what the CUSE retry protocol relies on).
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>
#include <climits>
#include <cstring>

namespace ipmi::core::testing {
namespace {

class ReceiveTest : public CoreTest
{
  protected:
    // Queues one system-interface response with `n` bytes (cc + n-1 data).
    void queueResponse(IpmiFile& f, long msgid, std::size_t n)
    {
        ASSERT_EQ(send(f, siAddr(), msgid, 0x06, 0x01), 0);
        Bytes rsp{0x1C, 0x01};
        for (std::size_t i = 0; i < n; ++i) {
            rsp.push_back(static_cast<std::uint8_t>(i));
        }
        bmc->respond(rsp);
    }
};

TEST_F(ReceiveTest, EmptyQueueIsEagainAndStructUntouched)
{
    auto f = open();
    ipmi_recv rsp{};
    std::memset(&rsp, 0x5A, sizeof(rsp));
    ipmi_recv before = rsp;
    EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG_TRUNC, &rsp), -EAGAIN);
    EXPECT_EQ(std::memcmp(&rsp, &before, sizeof(rsp)), 0);
    EXPECT_FALSE(f->peekReceive());
    mem.addFault(&rsp, sizeof(rsp));
    EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG, &rsp), -EFAULT);
}

TEST_F(ReceiveTest, ShortAddressBufferIsEinvalAndKeepsTheMessage)
{
    auto f = open();
    queueResponse(*f, 1, 3);
    Bytes addr(40, 0xEE);
    Bytes data(10, 0xEE);
    ipmi_recv rsp{};
    rsp.addr = addr.data();
    rsp.addr_len = 7;
    rsp.msg.data = data.data();
    rsp.msg.data_len = 10;
    EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG_TRUNC, &rsp), -EINVAL);
    EXPECT_EQ(addr, Bytes(40, 0xEE));
    EXPECT_EQ(rsp.addr_len, 7U);
    EXPECT_TRUE(f->readable());
    EXPECT_EQ(receive(*f).rv, 0);
    EXPECT_FALSE(f->readable());
}

TEST_F(ReceiveTest, ReceiveMsgTooSmallKeepsMessageAndStructButWritesAddress)
{
    auto f = open();
    queueResponse(*f, 42, 5);
    Bytes addr(40, 0xEE);
    Bytes data(4, 0xEE);
    ipmi_recv rsp{};
    rsp.recv_type = 77;
    rsp.msgid = 1234;
    rsp.addr = addr.data();
    rsp.addr_len = 40;
    rsp.msg.data = data.data();
    rsp.msg.data_len = 4;
    EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG, &rsp), -EMSGSIZE);
    EXPECT_EQ(rsp.recv_type, 77);
    EXPECT_EQ(rsp.msgid, 1234);
    EXPECT_EQ(rsp.addr_len, 40U);
    EXPECT_EQ(rsp.msg.data_len, 4U);
    EXPECT_EQ(data, Bytes(4, 0xEE));
    EXPECT_EQ(addr[0], 0x0C); // already written
    EXPECT_TRUE(f->readable());
    const auto peek = f->peekReceive();
    ASSERT_TRUE(peek);
    EXPECT_EQ(peek->addrLen, 8U);
    EXPECT_EQ(peek->dataLen, 5U);
    const auto r = receive(*f, false, 5);
    EXPECT_EQ(r.rv, 0);
    EXPECT_EQ(r.msgid, 42);
    EXPECT_EQ(r.data, (Bytes{0, 1, 2, 3, 4}));
}

TEST_F(ReceiveTest, TruncCopiesUpdatesConsumesAndStillFails)
{
    auto f = open();
    queueResponse(*f, 9, 5);
    const auto r = receive(*f, true, 3);
    EXPECT_EQ(r.rv, -EMSGSIZE);
    EXPECT_EQ(r.recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(r.msgid, 9);
    EXPECT_EQ(r.data, (Bytes{0, 1, 2}));
    EXPECT_EQ(r.addrLen, 8U);
    EXPECT_FALSE(f->readable());
}

TEST_F(ReceiveTest, TruncWithNullZeroLengthBufferConsumes)
{
    auto f = open();
    queueResponse(*f, 9, 2);
    Bytes addr(40, 0);
    ipmi_recv rsp{};
    rsp.addr = addr.data();
    rsp.addr_len = 40;
    rsp.msg.data = nullptr;
    rsp.msg.data_len = 0;
    EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG_TRUNC, &rsp), -EMSGSIZE);
    EXPECT_EQ(rsp.msg.data_len, 0U);
    EXPECT_EQ(rsp.msgid, 9);
    EXPECT_FALSE(f->readable());
}

TEST_F(ReceiveTest, MsgidIsEchoedBitExactly)
{
    auto f = open();
    for (const long id : {LONG_MIN + 1, LONG_MAX, -1L, static_cast<long>(0x00007FFDEADBEEF0UL)}) {
        queueResponse(*f, id, 1);
        EXPECT_EQ(receive(*f).msgid, id);
    }
}

TEST_F(ReceiveTest, NativeStructKeepsCallerPadding)
{
    auto f = open();
    queueResponse(*f, 5, 1);
    Bytes addr(40, 0);
    Bytes data(8, 0);
    ipmi_recv rsp;
    std::memset(&rsp, 0xA5, sizeof(rsp));
    rsp.addr = addr.data();
    rsp.addr_len = 40;
    rsp.msg.data = data.data();
    rsp.msg.data_len = 8;
    EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG, &rsp), 0);
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&rsp);
    EXPECT_EQ(raw[4], 0xA5); // padding after recv_type, untouched
    EXPECT_EQ(rsp.addr, addr.data());
    EXPECT_EQ(rsp.msg.data, data.data());
    EXPECT_EQ(rsp.msg.data_len, 1U);
}

TEST_F(ReceiveTest, EveryFaultingCopyLeavesTheMessageQueued)
{
    auto f = open();
    queueResponse(*f, 11, 4);
    Bytes addr(40, 0);
    Bytes data(16, 0);
    ipmi_recv rsp{};
    rsp.addr = addr.data();
    rsp.addr_len = 40;
    rsp.msg.data = data.data();
    rsp.msg.data_len = 16;
    for (const Copy error : {Copy::Fault, Copy::Unfetched}) {
        mem.addFault(addr.data(), addr.size(), error);
        EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG_TRUNC, &rsp), error);
        mem.clearFaults();
        mem.addFault(data.data(), data.size(), error);
        EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG_TRUNC, &rsp), error);
        mem.clearFaults();
        // the struct write-back itself
        ipmi_recv copy = rsp;
        mem.addFault(reinterpret_cast<std::uint8_t*>(&copy) + 24, 8, error, true);
        EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG, &copy), error);
        mem.clearFaults();
        EXPECT_TRUE(f->readable());
    }
    // a truncating receive whose data copy faults does not shorten it
    rsp.msg.data_len = 2;
    mem.addFault(data.data(), data.size(), Copy::Unfetched);
    EXPECT_EQ(ioctl(*f, IPMICTL_RECEIVE_MSG_TRUNC, &rsp), Copy::Unfetched);
    mem.clearFaults();
    EXPECT_EQ(f->peekReceive()->dataLen, 4U);
    const auto r = receive(*f);
    EXPECT_EQ(r.rv, 0);
    EXPECT_EQ(r.msgid, 11);
    EXPECT_EQ(r.data, (Bytes{0, 1, 2, 3}));
}

TEST_F(ReceiveTest, WakeupOnlyOnTheEmptyToNonEmptyEdge)
{
    auto f = open();
    int wakeups = 0;
    f->setWakeup([&] { ++wakeups; });
    queueResponse(*f, 1, 1);
    queueResponse(*f, 2, 1);
    EXPECT_EQ(wakeups, 1);
    EXPECT_EQ(receive(*f).msgid, 1);
    EXPECT_EQ(receive(*f).msgid, 2);
    queueResponse(*f, 3, 1);
    EXPECT_EQ(wakeups, 2);
}

TEST_F(ReceiveTest, MessagesAreReceivedInFifoOrder)
{
    auto f = open();
    for (long id = 0; id < 5; ++id) {
        queueResponse(*f, id, 1);
    }
    for (long id = 0; id < 5; ++id) {
        EXPECT_EQ(receive(*f).msgid, id);
    }
    EXPECT_EQ(receive(*f).rv, -EAGAIN);
}

} // namespace
} // namespace ipmi::core::testing
