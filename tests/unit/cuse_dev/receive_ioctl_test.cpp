// IPMICTL_RECEIVE_MSG(_TRUNC), native and compat, through the retry
// protocol: the out-ranges are laid out so that every reply is a prefix of
// them (address, data, struct), caller bytes the kernel leaves alone stay
// untouched, TRUNC returns EMSGSIZE together with the truncated message, a
// fault never loses a message, and a queue that changes between retries is
// followed.
#include "abi/ipmi.hpp"
#include "abi/ipmi_compat.hpp"
#include "cuse_dev/ioctl_marshal.hpp"
#include "tests/unit/cuse_dev/fake_cuse_kernel.hpp"
#include "tests/unit/cuse_dev/real_ipmi_file.hpp"

#include <gtest/gtest.h>

namespace ipmi::cuse::testing {
namespace {

using namespace ipmi::abi;

std::string layoutName(const ::testing::TestParamInfo<bool>& param)
{
    return param.param ? "Compat" : "Native";
}
using Bytes = std::vector<std::uint8_t>;

// The fields of either layout, as the tests read them back.
struct Recv
{
    int recvType = 0;
    std::uint64_t addr = 0;
    unsigned addrLen = 0;
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    unsigned dataLen = 0;
    std::uint64_t data = 0;
};

Bytes siAddr(std::uint8_t lun)
{
    // Field by field: the struct's padding must not leak into expectations.
    Bytes b(sizeof(ipmi_system_interface_addr), 0);
    const int type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    const short channel = IPMI_BMC_CHANNEL;
    std::memcpy(b.data(), &type, sizeof type);
    std::memcpy(b.data() + offsetof(ipmi_system_interface_addr, channel), &channel, sizeof channel);
    b[offsetof(ipmi_system_interface_addr, lun)] = lun;
    return b;
}

Bytes lanAddr()
{
    Bytes b(sizeof(ipmi_lan_addr), 0);
    const int type = IPMI_LAN_ADDR_TYPE;
    const short channel = 2;
    std::memcpy(b.data(), &type, sizeof type);
    std::memcpy(b.data() + offsetof(ipmi_lan_addr, channel), &channel, sizeof channel);
    b[offsetof(ipmi_lan_addr, privilege)] = 4;
    b[offsetof(ipmi_lan_addr, session_handle)] = 0x11;
    b[offsetof(ipmi_lan_addr, remote_SWID)] = 0x81;
    b[offsetof(ipmi_lan_addr, local_SWID)] = 0x20;
    return b;
}

QueuedMessage getDeviceIdResponse()
{
    return QueuedMessage{IPMI_RESPONSE_RECV_TYPE, siAddr(0), 77, 0x07, 0x01, {0x00, 0x20, 0x01, 0x02, 0x51}};
}

class ReceiveIoctl : public ::testing::TestWithParam<bool>
{
  protected:
    bool compat() const { return GetParam(); }
    std::size_t structSize() const { return compat() ? sizeof(compat_ipmi_recv) : sizeof(ipmi_recv); }
    std::uint32_t cmdFor(bool trunc) const
    {
        if (compat()) {
            return trunc ? COMPAT_IPMICTL_RECEIVE_MSG_TRUNC : COMPAT_IPMICTL_RECEIVE_MSG;
        }
        return trunc ? IPMICTL_RECEIVE_MSG_TRUNC : IPMICTL_RECEIVE_MSG;
    }

    // A receive struct with a 40-byte address buffer and a data buffer of
    // `dataBuf` bytes of which `dataLen` are offered.
    std::uint64_t placeRecv(std::uint32_t addrLenField, std::size_t dataBuf, std::uint16_t dataLen)
    {
        addrBuf = user.alloc(sizeof(ipmi_addr));
        dataPtr = dataBuf == 0 ? 0 : user.alloc(dataBuf);
        return placeRecvAt(addrBuf, addrLenField, dataPtr, dataLen);
    }
    std::uint64_t placeRecvAt(std::uint64_t addr, std::uint32_t addrLenField, std::uint64_t data, std::uint16_t dataLen)
    {
        if (compat()) {
            compat_ipmi_recv r{};
            r.recv_type = -1;
            r.addr = static_cast<compat_uptr_t>(addr);
            r.addr_len = addrLenField;
            r.msgid = -1;
            r.msg = compat_ipmi_msg{0xEE, 0xEE, dataLen, static_cast<compat_uptr_t>(data)};
            arg = user.place(r);
        } else {
            ipmi_recv r{};
            r.recv_type = -1;
            r.addr = reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(addr));
            r.addr_len = addrLenField;
            r.msgid = -1;
            r.msg = ipmi_msg{0xEE, 0xEE, dataLen, reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(data))};
            arg = user.place(r);
        }
        return arg;
    }

