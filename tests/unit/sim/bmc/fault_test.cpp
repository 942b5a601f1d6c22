// Fault injection, each kind observed from the request/response side.
#include "bmc_fixture.hpp"

namespace ipmi::sim::testing {
namespace {

class FaultTest : public BmcTest
{
  protected:
    FaultTest() = default;
    explicit FaultTest(BmcConfig c) : BmcTest(std::move(c)) {}

    // Sends Get Device ID; the responses arrive in `responses_`.
    void send(Bytes request = {0x18, 0x01})
    {
        bmc_.handleRequest(request, [this](Bytes r) { responses_.push_back(std::move(r)); });
    }
    std::vector<Bytes> responses_;
};

TEST_F(FaultTest, DelayedResponseArrivesFromAdvance)
{
    bmc_.faults().setResponseDelay(200ms);
    send();
    EXPECT_TRUE(responses_.empty());
    ASSERT_TRUE(bmc_.nextDeadline());
    EXPECT_EQ(*bmc_.nextDeadline(), t0 + 200ms);
    advanceBy(199ms);
    EXPECT_TRUE(responses_.empty());
    advanceBy(1ms);
    ASSERT_EQ(responses_.size(), 1U);
    EXPECT_EQ(responses_[0][2], 0x00);
    EXPECT_EQ(responses_[0][3], 0x20);
    EXPECT_EQ(bmc_.faults().counters().delayed, 1U);
    bmc_.faults().setResponseDelay(0ms);
    send();
    EXPECT_EQ(responses_.size(), 2U);
}

// A slow BMC: a time per command plus a time per byte moved, the request's
// two and Get Device ID's eighteen (netfn, cmd, completion code, 15 data).
TEST_F(FaultTest, PerCommandAndPerByteLatencyHoldTheResponseBack)
{
    bmc_.faults().setResponseDelay(300us);
    bmc_.faults().setByteDelay(10us);
    send();
    EXPECT_TRUE(responses_.empty());
    const auto hold = 300us + 10us * (2 + 18);
    ASSERT_TRUE(bmc_.nextDeadline());
    EXPECT_EQ(*bmc_.nextDeadline(), t0 + hold);
    advanceBy(hold - 1us);
    EXPECT_TRUE(responses_.empty());
    advanceBy(1us);
    ASSERT_EQ(responses_.size(), 1U);
    EXPECT_EQ(responses_[0].size(), 18U);
    // Per byte alone delays too; clear() ends both.
    bmc_.faults().setResponseDelay(0us);
    send();
    EXPECT_EQ(responses_.size(), 1U);
    advanceBy(10us * 20);
    EXPECT_EQ(responses_.size(), 2U);
    EXPECT_EQ(bmc_.faults().counters().delayed, 2U);
    bmc_.faults().clear();
    send();
    EXPECT_EQ(responses_.size(), 3U);
}

TEST_F(FaultTest, DroppedResponsesStillExecute)
{
    bmc_.faults().dropNextResponses(1);
    send({0x18, 0x2E, 0x0C}); // Set Global Enables
    advanceBy(60s);
    EXPECT_TRUE(responses_.empty());
    EXPECT_EQ(call(0x06, 0x2F), (Bytes{0x00, 0x0C}));
    bmc_.faults().dropEveryNth(2);
    for (int i = 0; i < 4; ++i) {
        send();
    }
    EXPECT_EQ(responses_.size(), 2U);
    EXPECT_EQ(bmc_.faults().counters().dropped, 3U);
    bmc_.faults().clear();
    send();
    EXPECT_EQ(responses_.size(), 3U);
}

TEST_F(FaultTest, ForcedCompletionCodes)
{
    bmc_.faults().addCompletionCode({.netfn = 0x06, .cmd = 0x01, .completionCode = 0xC0, .count = 2});
    send();
    send();
    send();
    ASSERT_EQ(responses_.size(), 3U);
    EXPECT_EQ(responses_[0], (Bytes{0x1C, 0x01, 0xC0}));
    EXPECT_EQ(responses_[1], (Bytes{0x1C, 0x01, 0xC0}));
    EXPECT_EQ(responses_[2][2], 0x00);
    // Any command of a netfn, until cleared; a forced code does not execute.
    bmc_.faults().addCompletionCode({.netfn = 0x00, .cmd = std::nullopt, .completionCode = 0xFF, .count = 0});
    EXPECT_EQ(call(0x00, 0x02, {0x00}), (Bytes{0xFF}));
    EXPECT_TRUE(bmc_.chassisPowerOn());
    EXPECT_EQ(call(0x00, 0x01), (Bytes{0xFF}));
    EXPECT_EQ(call(0x06, 0x04), (Bytes{0x00, 0x55, 0x00}));
    bmc_.faults().clearCompletionCodes();
    EXPECT_EQ(call(0x00, 0x01)[0], 0x00);
}

TEST_F(FaultTest, SilentBmcAnswersNothingThenRecovers)
{
    bmc_.faults().silenceFor(3s);
    EXPECT_TRUE(bmc_.faults().silent());
    send({0x18, 0x2E, 0x0C});
    advanceBy(2999ms);
    send();
    EXPECT_TRUE(responses_.empty());
    advanceBy(1ms);
    EXPECT_FALSE(bmc_.faults().silent());
    send();
    ASSERT_EQ(responses_.size(), 1U);
    EXPECT_EQ(responses_[0][1], 0x01);
    EXPECT_EQ(call(0x06, 0x2F), (Bytes{0x00, 0x08})); // the silent Set never ran
    EXPECT_EQ(bmc_.faults().counters().unanswered, 2U);
}

TEST_F(FaultTest, CorruptedInterfaceBytes)
{
    bmc_.faults().corruptBytes(3, 0xFF, 2);
    Bytes out;
    for (std::uint8_t b = 1; b <= 9; ++b) {
        out.push_back(bmc_.interfaceByte(b));
    }
    EXPECT_EQ(out, (Bytes{1, 2, 0xFC, 4, 5, 0xF9, 7, 8, 9}));
    EXPECT_EQ(bmc_.faults().counters().corruptedBytes, 2U);
    bmc_.faults().corruptBytes(1, 0x01);
    EXPECT_EQ(bmc_.interfaceByte(0x10), 0x11);
    EXPECT_EQ(bmc_.interfaceByte(0x10), 0x11);
    bmc_.faults().clear();
    EXPECT_EQ(bmc_.interfaceByte(0x10), 0x10);
}

// Wrong lengths: the next responses cut short or padded with zeros, forced
// completion codes included; a cut never goes below nothing. The per-byte
// delay counts the bytes that go out.
TEST_F(FaultTest, WrongLengthCutsOrPadsTheNextResponses)
{
    bmc_.faults().wrongLength(-16, 2);
    send();
    EXPECT_EQ(responses_.back(), (Bytes{0x1C, 0x01}));
    bmc_.faults().addCompletionCode({.netfn = 0x06, .cmd = 0x01, .completionCode = 0xC0, .count = 1});
    send();
    EXPECT_TRUE(responses_.back().empty()) << "the 3-byte answer loses all it has";
    send();
    EXPECT_EQ(responses_.back().size(), 18U) << "the count of two is used up";
    EXPECT_EQ(bmc_.faults().counters().wrongLengths, 2U);

    bmc_.faults().wrongLength(3);
    bmc_.faults().setByteDelay(10us);
    send();
    EXPECT_EQ(responses_.size(), 3U);
    advanceBy(10us * (2 + 21));
    ASSERT_EQ(responses_.size(), 4U);
    EXPECT_EQ(responses_.back().size(), 21U);
    EXPECT_EQ((Bytes(responses_.back().end() - 4, responses_.back().end())), (Bytes{0x00, 0x00, 0x00, 0x00}));
    EXPECT_EQ(responses_.back()[2], 0x00);
    bmc_.faults().clear();
    send();
    EXPECT_EQ(responses_.back().size(), 18U);
}

class ConfiguredFaultTest : public FaultTest
{
  protected:
    static BmcConfig faulty()
    {
        BmcConfig c = quietDefaults();
        c.faults.silentFor = std::chrono::milliseconds{500};
        c.faults.completionCodes = {{.netfn = 0x0A, .cmd = 0x40, .completionCode = 0xC3, .count = 1}};
        c.faults.corruptEveryNthByte = 2;
        c.faults.corruptXor = 0x80;
        c.faults.lengthDelta = 2;
        c.faults.lengthCount = 1;
        return c;
    }
    ConfiguredFaultTest() : FaultTest(faulty()) {}
};

TEST_F(ConfiguredFaultTest, FaultsFromTheConfigurationApplyAtStart)
{
    send();
    EXPECT_TRUE(responses_.empty());
    advanceBy(500ms);
    EXPECT_EQ(call(0x0A, 0x40), (Bytes{0xC3, 0x00, 0x00})); // the one padded answer
    EXPECT_EQ(call(0x0A, 0x40)[0], 0x00);
    EXPECT_EQ(bmc_.interfaceByte(0x01), 0x01);
    EXPECT_EQ(bmc_.interfaceByte(0x01), 0x81);
}

} // namespace
} // namespace ipmi::sim::testing
