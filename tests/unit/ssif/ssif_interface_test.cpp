// SsifInterface against the sim/smbus target and a small scripted BMC:
// probe, single and multi-part messages both ways, each end-marker variant,
// PEC, NAK-then-success, a BMC that never answers, flags/events/pretimeout.
#include "core/testing/captured_log.hpp"
#include "tests/unit/ssif/ssif_fixture.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>
#include <string>

namespace ipmi::ssif::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(SsifBench, ProbeSequenceAndGetDeviceId)
{
    build();
    ssif->start(host);
    settle();
    ASSERT_TRUE(ssif->probed());
    // Capabilities, the 0x08 end-marker test (start, middle, end = 65 bytes),
    // Clear Message Flags [watchdog], Get Global Enables, Set (event buffer),
    // Set (receive message interrupt -> alerts).
    ASSERT_EQ(bmc.requests.size(), 6U);
    EXPECT_EQ(bmc.requests[0], (Bytes{0x18, 0x57, 0x00}));
    EXPECT_EQ(bmc.requests[1].size(), 65U);
    EXPECT_EQ(bmc.requests[1][0], 0x18);
    EXPECT_EQ(bmc.requests[1][1], 0x01);
    EXPECT_EQ(bmc.requests[2], (Bytes{0x18, 0x30, 0x08}));
    EXPECT_EQ(bmc.requests[3], (Bytes{0x18, 0x2F}));
    EXPECT_EQ(bmc.requests[4], (Bytes{0x18, 0x2E, 0x04}));
    EXPECT_EQ(bmc.requests[5], (Bytes{0x18, 0x2E, 0x05}));
    EXPECT_TRUE(ssif->limits().cmd8Works);
    EXPECT_EQ(ssif->limits().maxRequest, 255U);
    EXPECT_TRUE(ssif->limits().pec);
    EXPECT_TRUE(smbus->pecEnabled());
    EXPECT_TRUE(ssif->hasEventBuffer());
    EXPECT_TRUE(ssif->alertsActive());
    EXPECT_TRUE(host.responses.empty());

    bmc.requests.clear();
    bmc.echoPayload = {0x20, 0x81, 0x01, 0x00, 0x02, 0xBF, 0xD9, 0x7E, 0x00, 0x01, 0x00, 0, 0, 0, 0};
    bmc.answer = [&](std::span<const std::uint8_t> r) { return FakeResponder::reply(r, bmc.echoPayload); };
    ssif->send({0x18, 0x01});
    settle();
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], (Bytes{0x1C, 0x01, 0x00, 0x20, 0x81, 0x01, 0x00, 0x02, 0xBF, 0xD9, 0x7E, 0x00, 0x01,
                                        0x00, 0x00, 0x00, 0x00, 0x00}));
    EXPECT_EQ(bmc.requests, (std::vector<Bytes>{{0x18, 0x01}}));
}

TEST_F(SsifBench, HostMessagesWaitForTheProbe)
{
    build();
    ssif->start(host);
    ssif->send({0x18, 0x01});
    settle();
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(bmc.requests.back(), (Bytes{0x18, 0x01})) << "sent after every probe step";
}

TEST_F(SsifBench, MultiPartBothDirections)
{
    build();
    startAndProbe();
    const Bytes request = [] {
        Bytes r{0x28, 0x44};
        const Bytes body = iota(98, 1);
        r.insert(r.end(), body.begin(), body.end());
        return r;
    }();
    bmc.echoPayload = iota(150, 0x40);
    const unsigned writesBefore = smbus->writes();
    const unsigned readsBefore = smbus->reads();
    ssif->send(request);
    settle();
    ASSERT_EQ(bmc.requests.size(), 1U);
    EXPECT_EQ(bmc.requests[0], request);
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], FakeResponder::reply(request, iota(150, 0x40)));
    // 100 bytes = start + 2 middles + end; 153 bytes = first + 4 numbered parts.
    EXPECT_EQ(smbus->writes() - writesBefore, 4U);
    EXPECT_EQ(smbus->reads() - readsBefore, 5U);
}

TEST_F(SsifBench, EmptyMiddleEndMarker)
{
    build({.address = 0x10, .capabilities = {}, .acceptsEndCommand = false, .acceptsEmptyMiddle = true});
    startAndProbe();
    EXPECT_FALSE(ssif->limits().cmd8Works);
    EXPECT_EQ(ssif->limits().maxRequest, 255U);
    const Bytes request = [] {
        Bytes r{0x28, 0x44};
        const Bytes body = iota(62, 1);
        r.insert(r.end(), body.begin(), body.end());
        return r;
    }();
    ssif->send(request); // 64 bytes: start, full middle, empty middle
    settle();
    ASSERT_EQ(bmc.requests.size(), 1U);
    EXPECT_EQ(bmc.requests[0], request);
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0][2], 0x00);
}

