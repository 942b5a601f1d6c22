// The 32-bit compat layouts (a 32-bit process on a 64-bit kernel): the four
// pointer-carrying ioctls with their own numbers and structs, msgid
// sign-extended in and cut to 32 bits out; all other numbers are native.
// 32-bit "user pointers" are offsets into an arena here.
#include "abi/ipmi_compat.hpp"
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>
#include <cstring>

namespace ipmi::core::testing {
namespace {

// UserMemory whose addresses are offsets into an arena of this process.
class ArenaMemory : public UserMemory
{
  public:
    ArenaMemory() : arena_(65536, 0) {}
    Copy copyFromUser(void* dst, std::uint64_t addr, std::size_t len) override
    {
        return inner_.copyFromUser(dst, translate(addr, len), len);
    }
    Copy copyToUser(std::uint64_t addr, const void* src, std::size_t len) override
    {
        return inner_.copyToUser(translate(addr, len), src, len);
    }
    std::uint8_t* at(std::uint32_t offset) { return arena_.data() + offset; }
    DirectUserMemory& inner() { return inner_; }

  private:
    std::uint64_t translate(std::uint64_t addr, std::size_t len) const
    {
        if (addr == 0 || addr + len > arena_.size()) {
            return 0; // faults
        }
        return DirectUserMemory::address(arena_.data() + addr);
    }
    std::vector<std::uint8_t> arena_;
    DirectUserMemory inner_;
};

class CompatTest : public CoreTest
{
  protected:
    static constexpr std::uint32_t kReq = 0x100;
    static constexpr std::uint32_t kAddr = 0x200;
    static constexpr std::uint32_t kData = 0x300;

    IoctlResult compatSend(IpmiFile& f, std::int32_t msgid, bool settime = false, std::int32_t retries = -1,
                           std::uint32_t retryMs = 0)
    {
        const auto si = siAddr();
        std::memcpy(arena.at(kAddr), &si, sizeof(si));
        arena.at(kData)[0] = 0x5A;
        abi::compat_ipmi_req_settime r{};
        r.req.addr = kAddr;
        r.req.addr_len = sizeof(si);
        r.req.msgid = msgid;
        r.req.msg.netfn = 0x06;
        r.req.msg.cmd = 0x01;
        r.req.msg.data_len = 1;
        r.req.msg.data = kData;
        r.retries = retries;
        r.retry_time_ms = retryMs;
        std::memcpy(arena.at(kReq), &r, sizeof(r));
        return f.ioctl(settime ? abi::COMPAT_IPMICTL_SEND_COMMAND_SETTIME : abi::COMPAT_IPMICTL_SEND_COMMAND, kReq,
                       arena, true);
    }

    ArenaMemory arena;
};

TEST_F(CompatTest, SendAndReceiveWithTheCompatLayouts)
{
    auto f = open();
    EXPECT_EQ(compatSend(*f, -5), 0);
    EXPECT_EQ(*bmc->pending(), (Bytes{0x18, 0x01, 0x5A}));
    bmc->respond({0x1C, 0x01, 0x00, 0x77});
    // the 64-bit view sees the sign-extended msgid
    const auto peek = f->peekReceive();
    ASSERT_TRUE(peek);
    EXPECT_EQ(peek->dataLen, 2U);
    std::memset(arena.at(kReq), 0xEE, 24);
    abi::compat_ipmi_recv in{};
    in.addr = kAddr;
    in.addr_len = 40;
    in.msg.data = kData;
    in.msg.data_len = 10;
    std::memcpy(arena.at(kReq), &in, sizeof(in));
    EXPECT_EQ(f->ioctl(abi::COMPAT_IPMICTL_RECEIVE_MSG_TRUNC, kReq, arena, true), 0);
    abi::compat_ipmi_recv out{};
    std::memcpy(&out, arena.at(kReq), sizeof(out));
    EXPECT_EQ(out.recv_type, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(out.addr, kAddr);
    EXPECT_EQ(out.addr_len, 8U);
    EXPECT_EQ(out.msgid, -5);
    EXPECT_EQ(out.msg.netfn, 0x07);
    EXPECT_EQ(out.msg.cmd, 0x01);
    EXPECT_EQ(out.msg.data_len, 2U);
    EXPECT_EQ(out.msg.data, kData);
    EXPECT_EQ(arena.at(kData)[1], 0x77);
}

TEST_F(CompatTest, MsgidIsCutToThirtyTwoBits)
{
    auto f = open();
    EXPECT_EQ(send(*f, siAddr(), 0x123456789AL, 0x06, 0x01), 0);
    bmc->respondCc(0);
    abi::compat_ipmi_recv in{};
    in.addr = kAddr;
    in.addr_len = 40;
    in.msg.data = kData;
    in.msg.data_len = 10;
    std::memcpy(arena.at(kReq), &in, sizeof(in));
    EXPECT_EQ(f->ioctl(abi::COMPAT_IPMICTL_RECEIVE_MSG, kReq, arena, true), 0);
    abi::compat_ipmi_recv out{};
    std::memcpy(&out, arena.at(kReq), sizeof(out));
    EXPECT_EQ(out.msgid, 0x3456789A);
}

TEST_F(CompatTest, SettimeUsesTheCompatRetryFields)
{
    auto f = open();
    const auto si = ipmbAddr(0, 0x52);
    std::memcpy(arena.at(kAddr), &si, sizeof(si));
    abi::compat_ipmi_req_settime r{};
    r.req.addr = kAddr;
    r.req.addr_len = sizeof(si);
    r.req.msgid = 1;
    r.req.msg.netfn = 0x06;
    r.req.msg.cmd = 0x01;
    r.retries = 0;
    r.retry_time_ms = 1000;
    std::memcpy(arena.at(kReq), &r, sizeof(r));
    EXPECT_EQ(f->ioctl(abi::COMPAT_IPMICTL_SEND_COMMAND_SETTIME, kReq, arena, true), 0);
    bmc->respondCc(0);
    loop.advance(milliseconds(1000));
    EXPECT_TRUE(f->readable());
    EXPECT_EQ(sendMessages(), 1U);
}

TEST_F(CompatTest, OtherNumbersAreNativeAndShortStructsFault)
{
    auto f = open();
    int on = 1;
    std::memcpy(arena.at(kReq), &on, sizeof(on));
    EXPECT_EQ(f->ioctl(IPMICTL_SET_GETS_EVENTS_CMD, kReq, arena, true), 0);
    EXPECT_EQ(mh->interfaceStatus(ifnum)->eventUsers, 1);
    // the 20-byte struct at the arena's very end: a 40-byte read would fault
    EXPECT_EQ(f->ioctl(abi::COMPAT_IPMICTL_SEND_COMMAND, 65536 - 20, arena, true), -EINVAL);
    EXPECT_EQ(f->ioctl(abi::COMPAT_IPMICTL_SEND_COMMAND, 65536 - 19, arena, true), -EFAULT);
    EXPECT_EQ(f->ioctl(abi::COMPAT_IPMICTL_RECEIVE_MSG, 65536 - 24, arena, true), -EAGAIN);
}

} // namespace
} // namespace ipmi::core::testing
