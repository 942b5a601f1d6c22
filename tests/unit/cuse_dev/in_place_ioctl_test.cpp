// ioctls against the caller's memory in place (caller_memory.hpp), with this
// test process as the caller: SEND and RECEIVE with real <linux/ipmi.h>
// structs in one call, EFAULT from a pointer into a PROT_NONE page with the
// message kept, a copy across into such a page, and the fall-back answer
// (nothing changed) for a caller that cannot be reached. Plus the rule for
// holding a poll (poll_hold.hpp).
#include "abi/ipmi.hpp"
#include "cuse_dev/caller_memory.hpp"
#include "cuse_dev/poll_hold.hpp"
#include "tests/unit/cuse_dev/fake_ipmi_file.hpp"

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

std::uint64_t addressOf(const void* p)
{
    return reinterpret_cast<std::uintptr_t>(p);
}

// Two pages: the first readable and writable, the second PROT_NONE.
class GuardedPages
{
  public:
    GuardedPages()
    {
        page_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        void* p = ::mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        EXPECT_NE(p, MAP_FAILED);
        base_ = static_cast<std::uint8_t*>(p);
        EXPECT_EQ(::mprotect(base_ + page_, page_, PROT_NONE), 0);
    }
    ~GuardedPages() { ::munmap(base_, 2 * page_); }
    GuardedPages(const GuardedPages&) = delete;
    GuardedPages& operator=(const GuardedPages&) = delete;

    std::uint8_t* lastBytes(std::size_t n) { return base_ + page_ - n; }
    std::uint8_t* guard() { return base_ + page_; }

  private:
    std::size_t page_ = 0;
    std::uint8_t* base_ = nullptr;
};

pid_t self()
{
    return ::gettid();
}

// process_vm_readv on this very process needs no privilege, but a container's
// seccomp profile may refuse the call outright (Docker's does without
// CAP_SYS_PTRACE). Then these tests cannot run here; the VM scenarios
// sim-sigterm ("ioctls answered in place") and the packaging VM's in-place
// step prove the same path against real callers.
bool crossMemoryAvailable()
{
    int probe = 1;
    int copy = 0;
    const iovec local{&copy, sizeof copy};
    const iovec remote{&probe, sizeof probe};
    return ::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(sizeof copy);
}

#define REQUIRE_CROSS_MEMORY()                                                                                   \
    if (!crossMemoryAvailable()) {                                                                               \
        GTEST_SKIP() << "process_vm_readv is refused here (seccomp?): covered by the VM scenarios instead";     \
    }

ipmi_system_interface_addr bmcAddress()
{
    ipmi_system_interface_addr a{};
    a.addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    a.channel = IPMI_BMC_CHANNEL;
    return a;
}

FakeMessage getDeviceIdResponse()
{
    std::vector<std::uint8_t> addr(sizeof(ipmi_system_interface_addr));
    const auto a = bmcAddress();
    std::memcpy(addr.data(), &a, addr.size());
    return FakeMessage{IPMI_RESPONSE_RECV_TYPE, addr, 77, 0x07, 0x01, {0x00, 0x20, 0x01, 0x02, 0x51}};
}

TEST(CallerMemory, CopiesBothWaysWithinOneThreadOfTheCaller)
{
    REQUIRE_CROSS_MEMORY();
    std::array<std::uint8_t, 4> theirs{1, 2, 3, 4};
    std::array<std::uint8_t, 4> ours{};
    CallerMemory mem(self());
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(theirs.data()), ours.size()), 0);
    EXPECT_EQ(ours, theirs);
    const std::array<std::uint8_t, 2> update{9, 8};
    EXPECT_EQ(mem.copyToUser(addressOf(theirs.data() + 1), update.data(), update.size()), 0);
    EXPECT_EQ(theirs, (std::array<std::uint8_t, 4>{1, 2, 3, 4})); // deferred until the commit
    EXPECT_EQ(mem.commit(), 0);
    EXPECT_EQ(theirs, (std::array<std::uint8_t, 4>{1, 9, 8, 4}));
    EXPECT_EQ(mem.commit(), 0); // nothing left
    EXPECT_FALSE(mem.unreachable());
    EXPECT_EQ(mem.transfers(), 2);
}

TEST(CallerMemory, StoresLandInOrderAndStopAtTheFirstFault)
{
    REQUIRE_CROSS_MEMORY();
    GuardedPages pages;
    std::array<std::uint8_t, 2> first{};
    std::array<std::uint8_t, 2> third{};
    const std::array<std::uint8_t, 8> bytes{1, 2, 3, 4, 5, 6, 7, 8};
    CallerMemory mem(self());
    EXPECT_EQ(mem.copyToUser(addressOf(first.data()), bytes.data(), 2), 0);
    EXPECT_EQ(mem.copyToUser(addressOf(pages.lastBytes(4)), bytes.data(), 8), 0); // runs into the guard
    EXPECT_EQ(mem.copyToUser(addressOf(third.data()), bytes.data(), 2), 0);
    EXPECT_EQ(mem.commit(), -EFAULT);
    EXPECT_EQ(first, (std::array<std::uint8_t, 2>{1, 2}));
    EXPECT_EQ(third, (std::array<std::uint8_t, 2>{0, 0}));
    EXPECT_EQ(mem.commit(), 0); // the failed stores are dropped, as the kernel's copies end
}