TEST_F(SsifBench, ShortMiddleOnlyCapsRequestsAt63)
{
    build({.address = 0x10, .capabilities = {}, .acceptsEndCommand = false, .acceptsEmptyMiddle = false});
    startAndProbe();
    EXPECT_FALSE(ssif->limits().cmd8Works);
    EXPECT_EQ(ssif->limits().maxRequest, 63U);

    Bytes big(64, 0x11);
    big[0] = 0x28;
    big[1] = 0x44;
    ssif->send(big);
    settle();
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], (Bytes{0x2C, 0x44, 0xFF})) << "too long for this BMC";
    EXPECT_TRUE(bmc.requests.empty());

    Bytes fits(63, 0x22);
    fits[0] = 0x28;
    fits[1] = 0x45;
    ssif->send(fits);
    settle();
    ASSERT_EQ(bmc.requests.size(), 1U);
    EXPECT_EQ(bmc.requests[0], fits);
    ASSERT_EQ(host.responses.size(), 2U);
    EXPECT_EQ(host.responses[1], (Bytes{0x2C, 0x45, 0x00}));
}

TEST_F(SsifBench, StartRefusedMeansSinglePart)
{
    sim::smbus::TargetConfig config;
    config.capabilities.transactions = sim::SsifCapabilities::Transactions::SinglePart;
    build(config);
    bmc.capabilities = Bytes{0x00, 0x80, 0xFF, 0xFF}; // the BMC claims start/middle/end anyway
    startAndProbe();
    EXPECT_EQ(ssif->limits().maxRequest, 32U);
}

TEST_F(SsifBench, NoCapabilitiesMeansDefaults)
{
    build();
    bmc.capabilities.reset();
    startAndProbe();
    EXPECT_FALSE(ssif->limits().valid);
    EXPECT_EQ(ssif->limits().maxRequest, 32U);
    EXPECT_EQ(ssif->limits().maxResponse, 32U);
    EXPECT_FALSE(smbus->pecEnabled());
}

TEST_F(SsifBench, PecErrorIsRetriedFromTheStart)
{
    build();
    startAndProbe();
    ASSERT_TRUE(smbus->pecEnabled());
    bmc.echoPayload = iota(50, 0);
    bmc.corruptNext = true; // the PEC byte of the first read goes bad
    ssif->send({0x18, 0x55});
    settle(10ms);
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], FakeResponder::reply(Bytes{0x18, 0x55}, iota(50, 0)));
    EXPECT_EQ(ssif->transferCounters().readRetries, 1U);
}

TEST_F(SsifBench, NakThenSuccess)
{
    build();
    startAndProbe();
    target->injectNaks(2); // both the first write and its resend are refused
    ssif->send({0x18, 0x01});
    settle(); // 1 ms: the first resend (after 1 ms) fails too
    EXPECT_TRUE(host.responses.empty());
    settle(5ms);
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0][2], 0x00);
    EXPECT_EQ(ssif->transferCounters().writeRetries, 2U);
    EXPECT_EQ(bmc.requests.size(), 1U);
}

TEST_F(SsifBench, SlowBmcIsPolledWithBackoff)
{
    build({}, SsifInterfaceConfig{.info = {}, .dbg = 0, .dbgProbe = false, .alertsBroken = true, .timing = {}});
    startAndProbe();
    bmc.hold = true;
    const unsigned readsBefore = smbus->reads();
    ssif->send({0x18, 0x01});
    settle(100ms);
    const unsigned readsIn100ms = smbus->reads() - readsBefore;
    // 0, 50us, 100, 200, ... 12.8 ms, then every 20 ms.
    EXPECT_LE(readsIn100ms, 16U);
    EXPECT_GE(readsIn100ms, 10U);
    bmc.release(FakeResponder::reply(Bytes{0x18, 0x01}, {0x20}));
    settle(20ms);
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], (Bytes{0x1C, 0x01, 0x00, 0x20}));
}

TEST_F(SsifBench, AlertReadsTheResponseAtOnce)
{
    build();
    startAndProbe();
    ASSERT_TRUE(ssif->alertsActive());
    bmc.hold = true;
    ssif->send({0x18, 0x01});
    settle(100ms);
    const unsigned before = smbus->reads();
    bmc.release(FakeResponder::reply(Bytes{0x18, 0x01}, {0x20}));
    loop.runPosted(); // no time passes: the alert makes the read happen now
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(smbus->reads(), before + 1);
}

