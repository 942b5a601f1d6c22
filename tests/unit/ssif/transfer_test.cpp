// Transfer and the pure protocol helpers: how requests are cut into SMBus
// writes, how multi-part reads are checked (a scripted bus serves malformed
// parts), and the kernel's sanitising of Get System Interface Capabilities.
#include "core/testing/fake_event_loop.hpp"
#include "ssif/capabilities.hpp"
#include "ssif/transfer.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <deque>

namespace ipmi::ssif {
namespace {

using namespace std::chrono_literals;

Bytes filled(std::size_t n, std::uint8_t value)
{
    return Bytes(n, value);
}

TEST(SplitRequest, SinglePartUpTo32Bytes)
{
    const Bytes request = filled(32, 7);
    EXPECT_EQ(splitRequest(request, true), (std::vector<WritePart>{{0x02, request}}));
}

TEST(SplitRequest, Command8EndsWithTheRemainder)
{
    const Bytes request = filled(70, 1);
    const auto parts = splitRequest(request, true);
    ASSERT_EQ(parts.size(), 3U);
    EXPECT_EQ(parts[0], (WritePart{0x06, filled(32, 1)}));
    EXPECT_EQ(parts[1], (WritePart{0x07, filled(32, 1)}));
    EXPECT_EQ(parts[2], (WritePart{0x08, filled(6, 1)}));

    const auto exact = splitRequest(filled(64, 2), true);
    ASSERT_EQ(exact.size(), 2U);
    EXPECT_EQ(exact[1], (WritePart{0x08, filled(32, 2)}));
}

TEST(SplitRequest, WithoutCommand8AShortMiddleEnds)
{
    const auto parts = splitRequest(filled(40, 3), false);
    ASSERT_EQ(parts.size(), 2U);
    EXPECT_EQ(parts[1], (WritePart{0x07, filled(8, 3)}));

    const auto exact = splitRequest(filled(64, 4), false);
    ASSERT_EQ(exact.size(), 3U);
    EXPECT_EQ(exact[1], (WritePart{0x07, filled(32, 4)}));
    EXPECT_EQ(exact[2], (WritePart{0x07, Bytes{}})) << "a multiple of 32 ends with an empty middle";
}

TEST(SplitRequest, IntoPartsReusesThem)
{
    std::vector<WritePart> parts;
    splitRequest(filled(70, 1), true, parts);
    EXPECT_EQ(parts, splitRequest(filled(70, 1), true));
    const auto* firstBuffer = parts[0].data.data();

    splitRequest(filled(5, 9), true, parts);
    EXPECT_EQ(parts, (std::vector<WritePart>{{0x02, filled(5, 9)}})) << "the parts the long request left are dropped";
    EXPECT_EQ(parts[0].data.data(), firstBuffer) << "the first part's buffer is written over, not replaced";

    splitRequest(filled(64, 4), false, parts);
    EXPECT_EQ(parts, splitRequest(filled(64, 4), false));
}

// A bus whose reads are scripted block by block (empty optional = NAK).
class ScriptedSmbus : public Smbus
{
  public:
    explicit ScriptedSmbus(std::deque<std::pair<std::uint8_t, std::optional<Bytes>>>& script) : script_(script) {}
    int writeBlock(std::uint8_t, std::span<const std::uint8_t>) override { return 0; }
    int readBlock(std::uint8_t command, Bytes& out) override
    {
        if (script_.empty()) {
            return EAGAIN;
        }
        auto [expected, block] = script_.front();
        script_.pop_front();
        EXPECT_EQ(command, expected);
        if (!block) {
            return ENXIO;
        }
        out = *block;
        return 0;
    }
    int setPec(bool) override { return 0; }
    bool blocking() const override { return false; }
    std::string describe() const override { return "scripted"; }

  private:
    std::deque<std::pair<std::uint8_t, std::optional<Bytes>>>& script_;
};

class TransferTest : public ::testing::Test
{
  protected:
    TransferResult run()
    {
        std::optional<TransferResult> result;
        transfer.start({{0x02, {0x18, 0x01}}}, true, [&](TransferResult r) { result = std::move(r); });
        loop.advance(20s);
        EXPECT_TRUE(result);
        return result ? *result : TransferResult{};
    }
    static Bytes part(std::uint8_t block, std::size_t n, std::uint8_t value)
    {
        Bytes b{block};
        b.insert(b.end(), n, value);
        return b;
    }
    Bytes first(std::uint8_t value) const
    {
        Bytes b{0x00, 0x01};
        b.insert(b.end(), 30, value);
        return b;
    }