// Stores are kept in one buffer with room for any IPMI message; more than
// that still lands, each store at its own address with its own bytes.
TEST(CallerMemory, StoresBeyondTheInlineBufferLandWhole)
{
    REQUIRE_CROSS_MEMORY();
    std::array<std::vector<std::uint8_t>, 3> theirs;
    std::array<std::vector<std::uint8_t>, 3> bytes;
    CallerMemory mem(self());
    for (std::size_t i = 0; i < theirs.size(); ++i) {
        theirs[i].assign(700 + i, 0);
        bytes[i].assign(700 + i, static_cast<std::uint8_t>(0x10 * (i + 1)));
        EXPECT_EQ(mem.copyToUser(addressOf(theirs[i].data()), bytes[i].data(), bytes[i].size()), 0);
    }
    EXPECT_EQ(mem.commit(), 0);
    for (std::size_t i = 0; i < theirs.size(); ++i) {
        EXPECT_EQ(theirs[i], bytes[i]) << "store " << i;
    }
    EXPECT_EQ(mem.transfers(), 1);
}

// A SEND's address and data both come with its struct, each from its own place.
TEST(CallerMemory, EachReadAheadRangeIsServedFromItsOwnBytes)
{
    REQUIRE_CROSS_MEMORY();
    alignas(4096) static std::array<std::uint8_t, 4096> page{};
    for (std::size_t i = 0; i < page.size(); ++i) {
        page[i] = static_cast<std::uint8_t>(i * 7);
    }
    const UserRange address{addressOf(&page[300]), 16};
    const UserRange data{addressOf(&page[1000]), 40};
    CallerMemory mem(self(), {address, data});
    std::array<std::uint8_t, 48> request{};
    EXPECT_EQ(mem.copyFromUser(request.data(), addressOf(&page[0]), request.size()), 0);
    std::array<std::uint8_t, 40> gotData{};
    std::array<std::uint8_t, 16> gotAddress{};
    EXPECT_EQ(mem.copyFromUser(gotData.data(), data.addr, data.len), 0);
    EXPECT_EQ(mem.copyFromUser(gotAddress.data(), address.addr, address.len), 0);
    EXPECT_EQ(mem.transfers(), 1);
    EXPECT_TRUE(std::equal(gotData.begin(), gotData.end(), &page[1000]));
    EXPECT_TRUE(std::equal(gotAddress.begin(), gotAddress.end(), &page[300]));
}

TEST(CallerMemory, TheFirstReadFetchesReadAheadWithinItsPagesOnly)
{
    REQUIRE_CROSS_MEMORY();
    // Struct and "address" in one page (as a caller's stack locals usually are).
    alignas(4096) static std::array<std::uint8_t, 4096> page{};
    static std::array<std::uint8_t, 16> elsewhere{}; // another object, likely another page
    page[100] = 0x11;
    page[200] = 0x22;
    std::uint8_t a = 0;
    std::uint8_t b = 0;
    {
        CallerMemory mem(self(), {UserRange{addressOf(&page[200]), 1}});
        EXPECT_EQ(mem.copyFromUser(&a, addressOf(&page[100]), 1), 0);
        page[200] = 0x33; // changed after the read-ahead: the fetched byte is what the call sees
        EXPECT_EQ(mem.copyFromUser(&b, addressOf(&page[200]), 1), 0);
        EXPECT_EQ(a, 0x11);
        EXPECT_EQ(b, 0x22);
        EXPECT_EQ(mem.transfers(), 1);
        EXPECT_EQ(mem.reads(), (UserRanges{{addressOf(&page[100]), 1}, {addressOf(&page[200]), 1}}));
    }
    {
        // Outside the struct's page, or wider than what was fetched: read on demand.
        CallerMemory mem(self(), {UserRange{addressOf(&page[200]), 1}, UserRange{addressOf(&page[4095]), 2}});
        EXPECT_EQ(mem.copyFromUser(&a, addressOf(&page[100]), 1), 0);
        std::array<std::uint8_t, 2> two{};
        EXPECT_EQ(mem.copyFromUser(two.data(), addressOf(&page[200]), 2), 0);
        EXPECT_EQ(mem.transfers(), 2);
        EXPECT_EQ(mem.copyFromUser(&b, addressOf(elsewhere.data()), 1), 0);
        EXPECT_EQ(mem.transfers(), 3);
    }
}

