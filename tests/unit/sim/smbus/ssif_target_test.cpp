// The SSIF SMBus target against a host-side sequence written here, byte by
// byte: golden Get Device ID, multi-part reads and writes, each end marker,
// PEC, NAKs and the alert line. The BMC behind it is a scripted fake.
#include "sim/smbus/pec.hpp"
#include "sim/smbus/ssif_target.hpp"
#include "tests/unit/sim/smbus/fake_responder.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace ipmi::sim::smbus {
namespace {

using testing::FakeResponder;

constexpr std::uint8_t kAddr = 0x10;

// Get Device ID as sim's default identity answers it (IPMI 2.0, PEN 32473).
const Bytes kDeviceIdResponse{0x1C, 0x01, 0x00, 0x20, 0x81, 0x01, 0x00, 0x02, 0xBF,
                              0xD9, 0x7E, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};

Bytes iota(std::size_t n, std::uint8_t first)
{
    Bytes out(n);
    std::iota(out.begin(), out.end(), first);
    return out;
}

class SsifTargetTest : public ::testing::Test
{
  protected:
    void make(TargetConfig config)
    {
        config.address = kAddr;
        target = std::make_unique<SsifTarget>(bmc, config);
    }
    void SetUp() override { make({}); }

    FakeResponder bmc;
    std::unique_ptr<SsifTarget> target;
};

TEST(Pec, MatchesSmbusCrc8CheckValue)
{
    const Bytes check{'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    EXPECT_EQ(pecUpdate(0, check), 0xF4);
    // [0x20 = 0x10<<1][0x02][count 2][0x18 0x01]
    EXPECT_EQ(blockWritePec(kAddr, kSingleWrite, Bytes{0x18, 0x01}), 0x66);
}

TEST_F(SsifTargetTest, GetDeviceIdGoldenBytes)
{
    bmc.answer = [](std::span<const std::uint8_t>) { return kDeviceIdResponse; };
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::uint8_t{0x66}));
    ASSERT_EQ(bmc.requests.size(), 1U);
    EXPECT_EQ(bmc.requests[0], (Bytes{0x18, 0x01}));

    auto block = target->blockRead(kRead);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->data, kDeviceIdResponse);
    // CRC-8 over 20 03 21 12 <the 18 bytes>, computed independently.
    EXPECT_EQ(block->pec, 0x4F);
    EXPECT_FALSE(target->blockRead(kMultiReadMiddle)) << "single-part response has no 0x09 part";
}

TEST_F(SsifTargetTest, ReadNaksUntilResponseIsReady)
{
    bmc.hold = true;
    EXPECT_FALSE(target->blockRead(kRead)) << "nothing requested yet";
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    EXPECT_FALSE(target->blockRead(kRead));
    EXPECT_FALSE(target->blockRead(kRead));
    bmc.release(FakeResponder::reply(Bytes{0x18, 0x01}, {0x42}));
    auto block = target->blockRead(kRead);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->data, (Bytes{0x1C, 0x01, 0x00, 0x42}));
}

TEST_F(SsifTargetTest, NewRequestSupersedesUnansweredOne)
{
    bmc.hold = true;
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    auto stale = std::move(*bmc.held);
    bmc.held.reset();
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x04}, std::nullopt));
    stale(FakeResponder::reply(Bytes{0x18, 0x01}, {}));
    EXPECT_FALSE(target->blockRead(kRead)) << "the answer to the abandoned request must not be served";
    bmc.release(FakeResponder::reply(Bytes{0x18, 0x04}, {0x55}));
    auto block = target->blockRead(kRead);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->data, (Bytes{0x1C, 0x04, 0x00, 0x55}));
}

