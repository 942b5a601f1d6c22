// The caller's memory reached in place (cuse/caller_memory.hpp), with this
// test process as the caller: copies both ways, stores deferred to one
// commit in order, the read-ahead rule, faults like copy_from_user's, and
// the answer for a caller that cannot be reached.
#include "cuse/caller_memory.hpp"
#include "tests/unit/cuse/caller_pages.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

namespace ipmi::cuse::testing {
namespace {

TEST(CallerMemory, CopiesBothWaysWithinOneThreadOfTheCaller)
{
    REQUIRE_CROSS_MEMORY();
    std::array<std::uint8_t, 4> theirs{1, 2, 3, 4};
    std::array<std::uint8_t, 4> ours{};
    CallerMemory mem(self());
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(theirs.data()), ours.size()), Access::Done);
    EXPECT_EQ(ours, theirs);
    const std::array<std::uint8_t, 2> update{9, 8};
    EXPECT_EQ(mem.copyToUser(addressOf(theirs.data() + 1), update.data(), update.size()), Access::Done);
    EXPECT_EQ(theirs, (std::array<std::uint8_t, 4>{1, 2, 3, 4})); // deferred until the commit
    EXPECT_EQ(mem.commit(), Access::Done);
    EXPECT_EQ(theirs, (std::array<std::uint8_t, 4>{1, 9, 8, 4}));
    EXPECT_EQ(mem.commit(), Access::Done); // nothing left
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
    EXPECT_EQ(mem.copyToUser(addressOf(first.data()), bytes.data(), 2), Access::Done);
    EXPECT_EQ(mem.copyToUser(addressOf(pages.lastBytes(4)), bytes.data(), 8), Access::Done); // runs into the guard
    EXPECT_EQ(mem.copyToUser(addressOf(third.data()), bytes.data(), 2), Access::Done);
    EXPECT_EQ(mem.commit(), Access::Fault);
    EXPECT_EQ(first, (std::array<std::uint8_t, 2>{1, 2}));
    EXPECT_EQ(third, (std::array<std::uint8_t, 2>{0, 0}));
    EXPECT_EQ(mem.commit(), Access::Done); // the failed stores are dropped, as the kernel's copies end
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
        EXPECT_EQ(mem.copyToUser(addressOf(theirs[i].data()), bytes[i].data(), bytes[i].size()), Access::Done);
    }
    EXPECT_EQ(mem.commit(), Access::Done);
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
    EXPECT_EQ(mem.copyFromUser(request.data(), addressOf(&page[0]), request.size()), Access::Done);
    std::array<std::uint8_t, 40> gotData{};
    std::array<std::uint8_t, 16> gotAddress{};
    EXPECT_EQ(mem.copyFromUser(gotData.data(), data.addr, data.len), Access::Done);
    EXPECT_EQ(mem.copyFromUser(gotAddress.data(), address.addr, address.len), Access::Done);
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
        EXPECT_EQ(mem.copyFromUser(&a, addressOf(&page[100]), 1), Access::Done);
        page[200] = 0x33; // changed after the read-ahead: the fetched byte is what the call sees
        EXPECT_EQ(mem.copyFromUser(&b, addressOf(&page[200]), 1), Access::Done);
        EXPECT_EQ(a, 0x11);
        EXPECT_EQ(b, 0x22);
        EXPECT_EQ(mem.transfers(), 1);
        EXPECT_EQ(mem.reads(), (UserRanges{{addressOf(&page[100]), 1}, {addressOf(&page[200]), 1}}));
    }
    {
        // Outside the struct's page, or wider than what was fetched: read on demand.
        CallerMemory mem(self(), {UserRange{addressOf(&page[200]), 1}, UserRange{addressOf(&page[4095]), 2}});
        EXPECT_EQ(mem.copyFromUser(&a, addressOf(&page[100]), 1), Access::Done);
        std::array<std::uint8_t, 2> two{};
        EXPECT_EQ(mem.copyFromUser(two.data(), addressOf(&page[200]), 2), Access::Done);
        EXPECT_EQ(mem.transfers(), 2);
        EXPECT_EQ(mem.copyFromUser(&b, addressOf(elsewhere.data()), 1), Access::Done);
        EXPECT_EQ(mem.transfers(), 3);
    }
}

TEST(CallerMemory, FaultsLikeCopyFromUser)
{
    REQUIRE_CROSS_MEMORY();
    GuardedPages pages;
    std::array<std::uint8_t, 8> ours{};
    CallerMemory mem(self());
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(pages.guard()), 4), Access::Fault); // the first read
    // Four readable bytes, then the guard page: a short copy is a fault.
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(pages.lastBytes(4)), 8), Access::Fault);
    EXPECT_EQ(mem.copyToUser(addressOf(pages.lastBytes(4)), ours.data(), 8), Access::Done);
    EXPECT_EQ(mem.commit(), Access::Fault);
    EXPECT_EQ(mem.copyFromUser(ours.data(), 0, 4), Access::Fault);
    EXPECT_EQ(mem.copyFromUser(ours.data(), ~std::uint64_t{0} - 1, 4), Access::Fault);
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(pages.lastBytes(4)), 0), Access::Done);
    EXPECT_FALSE(mem.unreachable());
}

TEST(CallerMemory, AnUnreachableCallerAsksForTheRetryProtocol)
{
    std::array<std::uint8_t, 4> theirs{1, 2, 3, 4};
    std::array<std::uint8_t, 4> ours{};
    CallerMemory mem(0x3FFFFFFF); // above pid_max: no such thread
    EXPECT_EQ(mem.copyFromUser(ours.data(), addressOf(theirs.data()), 4), Access::Unreachable);
    EXPECT_TRUE(mem.unreachable());
    EXPECT_EQ(mem.copyToUser(addressOf(theirs.data()), ours.data(), 4), Access::Unreachable);
    EXPECT_EQ(theirs, (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
}

} // namespace
} // namespace ipmi::cuse::testing
