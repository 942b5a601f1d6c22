// SmiPolicy against a scripted Transport under FakeEventLoop: start-up,
// flags, messages, events, pre-timeouts, polling, mismatches and shutdown.
#include "core/testing/captured_log.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/recording_host.hpp"
#include "si/smi_policy.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <utility>
#include <vector>

namespace ipmi::core {
namespace {

using Bytes = SmiBytes;
using si::SmiPolicy;
using si::Transport;
using si::TransportSink;

class ScriptedTransport : public Transport
{
  public:
    explicit ScriptedTransport(bool attention) : attention_(attention)
    {
        info_.type = "kcs";
        info_.description = "kcs i/o 0xca2";
    }
    const InterfaceInfo& info() const override { return info_; }
    void start(TransportSink& sink) override { sink_ = &sink; }
    void startTransaction(SmiBytes request) override
    {
        EXPECT_FALSE(busy) << "two transactions at once";
        busy = true;
        sent.push_back(std::move(request));
    }
    bool reportsAttention() const override { return attention_; }
    void shutdown() override { shutDown = true; }

    // Answers the transaction in flight.
    void answer(Bytes response)
    {
        ASSERT_TRUE(busy);
        busy = false;
        sink_->transactionDone(std::move(response), std::nullopt);
    }
    // The state machine gave up on the transaction in flight.
    void giveUp(const std::string& reason)
    {
        ASSERT_TRUE(busy);
        busy = false;
        Bytes request = sent.back();
        sink_->transactionDone({static_cast<std::uint8_t>(request[0] | 0x04), request[1], 0xFF}, reason);
    }
    void raiseAttention() { sink_->attention(); }

    std::vector<Bytes> sent;
    bool busy = false;
    bool shutDown = false;

  private:
    InterfaceInfo info_;
    bool attention_;
    TransportSink* sink_ = nullptr;
};

using testing::RecordingHost;

const Bytes kDeviceIdOk = {0x1C, 0x01, 0x00, 0x20, 0x01, 0x01, 0x00, 0x02, 0xBF, 0xD9, 0x7E, 0x00, 0x01, 0x00};

struct PolicyRig
{
    explicit PolicyRig(bool attention = true)
    {
        auto t = std::make_unique<ScriptedTransport>(attention);
        transport = t.get();
        policy = std::make_unique<SmiPolicy>(loop, std::move(t));
    }
    // Start-up on a BMC with the receive interrupt enabled and no event
    // buffer enabled yet.
    void startUp()
    {
        policy->start(host);
        transport->answer(kDeviceIdOk);
        transport->answer({0x1C, 0x2F, 0x00, 0x09});
        transport->answer({0x1C, 0x2E, 0x00});
        transport->answer({0x1C, 0x2F, 0x00, 0x08});
        transport->answer({0x1C, 0x2E, 0x00});
        transport->answer({0x1C, 0x30, 0x00});
        ASSERT_TRUE(policy->startupComplete());
        transport->sent.clear();
    }
    testing::FakeEventLoop loop;
    ScriptedTransport* transport = nullptr;
    std::unique_ptr<SmiPolicy> policy;
    RecordingHost host;
};

TEST(SmiPolicy, StartupSequenceIsTheKernels)
{
    PolicyRig rig;
    rig.policy->start(rig.host);
    rig.policy->send({0x18, 0x04}); // waits for start-up
    rig.transport->answer(kDeviceIdOk);
    rig.transport->answer({0x1C, 0x2F, 0x00, 0x09});
    rig.transport->answer({0x1C, 0x2E, 0x00});
    rig.transport->answer({0x1C, 0x2F, 0x00, 0x08});
    rig.transport->answer({0x1C, 0x2E, 0x00});
    EXPECT_TRUE(rig.host.responses.empty());
    rig.transport->answer({0x1C, 0x30, 0x00});
    const std::vector<Bytes> expected = {
        {0x18, 0x01},       // Get Device ID
        {0x18, 0x2F},       // Get Global Enables
        {0x18, 0x2E, 0x08}, // Set: receive-message interrupt off
        {0x18, 0x2F},       // Get Global Enables
        {0x18, 0x2E, 0x0C}, // Set: event message buffer on
        {0x18, 0x30, 0x08}, // Clear Message Flags: watchdog pre-timeout
        {0x18, 0x04},       // then the user's request
    };
    EXPECT_EQ(rig.transport->sent, expected);
    EXPECT_TRUE(rig.policy->hasEventBuffer());
    rig.transport->answer({0x1C, 0x04, 0x00, 0x55});
    ASSERT_EQ(rig.host.responses.size(), 1U);
    EXPECT_EQ(rig.host.responses[0], (Bytes{0x1C, 0x04, 0x00, 0x55}));
}

TEST(SmiPolicy, GetDeviceIdIsRetriedFiveTimes500msApart)
{
    PolicyRig rig;
    rig.policy->start(rig.host);
    for (int i = 0; i < 5; ++i) {
        rig.transport->answer({0x1C, 0x01, 0xD2});
        EXPECT_FALSE(rig.transport->busy);
        rig.loop.advance(std::chrono::milliseconds(499));
        EXPECT_FALSE(rig.transport->busy);
        rig.loop.advance(std::chrono::milliseconds(1));
        ASSERT_TRUE(rig.transport->busy);
        EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x01}));
    }
    rig.transport->answer({0x1C, 0x01, 0xD2}); // sixth failure: carry on without
    EXPECT_FALSE(rig.policy->deviceIdOk());
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x2F}));
}