TEST_F(SsifTargetTest, MultiPartReadBlocksAndRetry)
{
    // 3 header bytes + 77 data bytes = 80: 30 in the first part, 31, then 19 last.
    const Bytes payload = iota(77, 0x10);
    bmc.answer = [&](std::span<const std::uint8_t> req) { return FakeResponder::reply(req, payload); };
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x28, 0x23}, std::nullopt));
    const Bytes full = FakeResponder::reply(Bytes{0x28, 0x23}, payload);

    auto first = target->blockRead(kRead);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->data.size(), 32U);
    EXPECT_EQ(first->data[0], 0x00);
    EXPECT_EQ(first->data[1], 0x01);
    EXPECT_TRUE(std::equal(first->data.begin() + 2, first->data.end(), full.begin()));

    auto middle = target->blockRead(kMultiReadMiddle);
    ASSERT_TRUE(middle);
    ASSERT_EQ(middle->data.size(), 32U);
    EXPECT_EQ(middle->data[0], 0x00);
    EXPECT_TRUE(std::equal(middle->data.begin() + 1, middle->data.end(), full.begin() + 30));

    auto last = target->blockRead(kMultiReadMiddle);
    ASSERT_TRUE(last);
    ASSERT_EQ(last->data.size(), 20U);
    EXPECT_EQ(last->data[0], kLastReadBlock);
    EXPECT_TRUE(std::equal(last->data.begin() + 1, last->data.end(), full.begin() + 61));
    EXPECT_EQ(last->pec, blockReadPec(kAddr, kMultiReadMiddle, last->data));

    EXPECT_FALSE(target->blockRead(kMultiReadMiddle)) << "nothing after the 0xFF part";
    auto again = target->blockRead(kMultiReadRetry);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->data, last->data);
    EXPECT_EQ(again->pec, blockReadPec(kAddr, kMultiReadRetry, last->data));

    auto restart = target->blockRead(kRead);
    ASSERT_TRUE(restart);
    EXPECT_EQ(restart->data, first->data) << "0x03 restarts the response";
}

TEST_F(SsifTargetTest, MultiPartWriteStartMiddleEnd)
{
    const Bytes request = [] {
        Bytes r{0x28, 0x44};
        const Bytes tail = iota(67, 1);
        r.insert(r.end(), tail.begin(), tail.end());
        return r;
    }();
    const std::span<const std::uint8_t> all(request);
    ASSERT_TRUE(
        target->blockWrite(kMultiWriteStart, all.subspan(0, 32), blockWritePec(kAddr, 0x06, all.subspan(0, 32))));
    ASSERT_TRUE(target->blockWrite(kMultiWriteMiddle, all.subspan(32, 32), std::nullopt));
    EXPECT_TRUE(bmc.requests.empty());
    EXPECT_FALSE(target->blockRead(kRead)) << "no response before the end part";
    ASSERT_TRUE(target->blockWrite(kMultiWriteEnd, all.subspan(64), std::nullopt));
    ASSERT_EQ(bmc.requests.size(), 1U);
    EXPECT_EQ(bmc.requests[0], request);
    EXPECT_TRUE(target->blockRead(kRead));
}

TEST_F(SsifTargetTest, StartMustBeFullAndMiddleNeedsStart)
{
    EXPECT_FALSE(target->blockWrite(kMultiWriteStart, iota(31, 0), std::nullopt));
    EXPECT_FALSE(target->blockWrite(kMultiWriteMiddle, iota(32, 0), std::nullopt));
    EXPECT_FALSE(target->blockWrite(kMultiWriteEnd, iota(3, 0), std::nullopt));
    EXPECT_FALSE(target->blockWrite(kSingleWrite, Bytes{0x18}, std::nullopt)) << "no room for a command";
    EXPECT_FALSE(target->blockWrite(0x05, Bytes{0x18, 0x01}, std::nullopt));
    EXPECT_TRUE(bmc.requests.empty());
}