TEST(CallerMemory, FaultsLikeCopyFromUser)
{
    REQUIRE_CROSS_MEMORY();
    GuardedPages pages;
    std::array<std::uint8_t, 8> ours{};
    CallerMemory mem(self());
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(pages.guard()), 4), -EFAULT); // the first read
    // Four readable bytes, then the guard page: a short copy is a fault.
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(pages.lastBytes(4)), 8), -EFAULT);
    EXPECT_EQ(mem.copyToUser(addressOf(pages.lastBytes(4)), ours.data(), 8), 0);
    EXPECT_EQ(mem.commit(), -EFAULT);
    EXPECT_EQ(mem.copyFromUser(ours.data(), 0, 4), -EFAULT);
    EXPECT_EQ(mem.copyFromUser(ours.data(), ~std::uint64_t{0} - 1, 4), -EFAULT);
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(pages.lastBytes(4)), 0), 0);
    EXPECT_FALSE(mem.unreachable());
}

TEST(CallerMemory, AnUnreachableCallerAsksForTheRetryProtocol)
{
    std::array<std::uint8_t, 4> theirs{1, 2, 3, 4};
    std::array<std::uint8_t, 4> ours{};
    CallerMemory mem(0x3FFFFFFF); // above pid_max: no such thread
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(theirs.data()), 4), core::kNeedUserMemory);
    EXPECT_TRUE(mem.unreachable());
    EXPECT_EQ(mem.copyToUser(addressOf(theirs.data()), ours.data(), 4), core::kNeedUserMemory);
    EXPECT_EQ(theirs, (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
}

TEST(IoctlInPlace, SendReadsStructAddressAndDataInOneCall)
{
    REQUIRE_CROSS_MEMORY();
    FakeIpmiFile file;
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
    ASSERT_EQ(file.sent.size(), 1U);
    EXPECT_EQ(file.sent[0].msgid, 1234);
    EXPECT_EQ(file.sent[0].netfn, 0x06);
    EXPECT_EQ(file.sent[0].data, (std::vector<std::uint8_t>{0xAB, 0xCD}));
    EXPECT_EQ(file.sent[0].addr.size(), sizeof addr);
}

TEST(IoctlInPlace, ReceiveWritesAddressDataAndStruct)
{
    REQUIRE_CROSS_MEMORY();
    FakeIpmiFile file;
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
    EXPECT_TRUE(file.queue.empty());
}

TEST(IoctlInPlace, AFaultingDataBufferKeepsTheMessage)
{
    REQUIRE_CROSS_MEMORY();
    GuardedPages pages;
    FakeIpmiFile file;
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
    EXPECT_EQ(file.queue.size(), 1U);
    // As in the kernel: the address was stored before the data faulted, the struct was not.
    EXPECT_EQ(addr.addr_type, IPMI_SYSTEM_INTERFACE_ADDR_TYPE);
    EXPECT_EQ(recv.msgid, 0);
}

TEST(IoctlInPlace, AnUnreachableCallerChangesNothing)
{
    FakeIpmiFile file;
    UserRanges readAhead;
    file.deliver(getDeviceIdResponse());
    ipmi_recv recv{};
    const IoctlCall call{IPMICTL_RECEIVE_MSG, addressOf(&recv), false, {}, 0};
    EXPECT_FALSE(ioctlInPlace(file, call, 0, readAhead).has_value());          // outside our PID namespace
    EXPECT_FALSE(ioctlInPlace(file, call, 0x3FFFFFFF, readAhead).has_value()); // gone, or not ours to reach
    EXPECT_EQ(file.queue.size(), 1U);
}

TEST(IoctlInPlace, UnknownNumbersAreENOTTYWithoutTouchingMemory)
{
    FakeIpmiFile file;
    UserRanges readAhead;
    const IoctlCall call{0x12345678, 0, false, {}, 0};
    const auto result = ioctlInPlace(file, call, self(), readAhead);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, -ENOTTY);
}

TEST(PollHold, OnlyABlockingPollWaitingForAnAnswer)
{
    EXPECT_TRUE(shouldHoldPoll(2000us, false, true, true, false));
    EXPECT_FALSE(shouldHoldPoll(0us, false, true, true, false));    // turned off
    EXPECT_FALSE(shouldHoldPoll(2000us, true, true, true, false));  // ready: answer now
    EXPECT_FALSE(shouldHoldPoll(2000us, false, false, true, false)); // poll(.., 0) or epoll's re-check
    EXPECT_FALSE(shouldHoldPoll(2000us, false, true, false, false)); // waiting for events only
    EXPECT_FALSE(shouldHoldPoll(2000us, false, true, true, true));  // one held poll per file
}

} // namespace
} // namespace ipmi::cuse::testing
