// What status reports per interface from core: fault episodes (one warning
// when an episode opens however many transactions fail in it, one info line
// with its duration and failures when the BMC has answered for the settle
// time, hosed -> recovering -> up), the driver counters' names, and the
// message handler's responses by completion code.
#include "core/interface_health.hpp"
#include "core/testing/captured_log.hpp"
#include "tests/unit/core/core_fixture.hpp"

#include <set>
#include <sstream>
#include <string>

namespace ipmi::core::testing {
namespace {

using namespace std::chrono_literals;

std::uint64_t stat(const InterfaceHealth& h, DriverStat s)
{
    return h.stats[static_cast<std::size_t>(s)];
}

TEST(FaultEpisodes, ManyFaultsInOneEpisodeLogOneWarningAndRecoveryOneInfoLine)
{
    FakeEventLoop loop;
    CapturedLog log;
    FaultEpisodes faults(loop, "smi kcs i/o 0xca2", 10s);
    faults.answered();
    EXPECT_EQ(faults.health().state, LinkState::Up);
    EXPECT_FALSE(faults.health().lastErrorAt);

    const auto start = loop.now();
    faults.failed(FaultKind::Hosed, "netfn 0x06 cmd 0x01: kcs: IBF not ready in time (status 0xc2)");
    for (int i = 0; i < 9; ++i) {
        loop.advance(5s);
        faults.failed(FaultKind::Timeout, "netfn 0x06 cmd 0x01: completion code 0xc3 (timeout)");
    }
    const auto& h = faults.health();
    EXPECT_EQ(h.state, LinkState::Hosed);
    EXPECT_EQ(h.lastError, "netfn 0x06 cmd 0x01: completion code 0xc3 (timeout)");
    EXPECT_EQ(h.lastErrorAt, start + 45s);
    EXPECT_EQ(h.episodeStart, start);
    EXPECT_EQ(h.episodeFailures, 10U);
    EXPECT_EQ(log.text(), "warning smi kcs i/o 0xca2: BMC fault: netfn 0x06 cmd 0x01: kcs: IBF not ready in time "
                          "(status 0xc2); answering the kernel's error codes until it answers again\n");

    loop.advance(5s);
    faults.answered();
    EXPECT_EQ(faults.health().state, LinkState::Recovering);
    // A fault before the settle time is over: the same episode, no new line.
    loop.advance(9s);
    faults.failed(FaultKind::BadResponse, "BMC returned an answer of 2 bytes to netfn 0x06 cmd 0x01");
    EXPECT_EQ(faults.health().state, LinkState::Hosed);
    loop.advance(1s);
    faults.answered();
    loop.advance(9s);
    EXPECT_EQ(faults.health().state, LinkState::Recovering);
    loop.advance(1s);
    EXPECT_EQ(faults.health().state, LinkState::Up);
    EXPECT_FALSE(faults.health().episodeStart);
    EXPECT_EQ(faults.health().episodeFailures, 0U);
    // The last error stays for status.
    EXPECT_EQ(faults.health().lastError, "BMC returned an answer of 2 bytes to netfn 0x06 cmd 0x01");

    const std::string text = log.text();
    const auto second = text.find('\n') + 1;
    // From the first fault (0 s) to the answer that began the final recovery (60 s).
    EXPECT_EQ(text.substr(second),
              "info smi kcs i/o 0xca2: BMC answering again after a fault episode of 60000 ms (11 failed "
              "transactions)\n");

    EXPECT_EQ(stat(faults.health(), DriverStat::Transactions), 14U);
    EXPECT_EQ(stat(faults.health(), DriverStat::FailedTransactions), 11U);
    EXPECT_EQ(stat(faults.health(), DriverStat::HosedTransactions), 1U);
    EXPECT_EQ(stat(faults.health(), DriverStat::TimedOutTransactions), 9U);
    EXPECT_EQ(stat(faults.health(), DriverStat::BadResponses), 1U);
    EXPECT_EQ(stat(faults.health(), DriverStat::FaultEpisodes), 1U);

    // A later fault opens a second episode, with its own warning.
    faults.failed(FaultKind::Timeout, "again");
    EXPECT_EQ(stat(faults.health(), DriverStat::FaultEpisodes), 2U);
    EXPECT_NE(log.text().find("warning smi kcs i/o 0xca2: BMC fault: again;"), std::string::npos) << log.text();
}

TEST(FaultEpisodes, StoppedEpisodesDoNotCloseLater)
{
    FakeEventLoop loop;
    CapturedLog log;
    FaultEpisodes faults(loop, "ssif i2c-0 0x10", 1s);
    faults.failed(FaultKind::Timeout, "no answer");
    faults.answered();
    faults.stop();
    loop.advance(5s);
    EXPECT_EQ(faults.health().state, LinkState::Recovering);
    EXPECT_EQ(log.text().find("answering again"), std::string::npos) << log.text();
}

TEST(FaultEpisodes, NamesAreOursAndDistinct)
{
    EXPECT_STREQ(toString(DriverStat::Transactions), "transactions");
    EXPECT_STREQ(toString(DriverStat::FaultEpisodes), "fault_episodes");
    EXPECT_STREQ(toString(DriverStat::Count), "invalid");
    std::set<std::string> names;
    for (std::size_t k = 0; k < kDriverStatCount; ++k) {
        names.insert(toString(static_cast<DriverStat>(k)));
    }
    EXPECT_EQ(names.size(), kDriverStatCount);
    EXPECT_STREQ(toString(LinkState::Up), "up");
    EXPECT_STREQ(toString(LinkState::Hosed), "hosed");
    EXPECT_STREQ(toString(LinkState::Recovering), "recovering");
}

class HealthTest : public CoreTest
{
  protected:
    ResponseClasses responses() { return mh->interfaceStatus(ifnum)->responses; }
};

TEST_F(HealthTest, ResponsesAreCountedByCompletionCodeAsDelivered)
{
    auto f = open();
    const std::pair<std::uint8_t, int> answers[] = {{0x00, 1}, {0x00, 2}, {0xC3, 3}, {0xFF, 4}, {0xC1, 5}};
    for (const auto& [cc, msgid] : answers) {
        ASSERT_EQ(send(*f, siAddr(), msgid, 0x06, 0x01), 0);
        bmc->respond({0x1C, 0x01, cc});
        EXPECT_EQ(receive(*f).data, (Bytes{cc}));
    }
    // An IPMB request nobody answers: the message handler's own 0xC3.
    sendIpmbAcked(*f, 6);
    while (!f->readable()) {
        loop.advance(100ms);
        if (bmc->pending()) {
            bmc->respondCc(0x00);
        }
    }
    EXPECT_EQ(receive(*f).data, (Bytes{0xC3}));
    const auto r = responses();
    EXPECT_EQ(r.ok, 2U);
    EXPECT_EQ(r.timeout, 2U);
    EXPECT_EQ(r.unspecified, 1U);
    EXPECT_EQ(r.other, 1U);
    // The scripted interface keeps no driver counters.
    EXPECT_FALSE(mh->interfaceStatus(ifnum)->driver.tracked);
}

} // namespace
} // namespace ipmi::core::testing