    core::testing::FakeEventLoop loop;
    std::deque<std::pair<std::uint8_t, std::optional<Bytes>>> script;
    SmbusRunner runner{loop, std::make_unique<ScriptedSmbus>(script)};
    Transfer transfer{loop, runner};
};

TEST_F(TransferTest, AssemblesNumberedParts)
{
    script = {{0x03, first(1)}, {0x09, part(0, 31, 2)}, {0x09, part(1, 31, 3)}, {0x09, part(0xFF, 5, 4)}};
    const auto result = run();
    ASSERT_EQ(result.error, 0);
    ASSERT_EQ(result.response.size(), 30U + 31 + 31 + 5);
    EXPECT_EQ(result.response[29], 1);
    EXPECT_EQ(result.response[30], 2);
    EXPECT_EQ(result.response[61], 3);
    EXPECT_EQ(result.response[96], 4);
}

TEST_F(TransferTest, OutOfSequenceBlockFailsWithoutRetry)
{
    script = {{0x03, first(1)}, {0x09, part(1, 31, 2)}, {0x03, first(1)}};
    const auto result = run();
    EXPECT_EQ(result.error, EIO);
    ASSERT_TRUE(result.problem.has_value());
    EXPECT_NE(result.problem->find("out of sequence"), std::string::npos) << *result.problem;
    EXPECT_EQ(script.size(), 1U) << "a malformed response is not read again";
}

TEST_F(TransferTest, ShortMiddleBlockFails)
{
    script = {{0x03, first(1)}, {0x09, part(0, 30, 2)}};
    const auto result = run();
    EXPECT_EQ(result.error, EIO);
}

TEST_F(TransferTest, EmptyMiddleBlockFails)
{
    script = {{0x03, first(1)}, {0x09, Bytes{}}};
    EXPECT_EQ(run().error, EIO);
}

TEST_F(TransferTest, ResponseOver272BytesFails)
{
    script = {{0x03, first(1)}};
    for (std::uint8_t block = 0; block < 7; ++block) {
        script.push_back({0x09, part(block, 31, 5)}); // 30 + 7*31 = 247
    }
    script.push_back({0x09, part(0xFF, 26, 6)}); // 273
    const auto result = run();
    EXPECT_EQ(result.error, E2BIG);
}

TEST_F(TransferTest, ExactlyTheLimitIsAccepted)
{
    script = {{0x03, first(1)}};
    for (std::uint8_t block = 0; block < 7; ++block) {
        script.push_back({0x09, part(block, 31, 5)});
    }
    script.push_back({0x09, part(0xFF, 25, 6)});
    const auto result = run();
    EXPECT_EQ(result.error, 0);
    EXPECT_EQ(result.response.size(), 272U);
}

TEST_F(TransferTest, FailedPartRestartsAtTheFirstRead)
{
    script = {{0x03, first(1)}, {0x09, std::nullopt}, {0x03, first(1)}, {0x09, part(0xFF, 3, 9)}};
    const auto result = run();
    ASSERT_EQ(result.error, 0);
    EXPECT_EQ(result.response.size(), 33U);
    EXPECT_EQ(transfer.counters().readRetries, 1U);
}

TEST_F(TransferTest, NakedReadsBackOffAndGiveUpAfter15Seconds)
{
    std::optional<TransferResult> result;
    transfer.start({{0x02, {0x18, 0x01}}}, true, [&](TransferResult r) { result = std::move(r); });
    loop.advance(14900ms);
    EXPECT_FALSE(result);
    loop.advance(200ms);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->error, EAGAIN);
    EXPECT_LT(transfer.counters().readRetries, 800U);
    EXPECT_GT(transfer.counters().readRetries, 700U);
}

// A BMC whose answer is ready a set time after the request was written
// (by the fake clock); reads before that are refused, as QEMU's smbus-ipmi
// and real BMCs NAK them.
class TimedSmbus : public Smbus
{
  public:
    explicit TimedSmbus(core::testing::FakeEventLoop& loop) : loop_(loop) {}
    core::Clock::duration answerAfter{};
    unsigned reads = 0;
    int writeBlock(std::uint8_t, std::span<const std::uint8_t>) override
    {
        readyAt_ = loop_.now() + answerAfter;
        return 0;
    }
    int readBlock(std::uint8_t command, Bytes& out) override
    {
        EXPECT_EQ(command, kCmdRead);
        ++reads;
        if (loop_.now() < readyAt_) {
            return ENXIO;
        }
        out = {0x1C, 0x01, 0x00, 0x20};
        return 0;
    }
    int setPec(bool) override { return 0; }
    bool blocking() const override { return false; }
    std::string describe() const override { return "timed"; }