TEST_F(SsifTargetTest, EmptyMiddleEndsWhenCommand8IsRefused)
{
    make({.address = kAddr, .capabilities = {}, .acceptsEndCommand = false, .acceptsEmptyMiddle = true});
    ASSERT_TRUE(target->blockWrite(kMultiWriteStart, iota(32, 0x18), std::nullopt));
    EXPECT_FALSE(target->blockWrite(kMultiWriteEnd, Bytes{0x00}, std::nullopt));
    ASSERT_TRUE(target->blockWrite(kMultiWriteMiddle, Bytes{}, std::nullopt));
    ASSERT_EQ(bmc.requests.size(), 1U);
    EXPECT_EQ(bmc.requests[0], iota(32, 0x18));
}

TEST_F(SsifTargetTest, ShortMiddleEndsWhenNeitherMarkerWorks)
{
    make({.address = kAddr, .capabilities = {}, .acceptsEndCommand = false, .acceptsEmptyMiddle = false});
    ASSERT_TRUE(target->blockWrite(kMultiWriteStart, iota(32, 0x18), std::nullopt));
    EXPECT_FALSE(target->blockWrite(kMultiWriteMiddle, Bytes{}, std::nullopt));
    EXPECT_TRUE(bmc.requests.empty());
    ASSERT_TRUE(target->blockWrite(kMultiWriteStart, iota(32, 0x18), std::nullopt));
    ASSERT_TRUE(target->blockWrite(kMultiWriteMiddle, Bytes{0xAA, 0xBB}, std::nullopt));
    ASSERT_EQ(bmc.requests.size(), 1U);
    EXPECT_EQ(bmc.requests[0].size(), 34U);
    EXPECT_EQ(bmc.requests[0][33], 0xBB);
}

TEST_F(SsifTargetTest, CapabilitiesLimitTransactions)
{
    TargetConfig single;
    single.capabilities.transactions = SsifCapabilities::Transactions::SinglePart;
    make(single);
    EXPECT_FALSE(target->blockWrite(kMultiWriteStart, iota(32, 0x18), std::nullopt));
    bmc.answer = [](std::span<const std::uint8_t> req) { return FakeResponder::reply(req, iota(60, 0)); };
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    auto block = target->blockRead(kRead);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->data.size(), 32U) << "a single-part BMC cannot send more than one block";
    EXPECT_NE(block->data[0], 0x00);

    TargetConfig twoPart;
    twoPart.capabilities.transactions = SsifCapabilities::Transactions::MultiPartStartEnd;
    make(twoPart);
    ASSERT_TRUE(target->blockWrite(kMultiWriteStart, iota(32, 0x18), std::nullopt));
    EXPECT_FALSE(target->blockWrite(kMultiWriteMiddle, iota(32, 0), std::nullopt)) << "no middles in 2-part mode";

    TargetConfig small;
    small.capabilities.maxInputSize = 40;
    make(small);
    bmc.requests.clear();
    ASSERT_TRUE(target->blockWrite(kMultiWriteStart, iota(32, 0x18), std::nullopt));
    EXPECT_FALSE(target->blockWrite(kMultiWriteEnd, iota(9, 0), std::nullopt)) << "41 bytes > 40";
    EXPECT_TRUE(bmc.requests.empty());
}

TEST_F(SsifTargetTest, WrongWritePecIsNakedAndDiscarded)
{
    EXPECT_FALSE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::uint8_t{0x67}));
    EXPECT_TRUE(bmc.requests.empty());

    TargetConfig noPec;
    noPec.capabilities.pec = false;
    make(noPec);
    EXPECT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::uint8_t{0x67}))
        << "a target without PEC ignores the extra byte";
    auto block = target->blockRead(kRead);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->pec, 0xFF) << "nobody drives a PEC byte: the bus reads high";
}

TEST_F(SsifTargetTest, CorruptedByteBreaksReadPec)
{
    bmc.answer = [](std::span<const std::uint8_t>) { return kDeviceIdResponse; };
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    bmc.corruptNext = true; // hits the PEC byte, computed first
    auto block = target->blockRead(kRead);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->data, kDeviceIdResponse);
    EXPECT_EQ(block->pec, 0x4F ^ 0xFF);
}