TEST(SmiPolicy, AttentionFetchesMessagesUntilTheQueueIsEmpty)
{
    PolicyRig rig;
    rig.startUp();
    rig.policy->send({0x18, 0x04});
    rig.transport->raiseAttention(); // while the user's request is in flight
    rig.transport->answer({0x1C, 0x04, 0x00});
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x31}));
    rig.transport->answer({0x1C, 0x31, 0x00, 0x01});
    rig.transport->answer({0x1C, 0x33, 0x00, 0x01, 0xAA});
    rig.transport->answer({0x1C, 0x33, 0x00, 0x01, 0xBB});
    rig.transport->answer({0x1C, 0x33, 0x80});
    EXPECT_FALSE(rig.transport->busy);
    const std::vector<Bytes> expected = {{0x1C, 0x33, 0x00, 0x01, 0xAA}, {0x1C, 0x33, 0x00, 0x01, 0xBB}};
    EXPECT_EQ(rig.host.received, expected);
}

TEST(SmiPolicy, AtMostTenMessagesInARowThenUsersGetATurn)
{
    PolicyRig rig;
    rig.startUp();
    rig.transport->raiseAttention();
    rig.transport->answer({0x1C, 0x31, 0x00, 0x01});
    rig.policy->send({0x18, 0x04});
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x33}));
        rig.transport->answer({0x1C, 0x33, 0x00, static_cast<std::uint8_t>(i)});
    }
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x04}));
    rig.transport->answer({0x1C, 0x04, 0x00});
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x31})); // then look again
    EXPECT_EQ(rig.host.received.size(), 10U);
}

TEST(SmiPolicy, WatchdogPretimeoutClearsTheFlagAndTellsTheHost)
{
    PolicyRig rig;
    rig.startUp();
    rig.transport->raiseAttention();
    rig.transport->answer({0x1C, 0x31, 0x00, 0x0A}); // pre-timeout and event buffer full
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x30, 0x08}));
    EXPECT_EQ(rig.host.pretimeouts, 1U);
    rig.transport->answer({0x1C, 0x30, 0x00});
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x35}));
    Bytes event = {0x1C, 0x35, 0x00};
    event.resize(19, 0x42);
    rig.transport->answer(event);
    rig.transport->answer({0x1C, 0x35, 0x80});
    EXPECT_EQ(rig.host.received, std::vector<Bytes>{event});
    EXPECT_FALSE(rig.transport->busy);
}

TEST(SmiPolicy, RequestEventsCorrectsEnablesThenReadsTheBuffer)
{
    PolicyRig rig;
    rig.startUp();
    rig.policy->requestEvents();
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x2F}));
    rig.transport->answer({0x1C, 0x2F, 0x00, 0x09}); // a BMC reset turned bit 0 on, bit 2 off
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x2E, 0x0C}));
    rig.transport->answer({0x1C, 0x2E, 0x00});
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x35}));
    rig.transport->answer({0x1C, 0x35, 0x80});
    EXPECT_FALSE(rig.transport->busy);
}

TEST(SmiPolicy, RequestEventsWithoutAnEventBufferDoesNothing)
{
    PolicyRig rig;
    rig.policy->start(rig.host);
    rig.transport->answer(kDeviceIdOk);
    rig.transport->answer({0x1C, 0x2F, 0x00, 0x00});
    rig.transport->answer({0x1C, 0x2E, 0xCC}); // the BMC refuses the event buffer
    rig.transport->answer({0x1C, 0x30, 0x00});
    ASSERT_FALSE(rig.policy->hasEventBuffer());
    rig.policy->requestEvents();
    EXPECT_FALSE(rig.transport->busy);
}