  private:
    core::testing::FakeEventLoop& loop_;
    core::Clock::time_point readyAt_;
};

class AdaptiveReadTest : public ::testing::Test
{
  protected:
    // One Get Device ID against a BMC answering after `after`; returns its
    // result once it arrived.
    TransferResult transact(core::Clock::duration after)
    {
        timed->answerAfter = after;
        std::optional<TransferResult> result;
        transfer.start({{0x02, {0x18, 0x01}}}, true, [&](TransferResult r) { result = std::move(r); });
        while (!result && loop.runNextTimer()) {
        }
        loop.runPosted();
        EXPECT_TRUE(result);
        return result ? *result : TransferResult{};
    }

    core::testing::FakeEventLoop loop;
    TimedSmbus* timed = nullptr;
    SmbusRunner runner{loop, [this] {
                           auto bus = std::make_unique<TimedSmbus>(loop);
                           timed = bus.get();
                           return bus;
                       }()};
    Transfer transfer{loop, runner};
};

TEST_F(AdaptiveReadTest, ABmcThatAnswersAtOnceIsReadAtOnce)
{
    for (int i = 0; i < 3; ++i) {
        const auto start = loop.now();
        const auto result = transact(0us);
        ASSERT_EQ(result.error, 0);
        EXPECT_EQ(loop.now(), start) << "no timer between the write and the read";
        EXPECT_EQ(result.trace.writes, 1U);
        EXPECT_EQ(result.trace.reads, 1U);
        EXPECT_EQ(result.trace.naks, 0U);
        EXPECT_EQ(result.trace.firstReadDelay, 0us);
    }
    EXPECT_EQ(transfer.firstReadDelay(), 0us);
}

TEST_F(AdaptiveReadTest, TheFirstReadRidesWithTheLastWrite)
{
    // Nothing learned yet: the simulated bus runs a job inside the call
    // that queued it, so one job carrying write and read shows as a read
    // done before any posted completion ran.
    timed->answerAfter = 0us;
    std::optional<TransferResult> result;
    transfer.start({{0x02, {0x18, 0x01}}}, true, [&](TransferResult r) { result = std::move(r); });
    EXPECT_EQ(timed->reads, 1U);
    EXPECT_FALSE(result) << "the completion still comes through the loop";
    loop.runPosted();
    ASSERT_TRUE(result);
    EXPECT_EQ(result->error, 0);
    EXPECT_EQ(result->response, (Bytes{0x1C, 0x01, 0x00, 0x20}));

    // With a learned delay the write goes alone and the read waits.
    ASSERT_EQ(transact(64ms).error, 0);
    ASSERT_GT(transfer.firstReadDelay(), 0us);
    const unsigned before = timed->reads;
    result.reset();
    timed->answerAfter = 0us;
    transfer.start({{0x02, {0x18, 0x01}}}, true, [&](TransferResult r) { result = std::move(r); });
    loop.runPosted();
    EXPECT_EQ(timed->reads, before);
    EXPECT_FALSE(result);
    loop.advance(transfer.firstReadDelay());
    ASSERT_TRUE(result);
    EXPECT_EQ(timed->reads, before + 1);
}

TEST_F(AdaptiveReadTest, ARefusedCombinedReadIsPolledAsUsual)
{
    const auto result = transact(120us);
    ASSERT_EQ(result.error, 0);
    // Read with the write at 0 (refused), then after 50 and 100 us gaps.
    EXPECT_EQ(result.trace.reads, 3U);
    EXPECT_EQ(result.trace.naks, 2U);
    EXPECT_EQ(result.trace.reading, 150us);
    EXPECT_EQ(transfer.firstReadDelay(), 50us) << "the last refusal was at 50 us";
}

TEST_F(AdaptiveReadTest, OneSlowCommandDoesNotSlowDownTheNext)
{
    const auto slow = transact(64ms); // e.g. a Set Watchdog Timer
    ASSERT_EQ(slow.error, 0);
    EXPECT_GT(slow.trace.naks, 5U);
    EXPECT_GE(slow.trace.reading, 64ms);
    // One doubling from zero, not a share of the 64 ms.
    EXPECT_EQ(transfer.firstReadDelay(), 50us);

    const auto start = loop.now();
    const auto fast = transact(0us);
    ASSERT_EQ(fast.error, 0);
    EXPECT_EQ(fast.trace.firstReadDelay, 50us);
    EXPECT_EQ(loop.now() - start, 50us);
    EXPECT_EQ(fast.trace.reads, 1U);
    // The answered first read halves the delay, below the poll floor: zero.
    EXPECT_EQ(transfer.firstReadDelay(), 0us);
    EXPECT_EQ(transact(0us).trace.firstReadDelay, 0us);
}

TEST_F(AdaptiveReadTest, AConsistentlySlowBmcIsWaitedForInsteadOfPolled)
{
    for (int i = 0; i < 12; ++i) {
        ASSERT_EQ(transact(5ms).error, 0);
    }
    // Learned from the refused reads: just under the BMC's 5 ms, so the
    // first read lands close to the answer and few reads are refused.
    EXPECT_GE(transfer.firstReadDelay(), 2500us);
    EXPECT_LT(transfer.firstReadDelay(), 5ms);
    const auto settled = transact(5ms);
    ASSERT_EQ(settled.error, 0);
    EXPECT_LE(settled.trace.naks, 2U);
    EXPECT_LT(settled.trace.reading, 6ms);
}

TEST_F(AdaptiveReadTest, TheTraceSaysWhereTheTimeWent)
{
    const auto result = transact(1ms);
    ASSERT_EQ(result.error, 0);
    EXPECT_EQ(result.trace.writing, 0us); // the simulated bus takes no clock time
    EXPECT_EQ(result.trace.firstReadDelay, 0us);
    // Reads at 0, then after 50, 100, 200, 400, 800 us gaps: 0, 50, 150,
    // 350, 750 are refused, 1550 is answered.
    EXPECT_EQ(result.trace.naks, 5U);
    EXPECT_EQ(result.trace.reads, 6U);
    EXPECT_EQ(result.trace.reading, 1550us);
    EXPECT_EQ(transfer.counters().readRetries, 5U);
}

TEST(Capabilities, KernelSanitising)
{
    auto caps = [](std::uint8_t flags, std::uint8_t in, std::uint8_t out) {
        const Bytes r{0x1C, 0x57, 0x00, 0x00, flags, in, out};
        return sanitiseCapabilities(std::span<const std::uint8_t>(r));
    };
    const auto single = caps(0x08, 200, 200);
    EXPECT_TRUE(single.valid);
    EXPECT_TRUE(single.pec);
    EXPECT_EQ(single.transactions, 0);
    EXPECT_EQ(single.maxRequest, 32U);
    EXPECT_EQ(single.maxResponse, 32U);
    const auto small = caps(0x00, 20, 25);
    EXPECT_EQ(small.maxRequest, 20U) << "capped, not raised";
    EXPECT_EQ(small.maxResponse, 25U);
    const auto two = caps(0x40, 200, 200);
    EXPECT_EQ(two.maxRequest, 63U);
    EXPECT_EQ(two.maxResponse, 62U);
    EXPECT_FALSE(two.pec);
    const auto many = caps(0x80, 200, 150);
    EXPECT_EQ(many.maxRequest, 200U);
    EXPECT_EQ(many.maxResponse, 150U);
    const auto bogus = caps(0xC8, 200, 200);
    EXPECT_FALSE(bogus.valid);
    EXPECT_EQ(bogus.maxRequest, 32U);
    EXPECT_FALSE(bogus.pec);

    const Bytes shortReply{0x1C, 0x57, 0x00, 0x00, 0x88, 0xFF};
    EXPECT_FALSE(sanitiseCapabilities(std::span<const std::uint8_t>(shortReply)).valid);
    const Bytes error{0x1C, 0x57, 0xC1, 0x00, 0x88, 0xFF, 0xFF};
    EXPECT_FALSE(sanitiseCapabilities(std::span<const std::uint8_t>(error)).valid);
    EXPECT_FALSE(sanitiseCapabilities(std::nullopt).valid);
}

} // namespace
} // namespace ipmi::ssif