    Recv readRecv() const
    {
        if (compat()) {
            const auto r = user.get<compat_ipmi_recv>(arg);
            return Recv{r.recv_type, r.addr, r.addr_len, r.msgid, r.msg.netfn, r.msg.cmd, r.msg.data_len, r.msg.data};
        }
        const auto r = user.get<ipmi_recv>(arg);
        return Recv{
            r.recv_type,    reinterpret_cast<std::uintptr_t>(r.addr),    r.addr_len, r.msgid, r.msg.netfn, r.msg.cmd,
            r.msg.data_len, reinterpret_cast<std::uintptr_t>(r.msg.data)};
    }

    KernelResult receive(bool trunc) { return kernel.ioctl(file, cmdFor(trunc), arg, compat()); }

    static Bytes untouched(std::size_t n) { return Bytes(n, 0xA5); }

    FakeUserSpace user{GetParam() ? 0x10000000ULL : 0x7f0000000000ULL};
    FakeCuseKernel kernel{user};
    RealIpmiFile file;
    std::uint64_t arg = 0;
    std::uint64_t addrBuf = 0;
    std::uint64_t dataPtr = 0;
};

TEST_P(ReceiveIoctl, EmptyQueueIsEagainAndWritesNothing)
{
    placeRecv(40, 64, 64);
    const auto before = user.bytes(arg, structSize());
    for (const bool trunc : {false, true}) {
        const auto r = receive(trunc);
        EXPECT_EQ(r.ret, -EAGAIN);
        EXPECT_EQ(r.roundTrips, 2);
        EXPECT_EQ(r.plans.back().out.size(), 0U);
    }
    EXPECT_EQ(user.bytes(arg, structSize()), before);
    EXPECT_EQ(user.bytes(addrBuf, 40), untouched(40));
}

TEST_P(ReceiveIoctl, ShortAddressBufferIsEinvalAndTheMessageStays)
{
    file.deliver(getDeviceIdResponse());
    placeRecv(7, 64, 64);
    const auto r = receive(true);
    EXPECT_EQ(r.ret, -EINVAL);
    EXPECT_EQ(r.roundTrips, 2);
    EXPECT_EQ(file.queued(), 1U);
    EXPECT_EQ(user.bytes(addrBuf, 40), untouched(40));
}

TEST_P(ReceiveIoctl, CopiesAddressDataAndStructAndNothingElse)
{
    file.deliver(getDeviceIdResponse());
    placeRecv(40, 64, 64);
    const auto r = receive(false);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.roundTrips, 3);
    ASSERT_EQ(r.plans.size(), 2U);
    EXPECT_EQ(r.plans[1].in, (std::vector<UserRange>{{arg, structSize()}, {addrBuf, 8}, {dataPtr, 5}}));
    EXPECT_EQ(r.plans[1].out, (std::vector<UserRange>{{addrBuf, 8}, {dataPtr, 5}, {arg, structSize()}}));

    Bytes addr = siAddr(0);
    addr.resize(40, 0xA5);
    EXPECT_EQ(user.bytes(addrBuf, 40), addr);
    Bytes data{0x00, 0x20, 0x01, 0x02, 0x51};
    data.resize(64, 0xA5);
    EXPECT_EQ(user.bytes(dataPtr, 64), data);
    const auto got = readRecv();
    EXPECT_EQ(got.recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(got.addr, addrBuf);
    EXPECT_EQ(got.addrLen, 8U);
    EXPECT_EQ(got.msgid, 77);
    EXPECT_EQ(got.netfn, 0x07);
    EXPECT_EQ(got.cmd, 0x01);
    EXPECT_EQ(got.dataLen, 5U);
    EXPECT_EQ(got.data, dataPtr);
    EXPECT_EQ(file.queued(), 0U);
}

TEST_P(ReceiveIoctl, CompatMsgidIsCutToThirtyTwoBits)
{
    auto m = getDeviceIdResponse();
    m.msgid = 0x100000005L;
    file.deliver(m);
    placeRecv(40, 64, 64);
    EXPECT_EQ(receive(true).ret, 0);
    EXPECT_EQ(readRecv().msgid, compat() ? 5 : 0x100000005L);
}

TEST_P(ReceiveIoctl, TooSmallForReceiveMsgWritesOnlyTheAddressAndKeepsTheMessage)
{
    file.deliver(getDeviceIdResponse());
    placeRecv(40, 8, 2);
    const auto before = user.bytes(arg, structSize());
    const auto r = receive(false);
    EXPECT_EQ(r.ret, -EMSGSIZE);
    EXPECT_EQ(r.plans.back().out, (std::vector<UserRange>{{addrBuf, 8}}));
    Bytes addr = siAddr(0);
    addr.resize(40, 0xA5);
    EXPECT_EQ(user.bytes(addrBuf, 40), addr); // written before the size check, as in the kernel
    EXPECT_EQ(user.bytes(dataPtr, 8), untouched(8));
    EXPECT_EQ(user.bytes(arg, structSize()), before);
    EXPECT_EQ(file.queued(), 1U);
}