TEST(SmiPolicy, MismatchedOrShortResponsesBecomeFF)
{
    PolicyRig rig;
    rig.startUp();
    rig.policy->send({0x18, 0x04});
    rig.transport->answer({0x1C, 0x05, 0x00});
    rig.policy->send({0x28, 0x10});
    rig.transport->answer({0x2C});
    const std::vector<Bytes> expected = {{0x1C, 0x04, 0xFF}, {0x2C, 0x10, 0xFF}};
    EXPECT_EQ(rig.host.responses, expected);
}

TEST(SmiPolicy, PollsFlagsWhileWatchedIfTheTransportCannotReportAttention)
{
    PolicyRig rig(false);
    rig.startUp();
    rig.loop.advance(std::chrono::seconds(1));
    EXPECT_FALSE(rig.transport->busy); // nobody watches: no polling
    rig.policy->setNeedWatch(kWatchCheckMessages);
    rig.loop.advance(std::chrono::milliseconds(100));
    ASSERT_TRUE(rig.transport->busy);
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x31}));
    rig.transport->answer({0x1C, 0x31, 0x00, 0x00});
    rig.policy->setNeedWatch(0);
    rig.loop.advance(std::chrono::seconds(1));
    EXPECT_FALSE(rig.transport->busy);
    EXPECT_EQ(rig.transport->sent.size(), 1U);
}

TEST(SmiPolicy, ShutdownAnswersEverythingPendingWithFF)
{
    PolicyRig rig;
    rig.startUp();
    rig.policy->send({0x18, 0x04});
    rig.policy->send({0x18, 0x05});
    rig.policy->shutdown();
    const std::vector<Bytes> expected = {{0x1C, 0x04, 0xFF}, {0x1C, 0x05, 0xFF}};
    EXPECT_EQ(rig.host.responses, expected);
    EXPECT_TRUE(rig.transport->shutDown);
}

TEST(SmiPolicy, DellPowerEdgeOemFlagsMeanMessages)
{
    PolicyRig rig;
    rig.policy->start(rig.host);
    rig.transport->answer({0x1C, 0x01, 0x00, 0x20, 0x80, 0x01, 0x00, 0x51, 0xBF, 0xA2, 0x02, 0x00, 0x00, 0x01});
    rig.transport->answer({0x1C, 0x2F, 0x00, 0x04});
    rig.transport->answer({0x1C, 0x2F, 0x00, 0x04}); // event buffer already on
    rig.transport->answer({0x1C, 0x30, 0x00});
    ASSERT_TRUE(rig.policy->startupComplete());
    rig.transport->sent.clear();
    rig.transport->raiseAttention();
    rig.transport->answer({0x1C, 0x31, 0x00, 0x20}); // OEM0
    EXPECT_EQ(rig.transport->sent.back(), (Bytes{0x18, 0x33}));
}

TEST(SmiPolicy, FailedFlagFetchHoldsTheNextOneBackAPollInterval)
{
    // An attention bit stuck on a BMC that cannot answer: the kernel
    // fetches flags again at once, for ever; here once per flag poll
    // interval, and users go in between.
    PolicyRig rig;
    rig.startUp();
    rig.transport->raiseAttention();
    ASSERT_EQ(rig.transport->sent.size(), 1U);
    EXPECT_EQ(rig.transport->sent[0], (Bytes{0x18, 0x31}));
    rig.transport->answer({0x1C, 0x31, 0xFF});
    rig.transport->raiseAttention();
    EXPECT_EQ(rig.transport->sent.size(), 1U);
    rig.policy->send({0x18, 0x01});
    ASSERT_EQ(rig.transport->sent.size(), 2U);
    rig.transport->answer(kDeviceIdOk);
    ASSERT_EQ(rig.host.responses.size(), 1U);
    rig.loop.advance(std::chrono::milliseconds(99));
    EXPECT_EQ(rig.transport->sent.size(), 2U);
    rig.loop.advance(std::chrono::milliseconds(1));
    ASSERT_EQ(rig.transport->sent.size(), 3U);
    EXPECT_EQ(rig.transport->sent[2], (Bytes{0x18, 0x31}));
}