// dbg bit 4 (timing): one line per host message, in the format
// benchmarks/vm/guest-bench.sh parses, with the fake clock's figures.
TEST_F(SsifBench, TimingLogSaysWhereTheTimeWent)
{
    std::ostringstream captured;
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_st>(captured)));
    spdlog::default_logger()->set_pattern("%v");

    build({},
          SsifInterfaceConfig{.info = {}, .dbg = kDebugTiming, .dbgProbe = false, .alertsBroken = true, .timing = {}});
    startAndProbe();
    captured.str("");
    bmc.hold = true;
    ssif->send({0x18, 0x01});
    settle(1ms);
    bmc.release(FakeResponder::reply(Bytes{0x18, 0x01}, {0x20}));
    settle(20ms);
    ASSERT_EQ(host.responses.size(), 1U);
    spdlog::set_default_logger(previous);

    // Reads at 0, 50, 150, 350, 750 us are refused; 1550 us is answered.
    // Only the time inside the bus calls is real time, so not fixed here.
    const std::string fixed = "ssif sim 0x10: netfn 0x06 cmd 0x01 took 1550 us: write 0 us (1 op), "
                              "first read after 0 us, read 1550 us (6 op, 5 NAK), in bus calls ";
    const std::string text = captured.str();
    ASSERT_TRUE(text.starts_with(fixed)) << text;
    ASSERT_TRUE(text.ends_with(" us\n")) << text;
    const std::string busTime = text.substr(fixed.size(), text.size() - fixed.size() - 4);
    EXPECT_FALSE(busTime.empty()) << text;
    EXPECT_TRUE(std::all_of(busTime.begin(), busTime.end(), [](char c) { return c >= '0' && c <= '9'; })) << text;
}

TEST_F(SsifBench, BmcThatNeverAnswersGets0xFFAfterTheBudget)
{
    build();
    startAndProbe();
    bmc.hold = true;
    ssif->send({0x18, 0x01});
    settle(14900ms);
    EXPECT_TRUE(host.responses.empty());
    const unsigned reads = smbus->reads();
    EXPECT_LE(reads, 15000U / 20U + 20U) << "never more than one read per 20 ms once backed off";
    settle(200ms);
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], (Bytes{0x1C, 0x01, 0xFF}));

    // The next message goes through once the BMC answers again.
    bmc.hold = false;
    bmc.held.reset();
    ssif->send({0x18, 0x01});
    settle();
    ASSERT_EQ(host.responses.size(), 2U);
    EXPECT_EQ(host.responses[1][2], 0x00);
}