TEST_P(ReceiveIoctl, TruncReturnsEmsgsizeWithTheTruncatedMessageCopiedOut)
{
    file.deliver(getDeviceIdResponse());
    file.deliver(QueuedMessage{IPMI_ASYNC_EVENT_RECV_TYPE, siAddr(0), 0, 0x07, 0x35, Bytes(16, 0x44)});
    placeRecv(40, 8, 2);
    const auto r = receive(true);
    EXPECT_EQ(r.ret, -EMSGSIZE);
    EXPECT_EQ(r.plans.back().out, (std::vector<UserRange>{{addrBuf, 8}, {dataPtr, 2}, {arg, structSize()}}));
    EXPECT_EQ(user.bytes(dataPtr, 8), (Bytes{0x00, 0x20, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5}));
    const auto got = readRecv();
    EXPECT_EQ(got.dataLen, 2U);
    EXPECT_EQ(got.msgid, 77);
    EXPECT_EQ(got.addrLen, 8U);
    ASSERT_EQ(file.queued(), 1U); // consumed; the event is next
    EXPECT_EQ(file.drain(), (std::vector<int>{IPMI_ASYNC_EVENT_RECV_TYPE}));
}

TEST_P(ReceiveIoctl, TruncWithANullZeroLengthBufferConsumesTheMessage)
{
    file.deliver(getDeviceIdResponse());
    placeRecv(40, 0, 0);
    EXPECT_EQ(receive(true).ret, -EMSGSIZE);
    EXPECT_EQ(readRecv().dataLen, 0U);
    EXPECT_EQ(readRecv().recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(file.queued(), 0U);
}

TEST_P(ReceiveIoctl, AFaultingBufferIsEfaultAndNeverLosesTheMessage)
{
    file.deliver(getDeviceIdResponse());
    placeRecvAt(user.unmapped(), 40, user.alloc(64), 64);
    EXPECT_EQ(receive(true).ret, -EFAULT);
    EXPECT_EQ(file.queued(), 1U);

    placeRecvAt(user.alloc(40), 40, user.unmapped(), 64);
    EXPECT_EQ(receive(false).ret, -EFAULT);
    EXPECT_EQ(file.queued(), 1U);

    placeRecvAt(user.alloc(40), 40, user.alloc(3), 64); // offers more than it has
    EXPECT_EQ(receive(true).ret, -EFAULT);
    EXPECT_EQ(file.queued(), 1U);

    const auto bad = user.unmapped();
    const auto r = kernel.ioctl(file, cmdFor(true), bad, compat());
    EXPECT_EQ(r.ret, -EFAULT);
    EXPECT_EQ(r.roundTrips, 1);
    EXPECT_EQ(file.queued(), 1U);
}

TEST_P(ReceiveIoctl, AnUnwrittenDataBufferIsNeverTouchedEvenIfItFaults)
{
    file.deliver(getDeviceIdResponse());
    const auto addr = user.alloc(40);
    placeRecvAt(addr, 40, user.unmapped(), 2);
    EXPECT_EQ(receive(false).ret, -EMSGSIZE); // the kernel never copies to the data buffer here
    EXPECT_EQ(user.bytes(addr, 8), siAddr(0));
    EXPECT_EQ(file.queued(), 1U);
}

TEST_P(ReceiveIoctl, AHeadThatChangesBetweenRetriesIsFollowed)
{
    file.deliver(getDeviceIdResponse());
    placeRecv(40, 64, 64);
    kernel.betweenRounds = [this](int round) {
        if (round == 2) { // after the plan for the first head was made
            file.drain();
            file.deliver(QueuedMessage{IPMI_RESPONSE_RECV_TYPE, lanAddr(), 9, 0x07, 0x02, Bytes{0, 1, 2, 3, 4, 5, 6}});
        }
    };
    const auto r = receive(true);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.roundTrips, 4);
    Bytes addr = lanAddr();
    addr.resize(40, 0xA5);
    EXPECT_EQ(user.bytes(addrBuf, 40), addr);
    Bytes data{0, 1, 2, 3, 4, 5, 6};
    data.resize(64, 0xA5);
    EXPECT_EQ(user.bytes(dataPtr, 64), data);
    EXPECT_EQ(readRecv().addrLen, 12U);
    EXPECT_EQ(readRecv().msgid, 9);
    EXPECT_EQ(file.queued(), 0U);
}

