// ioctls against the caller's memory in place (in_place_ioctl.hpp), with this
// test process as the caller: SEND and RECEIVE with real <linux/ipmi.h>
// structs in one call, EFAULT from a pointer into a PROT_NONE page with the
// message kept, a copy across into such a page, and the fall-back answer
// (nothing changed) for a caller that cannot be reached. Plus the rule for
// holding a poll (poll_hold.hpp).
#include "abi/ipmi.hpp"
#include "cuse_dev/in_place_ioctl.hpp"
#include "cuse_dev/poll_hold.hpp"
#include "tests/unit/cuse/caller_pages.hpp"
#include "tests/unit/cuse_dev/real_ipmi_file.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace ipmi::cuse::testing {
namespace {

using namespace ipmi::abi;
using namespace std::chrono_literals;

ipmi_system_interface_addr bmcAddress()
{
    ipmi_system_interface_addr a{};
    a.addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    a.channel = IPMI_BMC_CHANNEL;
    return a;
}

QueuedMessage getDeviceIdResponse()
{
    std::vector<std::uint8_t> addr(sizeof(ipmi_system_interface_addr));
    const auto a = bmcAddress();
    std::memcpy(addr.data(), &a, addr.size());
    return QueuedMessage{IPMI_RESPONSE_RECV_TYPE, addr, 77, 0x07, 0x01, {0x00, 0x20, 0x01, 0x02, 0x51}};
}

TEST(IoctlInPlace, SendReadsStructAddressAndDataInOneCall)
{
    REQUIRE_CROSS_MEMORY();
    RealIpmiFile file;
    UserRanges readAhead;
    auto addr = bmcAddress();
    std::array<std::uint8_t, 2> data{0xAB, 0xCD};
    ipmi_req req{};
    req.addr = reinterpret_cast<unsigned char*>(&addr);
    req.addr_len = sizeof addr;
    req.msgid = 1234;
    req.msg.netfn = 0x06;
    req.msg.cmd = 0x01;
    req.msg.data = data.data();
    req.msg.data_len = data.size();

    const IoctlCall call{IPMICTL_SEND_COMMAND, addressOf(&req), false, {}, 0};
    const auto result = ioctlInPlace(file, call, self(), readAhead);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, 0);
    ASSERT_EQ(file.sent().size(), 1U);
    EXPECT_EQ(file.sent()[0].msgid, 1234);
    EXPECT_EQ(file.sent()[0].netfn, 0x06);
    EXPECT_EQ(file.sent()[0].data, (std::vector<std::uint8_t>{0xAB, 0xCD}));
    EXPECT_EQ(file.sent()[0].addr.size(), sizeof addr);
}

TEST(IoctlInPlace, ReceiveWritesAddressDataAndStruct)
{
    REQUIRE_CROSS_MEMORY();
    RealIpmiFile file;
    UserRanges readAhead;
    file.deliver(getDeviceIdResponse());
    ipmi_system_interface_addr addr{};
    std::array<std::uint8_t, 32> data{};
    data.fill(0xEE);
    ipmi_recv recv{};
    recv.addr = reinterpret_cast<unsigned char*>(&addr);
    recv.addr_len = sizeof addr;
    recv.msg.data = data.data();
    recv.msg.data_len = data.size();

    const IoctlCall call{IPMICTL_RECEIVE_MSG_TRUNC, addressOf(&recv), false, {}, 0};
    const auto result = ioctlInPlace(file, call, self(), readAhead);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, 0);
    EXPECT_EQ(recv.recv_type, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(recv.msgid, 77);
    EXPECT_EQ(recv.msg.netfn, 0x07);
    EXPECT_EQ(recv.msg.data_len, 5);
    EXPECT_EQ(data[0], 0x00);
    EXPECT_EQ(data[4], 0x51);
    EXPECT_EQ(data[5], 0xEE); // past the message: untouched
    EXPECT_EQ(addr.addr_type, IPMI_SYSTEM_INTERFACE_ADDR_TYPE);
    EXPECT_EQ(file.queued(), 0U);
}

TEST(IoctlInPlace, AFaultingDataBufferKeepsTheMessage)
{
    REQUIRE_CROSS_MEMORY();
    GuardedPages pages;
    RealIpmiFile file;
    UserRanges readAhead;
    file.deliver(getDeviceIdResponse());
    ipmi_system_interface_addr addr{};
    ipmi_recv recv{};
    recv.addr = reinterpret_cast<unsigned char*>(&addr);
    recv.addr_len = sizeof addr;
    recv.msg.data = pages.lastBytes(2); // 5 bytes needed, 2 mapped
    recv.msg.data_len = 32;

    const IoctlCall call{IPMICTL_RECEIVE_MSG, addressOf(&recv), false, {}, 0};
    const auto result = ioctlInPlace(file, call, self(), readAhead);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, -EFAULT);
    EXPECT_EQ(file.queued(), 1U);
    // As in the kernel: the address was stored before the data faulted, the struct was not.
    EXPECT_EQ(addr.addr_type, IPMI_SYSTEM_INTERFACE_ADDR_TYPE);
    EXPECT_EQ(recv.msgid, 0);
}

TEST(IoctlInPlace, AnUnreachableCallerChangesNothing)
{
    RealIpmiFile file;
    UserRanges readAhead;
    file.deliver(getDeviceIdResponse());
    ipmi_recv recv{};
    const IoctlCall call{IPMICTL_RECEIVE_MSG, addressOf(&recv), false, {}, 0};
    EXPECT_FALSE(ioctlInPlace(file, call, 0, readAhead).has_value());          // outside our PID namespace
    EXPECT_FALSE(ioctlInPlace(file, call, 0x3FFFFFFF, readAhead).has_value()); // gone, or not ours to reach
    EXPECT_EQ(file.queued(), 1U);
}

TEST(IoctlInPlace, UnknownNumbersAreENOTTYWithoutTouchingMemory)
{
    RealIpmiFile file;
    UserRanges readAhead;
    const IoctlCall call{0x12345678, 0, false, {}, 0};
    const auto result = ioctlInPlace(file, call, self(), readAhead);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, -ENOTTY);
}

TEST(PollHold, OnlyABlockingPollWaitingForAnAnswer)
{
    EXPECT_TRUE(shouldHoldPoll(2000us, false, true, true, false));
    EXPECT_FALSE(shouldHoldPoll(0us, false, true, true, false));     // turned off
    EXPECT_FALSE(shouldHoldPoll(2000us, true, true, true, false));   // ready: answer now
    EXPECT_FALSE(shouldHoldPoll(2000us, false, false, true, false)); // poll(.., 0) or epoll's re-check
    EXPECT_FALSE(shouldHoldPoll(2000us, false, true, false, false)); // waiting for events only
    EXPECT_FALSE(shouldHoldPoll(2000us, false, true, true, true));   // one held poll per file
}

} // namespace
} // namespace ipmi::cuse::testing