std::size_t countOf(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

TEST_F(SsifBench, ASilentBmcIsOneFaultEpisodeLoggedAtItsStartAndEnd)
{
    core::testing::CapturedLog captured;
    build();
    startAndProbe();
    EXPECT_EQ(ssif->health().state, core::LinkState::Up);
    EXPECT_EQ(captured.text(), "") << "the probe's refusals are not faults";
    bmc.hold = true;
    for (int i = 0; i < 3; ++i) {
        ssif->send({0x18, 0x01});
        settle(15100ms);
    }
    ASSERT_EQ(host.responses.size(), 3U);
    auto health = ssif->health();
    EXPECT_EQ(health.state, core::LinkState::Hosed);
    EXPECT_EQ(health.episodeFailures, 3U);
    EXPECT_TRUE(health.lastError.starts_with("netfn 0x06 cmd 0x01: no response after ")) << health.lastError;
    const auto stat = [this](core::DriverStat s) { return ssif->health().stats[static_cast<std::size_t>(s)]; };
    EXPECT_EQ(stat(core::DriverStat::TimedOutTransactions), 3U);
    EXPECT_EQ(stat(core::DriverStat::FaultEpisodes), 1U);
    EXPECT_GT(stat(core::DriverStat::Retries), 3U) << "the reads the BMC refused";
    EXPECT_EQ(countOf(captured.text(), "warning "), 1U) << captured.text();
    EXPECT_TRUE(
        captured.text().starts_with("warning ssif sim 0x10: BMC fault: netfn 0x06 cmd 0x01: no response after "))
        << captured.text();

    bmc.hold = false;
    bmc.held.reset();
    ssif->send({0x18, 0x01});
    settle();
    ASSERT_EQ(host.responses.size(), 4U);
    EXPECT_EQ(host.responses[3][2], 0x00);
    EXPECT_EQ(ssif->health().state, core::LinkState::Recovering);
    settle(10s);
    EXPECT_EQ(ssif->health().state, core::LinkState::Up);
    EXPECT_EQ(countOf(captured.text(), "info ssif sim 0x10: BMC answering again after a fault episode of "), 1U)
        << captured.text();
    EXPECT_NE(captured.text().find(" ms (3 failed transactions)\n"), std::string::npos) << captured.text();
}

TEST_F(SsifBench, FlagsPolledWhenAlertsAreOff)
{
    build({}, SsifInterfaceConfig{.info = {}, .dbg = 0, .dbgProbe = false, .alertsBroken = true, .timing = {}});
    startAndProbe();
    EXPECT_FALSE(ssif->alertsActive());
    settle(1s);
    EXPECT_TRUE(bmc.requests.empty()) << "idle and unwatched: no bus traffic";
    EXPECT_EQ(loop.pendingTimers(), 0U) << "and no timer spinning";

    bmc.flags = 0x08;
    bmc.messages = {{0x01, 0x02, 0x03}, {0x04}};
    bmc.events = {iota(16, 0xA0)};
    ssif->setNeedWatch(core::kWatchCheckMessages);
    settle(10ms);
    EXPECT_EQ(host.pretimeouts, 1U);
    ASSERT_EQ(host.received.size(), 3U);
    EXPECT_EQ(host.received[0], (Bytes{0x1C, 0x33, 0x00, 0x01, 0x02, 0x03}));
    EXPECT_EQ(host.received[1], (Bytes{0x1C, 0x33, 0x00, 0x04}));
    EXPECT_EQ(host.received[2], FakeResponder::reply(Bytes{0x18, 0x35}, iota(16, 0xA0)));
    EXPECT_EQ(bmc.flags, 0x00) << "the watchdog flag was cleared";
    EXPECT_EQ(bmc.requests[0], (Bytes{0x18, 0x31}));
    EXPECT_EQ(bmc.requests[1], (Bytes{0x18, 0x30, 0x08}));

    ssif->setNeedWatch(core::kWatchCheckWatchdog);
    bmc.requests.clear();
    settle(1000ms);
    EXPECT_EQ(bmc.requests.size(), 4U) << "watchdog-only watching polls every 250 ms";
    ssif->setNeedWatch(0);
    EXPECT_EQ(loop.pendingTimers(), 0U);
}

TEST_F(SsifBench, AttentionAlertFetchesFlags)
{
    build();
    startAndProbe();
    bmc.messages = {{0x07}};
    bmc.raise();
    loop.runPosted();
    settle();
    ASSERT_EQ(host.received.size(), 1U);
    EXPECT_EQ(host.received[0], (Bytes{0x1C, 0x33, 0x00, 0x07}));
    // This BMC never drops its attention line again: one more look at the
    // flags is fine, hammering the bus is not.
    bmc.requests.clear();
    settle(1s);
    EXPECT_LE(bmc.requests.size(), 1U);
}

TEST_F(SsifBench, RequestEventsReadsTheBufferUntilEmpty)
{
    build();
    startAndProbe();
    bmc.events = {iota(16, 1), iota(16, 2)};
    ssif->requestEvents();
    settle();
    ASSERT_EQ(host.received.size(), 2U);
    EXPECT_EQ(host.received[1], FakeResponder::reply(Bytes{0x18, 0x35}, iota(16, 2)));
    EXPECT_EQ(bmc.requests.size(), 3U) << "two events, then cc 0x80";
}

TEST_F(SsifBench, ShutdownAnswersTheMessageInFlight)
{
    build();
    startAndProbe();
    bmc.hold = true;
    ssif->send({0x18, 0x01});
    settle();
    ssif->shutdown();
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], (Bytes{0x1C, 0x01, 0xFF}));
    settle(20s);
    EXPECT_EQ(host.responses.size(), 1U);
}

TEST_F(SsifBench, RefusedRequestIsAnsweredWhenShutDownBeforeTheLoopRuns)
{
    build();
    startAndProbe();
    Bytes tooLong(kMaxResponse + 1, 0x00);
    tooLong[0] = 0x18;
    tooLong[1] = 0x01;
    ssif->send(tooLong);
    ssif->shutdown(); // the refusal's answer was still on its way through the loop
    ASSERT_EQ(host.responses.size(), 1U);
    EXPECT_EQ(host.responses[0], (core::SmiBytes{0x1C, 0x01, 0xFF}));
    settle();
    EXPECT_EQ(host.responses.size(), 1U);
}

} // namespace
} // namespace ipmi::ssif::testing