TEST_P(ReceiveIoctl, AShorterHeadAfterThePlanIsNotWrittenIntoTheWrongBuffer)
{
    file.deliver(QueuedMessage{IPMI_RESPONSE_RECV_TYPE, lanAddr(), 9, 0x07, 0x02, Bytes{0, 1, 2, 3, 4, 5, 6}});
    placeRecv(40, 64, 64);
    kernel.betweenRounds = [this](int round) {
        if (round == 2) { // the plan has room for a 12-byte address; the new head has 8
            file.drain();
            file.deliver(getDeviceIdResponse());
        }
    };
    const auto r = receive(false);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.roundTrips, 4);
    Bytes addr = siAddr(0);
    addr.resize(40, 0xA5);
    EXPECT_EQ(user.bytes(addrBuf, 40), addr);
    Bytes data{0x00, 0x20, 0x01, 0x02, 0x51};
    data.resize(64, 0xA5);
    EXPECT_EQ(user.bytes(dataPtr, 64), data);
    EXPECT_EQ(readRecv().addrLen, 8U);
}

TEST_P(ReceiveIoctl, OverlappingAddressAndDataBuffersEndAsTheKernelLeavesThem)
{
    file.deliver(QueuedMessage{IPMI_RESPONSE_RECV_TYPE, lanAddr(), 3, 0x07, 0x02, Bytes{0xD0, 0xD1, 0xD2}});
    const auto shared = user.alloc(64);
    placeRecvAt(shared, 40, shared, 64);
    EXPECT_EQ(receive(false).ret, 0);
    Bytes expected = lanAddr(); // the address first, then the data over its start
    expected[0] = 0xD0;
    expected[1] = 0xD1;
    expected[2] = 0xD2;
    EXPECT_EQ(user.bytes(shared, 12), expected);
    EXPECT_EQ(user.bytes(shared + 12, 52), untouched(52));
}

TEST_P(ReceiveIoctl, AMessageWithoutDataNeedsNoDataRange)
{
    file.deliver(QueuedMessage{IPMI_CMD_RECV_TYPE, siAddr(2), 12, 0x06, 0x01, {}});
    placeRecv(40, 16, 16);
    const auto r = receive(false);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.plans.back().out, (std::vector<UserRange>{{addrBuf, 8}, {arg, structSize()}}));
    EXPECT_EQ(readRecv().dataLen, 0U);
    EXPECT_EQ(readRecv().recvType, IPMI_CMD_RECV_TYPE);
    EXPECT_EQ(user.bytes(dataPtr, 16), untouched(16));
}

INSTANTIATE_TEST_SUITE_P(NativeAndCompat, ReceiveIoctl, ::testing::Bool(), layoutName);

// The protocol's own failure modes, called directly.
class RefusesWithoutReading : public core::IpmiFile
{
  public:
    core::IoctlResult ioctl(std::uint32_t, std::uint64_t, core::UserMemory&, bool) override
    {
        return core::Copy::Unfetched;
    }
    [[nodiscard]] bool readable() const override { return false; }
    [[nodiscard]] bool awaitingAnswers() const override { return false; }
    void setWakeup(std::function<void()>) override {}
    [[nodiscard]] std::optional<core::ReceivePeek> peekReceive() const override { return std::nullopt; }
    void setGate(std::unique_ptr<core::RequestGate>) override {}
};

TEST(MarshalIoctl, BytesWithoutTheirPlanStartOverFromTheStruct)
{
    RealIpmiFile file;
    const Bytes stray(48, 0);
    const auto outcome = marshalIoctl(file, IoctlCall{IPMICTL_RECEIVE_MSG, 0x5000, false, stray, 0}, nullptr);
    ASSERT_TRUE(std::holds_alternative<IoctlRetry>(outcome));
    EXPECT_EQ(std::get<IoctlRetry>(outcome).plan, (RetryPlan{{{0x5000, 48}}, {}}));

    const RetryPlan other{{{0x5000, 40}}, {}}; // sizes do not match the bytes
    const auto again = marshalIoctl(file, IoctlCall{IPMICTL_RECEIVE_MSG, 0x5000, false, stray, 0}, &other);
    ASSERT_TRUE(std::holds_alternative<IoctlRetry>(again));
    EXPECT_EQ(std::get<IoctlRetry>(again).plan, (RetryPlan{{{0x5000, 48}}, {}}));
}

TEST(MarshalIoctl, AFileThatAsksForMemoryWithoutUsingAnyIsEio)
{
    RefusesWithoutReading file;
    const auto outcome = marshalIoctl(file, IoctlCall{IPMICTL_GET_MY_LUN_CMD, 0x5000, false, {}, 0}, nullptr);
    ASSERT_TRUE(std::holds_alternative<IoctlReply>(outcome));
    EXPECT_EQ(std::get<IoctlReply>(outcome).result, -EIO);
}

} // namespace
} // namespace ipmi::cuse::testing