std::uint64_t driverStat(const SmiPolicy& policy, DriverStat s)
{
    return policy.health().stats[static_cast<std::size_t>(s)];
}

TEST(SmiPolicy, AHosedEpisodeLogsOnceAtItsStartAndOnceWhenTheBmcAnswersAgain)
{
    testing::CapturedLog captured;

    PolicyRig rig;
    rig.startUp();
    EXPECT_EQ(rig.policy->health().state, LinkState::Up);
    EXPECT_TRUE(rig.policy->health().tracked);
    const auto transactionsBefore = driverStat(*rig.policy, DriverStat::Transactions);
    const auto start = rig.loop.now();
    // Five requests the KCS machine gives up on, a 0xC3 and an answer for
    // another command: one episode, one warning.
    for (int i = 0; i < 5; ++i) {
        rig.policy->send({0x18, 0x01});
        rig.loop.advance(std::chrono::seconds(5));
        rig.transport->giveUp("kcs: IBF not ready in time (status 0xc2), 10 recoveries failed");
    }
    rig.policy->send({0x18, 0x22});
    rig.transport->answer({0x1C, 0x22, 0xC3});
    rig.policy->send({0x18, 0x04});
    rig.transport->answer({0x1C, 0x05, 0x00});
    ASSERT_EQ(rig.host.responses.size(), 7U);
    EXPECT_EQ(rig.host.responses[0], (Bytes{0x1C, 0x01, 0xFF}));
    EXPECT_EQ(rig.host.responses[5], (Bytes{0x1C, 0x22, 0xC3}));
    EXPECT_EQ(rig.host.responses[6], (Bytes{0x1C, 0x04, 0xFF}));
    auto health = rig.policy->health();
    EXPECT_EQ(health.state, LinkState::Hosed);
    EXPECT_EQ(health.episodeStart, start + std::chrono::seconds(5));
    EXPECT_EQ(health.episodeFailures, 7U);
    EXPECT_EQ(health.lastError, "BMC returned an incorrect response (netfn/cmd 0x07/0x05 for 0x06/0x04)");
    EXPECT_EQ(captured.text(), "warning smi kcs i/o 0xca2: BMC fault: netfn 0x06 cmd 0x01: kcs: IBF not ready in "
                               "time (status 0xc2), 10 recoveries failed; answering the kernel's error codes until "
                               "it answers again\n");

    // The BMC answers again: recovering, then up once it has for 10 s.
    rig.policy->send({0x18, 0x01});
    rig.transport->answer(kDeviceIdOk);
    EXPECT_EQ(rig.policy->health().state, LinkState::Recovering);
    rig.loop.advance(std::chrono::seconds(10));
    health = rig.policy->health();
    EXPECT_EQ(health.state, LinkState::Up);
    const std::string text = captured.text();
    EXPECT_EQ(text.substr(text.find('\n') + 1), "info smi kcs i/o 0xca2: BMC answering again after a fault episode "
                                                "of 20000 ms (7 failed transactions)\n");

    EXPECT_EQ(driverStat(*rig.policy, DriverStat::Transactions) - transactionsBefore, 8U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::FailedTransactions), 7U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::HosedTransactions), 5U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::TimedOutTransactions), 1U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::BadResponses), 1U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::FaultEpisodes), 1U);
}

TEST(SmiPolicy, CountsAttentionsFlagFetchesMessagesEventsAndPretimeouts)
{
    PolicyRig rig;
    rig.startUp();
    rig.transport->raiseAttention();
    rig.transport->answer({0x1C, 0x31, 0x00, 0x0B}); // message, event buffer, pre-timeout
    rig.transport->answer({0x1C, 0x30, 0x00});       // Clear Message Flags
    rig.transport->answer({0x1C, 0x33, 0x00, 0x00, 0x18, 0x01});
    rig.transport->answer({0x1C, 0x33, 0x80});
    rig.transport->answer({0x1C, 0x35, 0x00, 0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x04, 0x01, 0x01,
                           0x01, 0x00, 0x00, 0x00});
    rig.transport->answer({0x1C, 0x35, 0x80});
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::Attentions), 1U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::FlagFetches), 1U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::WatchdogPretimeouts), 1U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::IncomingMessages), 1U);
    EXPECT_EQ(driverStat(*rig.policy, DriverStat::Events), 1U);
    EXPECT_EQ(rig.host.pretimeouts, 1U);
    EXPECT_EQ(rig.host.received.size(), 2U);
}

} // namespace
} // namespace ipmi::core