TEST_F(SsifTargetTest, InjectedNaksDoNotChangeState)
{
    bmc.answer = [](std::span<const std::uint8_t>) { return kDeviceIdResponse; };
    target->injectNaks(2);
    EXPECT_FALSE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    EXPECT_TRUE(bmc.requests.empty());
    ASSERT_FALSE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    target->injectNaks(1);
    EXPECT_FALSE(target->blockRead(kRead));
    auto block = target->blockRead(kRead);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->data, kDeviceIdResponse);
}

TEST_F(SsifTargetTest, BusyBmcNaksEverythingUntilReleased)
{
    bmc.answer = [](std::span<const std::uint8_t>) { return kDeviceIdResponse; };
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    target->setBusy(true);
    EXPECT_FALSE(target->blockRead(kRead));
    EXPECT_FALSE(target->blockRead(kRead));
    EXPECT_FALSE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x04}, std::nullopt));
    EXPECT_EQ(bmc.requests.size(), 1U);
    target->setBusy(false);
    auto block = target->blockRead(kRead);
    ASSERT_TRUE(block) << "the response waited through the busy spell";
    EXPECT_EQ(block->data, kDeviceIdResponse);
}

TEST_F(SsifTargetTest, ResetMidTransferForgetsTheRequest)
{
    EXPECT_FALSE(target->resetMidTransfer()) << "idle: nothing to cut";
    bmc.hold = true;
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    EXPECT_TRUE(target->resetMidTransfer()) << "the BMC is working on it";
    bmc.release(FakeResponder::reply(Bytes{0x18, 0x01}, {0x42}));
    EXPECT_FALSE(target->blockRead(kRead)) << "the old BMC's answer is not served";

    bmc.hold = false;
    bmc.answer = [](std::span<const std::uint8_t>) { return kDeviceIdResponse; };
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    EXPECT_TRUE(target->resetMidTransfer()) << "an unread response";
    EXPECT_FALSE(target->blockRead(kRead));
    ASSERT_TRUE(target->blockWrite(kMultiWriteStart, iota(32, 0), std::nullopt));
    EXPECT_TRUE(target->resetMidTransfer()) << "a multi-part write half done";
    EXPECT_FALSE(target->blockWrite(kMultiWriteEnd, Bytes{0x01}, std::nullopt));

    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    ASSERT_TRUE(target->blockRead(kRead));
    EXPECT_FALSE(target->resetMidTransfer()) << "read to its end: nothing in progress";
    EXPECT_TRUE(target->blockRead(kRead)) << "and the response can still be read again";
}

TEST_F(SsifTargetTest, AlertFollowsEnablesResponsesAndAttention)
{
    unsigned changes = 0;
    target->setAlertListener([&] { ++changes; });
    bmc.hold = true;
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x01}, std::nullopt));
    bmc.release(FakeResponder::reply(Bytes{0x18, 0x01}, {}));
    EXPECT_FALSE(target->alert()) << "alerts are off until the host enables them";
    bmc.setAttention(true);
    EXPECT_FALSE(target->alert());
    bmc.setAttention(false);

    // Set BMC Global Enables with the receive-message-interrupt bit.
    ASSERT_TRUE(target->blockWrite(kSingleWrite, Bytes{0x18, 0x2E, 0x0D}, std::nullopt));
    bmc.release(FakeResponder::reply(Bytes{0x18, 0x2E}, {}));
    EXPECT_TRUE(target->alert()) << "an unread response asserts the alert";
    EXPECT_EQ(changes, 1U);
    ASSERT_TRUE(target->blockRead(kRead));
    EXPECT_FALSE(target->alert());
    EXPECT_EQ(changes, 2U);

    bmc.setAttention(true);
    EXPECT_TRUE(target->alert());
    bmc.setAttention(false);
    EXPECT_FALSE(target->alert());
    EXPECT_EQ(changes, 4U);
}

} // namespace
} // namespace ipmi::sim::smbus
