// Panic events: the Platform Event and OEM SEL string records byte for byte,
// where the string goes (local SEL / event receiver / nowhere), every
// interface, and once-only reporting of pstore panics across restarts.
#include "core/device_file.hpp"
#include "core/services/panic_events.hpp"
#include "tests/unit/core_services/services_fixture.hpp"

#include <fstream>

namespace ipmi::core::services::testing {
namespace {

using std::chrono::milliseconds;

const std::filesystem::path kFixtures = IPMI_SVC_FIXTURES;

Bytes eventRequest(const std::string& msg)
{
    const auto d = panicEventData(msg);
    Bytes b(2 + d.size());
    b[0] = 0x10;
    b[1] = 0x02;
    std::copy(d.begin(), d.end(), b.begin() + 2);
    return b;
}

Bytes selRecord(std::uint8_t seq, const std::string& chunk, std::uint8_t ours = 0x20)
{
    Bytes b(16, 0x00);
    b[2] = 0xF0;
    b[3] = ours;
    b[4] = seq;
    std::copy(chunk.begin(), chunk.end(), b.begin() + 5);
    return b;
}

class PanicEventsTest : public ServicesTest
{
  protected:
    void SetUp() override
    {
        ServicesTest::SetUp();
        bmc = addInterface();
        answer(0x04, 0x02, {0x00});             // Platform Event
        answer(0x0A, 0x44, {0x00, 0x01, 0x00}); // Add SEL Entry
        answer(0x06, 0x34, {0x00});             // Send Message accepted
    }

    std::optional<PanicReport> report(PanicEvents& pe, const std::string& msg)
    {
        std::optional<PanicReport> out;
        pe.report(msg, [&out](PanicReport r) { out = std::move(r); });
        loop.runPosted();
        return out;
    }

    ScriptedInterface* bmc = nullptr;
};

TEST(PanicEventBytesTest, PlatformEventIsTheKernels)
{
    EXPECT_EQ(panicEventData("sysrq triggered crash"),
              (std::array<std::uint8_t, 8>{0x41, 0x03, 0x20, 's', 0x6F, 0xA1, 'y', 's'}));
    EXPECT_EQ(panicEventData("A"), (std::array<std::uint8_t, 8>{0x41, 0x03, 0x20, 'A', 0x6F, 0xA1, 0x00, 0x00}));
    EXPECT_EQ(panicEventData(""), (std::array<std::uint8_t, 8>{0x41, 0x03, 0x20, 0x00, 0x6F, 0xA1, 0x00, 0x00}));
    EXPECT_EQ(panicEventData(std::string("a\0bc", 4)),
              (std::array<std::uint8_t, 8>{0x41, 0x03, 0x20, 'a', 0x6F, 0xA1, 0x00, 0x00}));
}

TEST(PanicEventBytesTest, StringRecordsCarryElevenBytesEachWithSequenceNumbers)
{
    EXPECT_TRUE(panicStringRecords("", 0x20).empty());
    const auto one = panicStringRecords("12345678901", 0x20);
    ASSERT_EQ(one.size(), 1U);
    EXPECT_EQ(Bytes(one[0].begin(), one[0].end()), selRecord(0, "12345678901"));
    const auto three = panicStringRecords("Watchdog pre-timeout plus", 0x32);
    ASSERT_EQ(three.size(), 3U);
    EXPECT_EQ(Bytes(three[0].begin(), three[0].end()), selRecord(0, "Watchdog pr", 0x32));
    EXPECT_EQ(Bytes(three[1].begin(), three[1].end()), selRecord(1, "e-timeout p", 0x32));
    EXPECT_EQ(Bytes(three[2].begin(), three[2].end()), selRecord(2, "lus", 0x32));
}

TEST(PanicEventBytesTest, StringTargetRules)
{
    using Kind = PanicStringTarget::Kind;
    EXPECT_EQ(choosePanicStringTarget(true, 0x40, 1, 0x20).kind, Kind::EventReceiver);
    EXPECT_EQ(choosePanicStringTarget(true, 0x40, 1, 0x20).address, 0x40);
    EXPECT_EQ(choosePanicStringTarget(true, 0x40, 1, 0x20).lun, 1);
    EXPECT_EQ(choosePanicStringTarget(true, 0x41, 0, 0x20).kind, Kind::LocalSel); // odd
    EXPECT_EQ(choosePanicStringTarget(true, 0x00, 0, 0x20).kind, Kind::LocalSel); // zero
    EXPECT_EQ(choosePanicStringTarget(true, 0x20, 0, 0x20).kind, Kind::LocalSel); // us
    EXPECT_EQ(choosePanicStringTarget(false, 0x20, 0, 0x20).kind, Kind::Nowhere);
    EXPECT_EQ(choosePanicStringTarget(false, std::nullopt, 0, 0x20).kind, Kind::Nowhere);
    EXPECT_EQ(choosePanicStringTarget(true, std::nullopt, 0, 0x20).kind, Kind::LocalSel);
}

TEST(PanicEventBytesTest, PanicOpNames)
{
    EXPECT_EQ(parsePanicOp("none"), PanicOp::None);
    EXPECT_EQ(parsePanicOp("event"), PanicOp::Event);
    EXPECT_EQ(parsePanicOp("string"), PanicOp::String);
    EXPECT_FALSE(parsePanicOp("String"));
    EXPECT_STREQ(toString(PanicOp::String), "string");
}

TEST_F(PanicEventsTest, EventModeSendsOnlyThePlatformEvent)
{
    PanicEvents pe(*mh, PanicOp::Event);
    auto r = report(pe, "sysrq triggered crash");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->interfaces.size(), 1U);
    EXPECT_EQ(r->interfaces[0].eventCc, 0x00);
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{Bytes{0x10, 0x02, 0x41, 0x03, 0x20, 's', 0x6F, 0xA1, 'y', 's'}}));
}

// The kernel sends panic events from ipmi_msghandler itself: every
// max_users slot taken by open files must not keep them from the BMC.
TEST_F(PanicEventsTest, SentWithEveryUserSlotTaken)
{
    std::vector<std::unique_ptr<IpmiFile>> files;
    for (int i = 0; i < MessageHandlerParams{}.maxUsers; ++i) {
        auto r = openDeviceFile(*mh, 0);
        ASSERT_TRUE(r) << i;
        files.push_back(std::move(r.value));
    }
    ASSERT_EQ(openDeviceFile(*mh, 0).error, -EBUSY);
    PanicEvents pe(*mh, PanicOp::Event);
    auto r = report(pe, "sysrq triggered crash");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->interfaces.size(), 1U);
    EXPECT_EQ(r->interfaces[0].eventError, 0);
    EXPECT_EQ(r->interfaces[0].eventCc, 0x00);
    EXPECT_EQ(bmc->requests().size(), 1U);
    EXPECT_EQ(mh->userCount(0), MessageHandlerParams{}.maxUsers);
}

TEST_F(PanicEventsTest, StringModeWritesTheLocalSel)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0001, 0x04)); // SEL device, not a generator
    PanicEvents pe(*mh, PanicOp::String);
    const std::string msg = "Watchdog pre-timeout";
    auto r = report(pe, msg);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->interfaces.size(), 1U);
    EXPECT_EQ(r->interfaces[0].target.kind, PanicStringTarget::Kind::LocalSel);
    EXPECT_EQ(r->interfaces[0].stringRecords, 2);
    auto sel = [](std::uint8_t seq, const std::string& chunk) {
        const auto rec = selRecord(seq, chunk);
        Bytes b{0x28, 0x44};
        b.insert(b.end(), rec.begin(), rec.end());
        return b;
    };
    EXPECT_EQ(bmc->requests(),
              (std::vector<Bytes>{eventRequest(msg), Bytes{0x18, 0x01}, sel(0, "Watchdog pr"), sel(1, "e-timeout")}));
}

TEST_F(PanicEventsTest, StringModeSendsToTheEventReceiverOverIpmb)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0001, 0x24)); // generator + SEL
    answer(0x04, 0x01, {0x00, 0x40, 0x01});                     // receiver 0x40 LUN 1
    PanicEvents pe(*mh, PanicOp::String);
    const std::string msg = "Hard LOCKUP on cpu 3";
    std::optional<PanicReport> out;
    pe.report(msg, [&out](PanicReport r) { out = std::move(r); });
    loop.runPosted();
    const auto& r = bmc->requests();
    ASSERT_EQ(r.size(), 4U);
    EXPECT_EQ(r[0], eventRequest(msg));
    EXPECT_EQ(r[1], (Bytes{0x18, 0x01}));
    EXPECT_EQ(r[2], (Bytes{0x10, 0x01}));
    const std::vector<std::string> chunks{"Hard LOCKUP", " on cpu 3"};
    for (std::uint8_t i = 0; i < 2; ++i) {
        ASSERT_EQ(r.size(), 4U + i);
        const auto& frame = r.back();
        const auto seq = static_cast<std::uint8_t>(frame[7] >> 2);
        EXPECT_EQ(frame, ipmbFrame(0x40, 0x0A, 1, seq, 0x44, selRecord(i, chunks[i]))) << int(i);
        EXPECT_FALSE(out);
        bmc->receive(ipmbReplyTo(frame, {0x00, 0x10, 0x00}));
        loop.runPosted();
    }
    ASSERT_TRUE(out);
    EXPECT_EQ(out->interfaces[0].target.kind, PanicStringTarget::Kind::EventReceiver);
    EXPECT_EQ(out->interfaces[0].stringRecords, 2);
}

TEST_F(PanicEventsTest, UnansweredIpmbRecordTimesOutWithoutRetry)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0001, 0x20)); // generator, no SEL
    answer(0x04, 0x01, {0x00, 0x40, 0x00});
    PanicEvents pe(*mh, PanicOp::String);
    std::optional<PanicReport> out;
    pe.report("short", [&out](PanicReport r) { out = std::move(r); });
    loop.runPosted();
    ASSERT_EQ(bmc->requests().size(), 4U);
    loop.advance(milliseconds(1000));
    EXPECT_FALSE(out);
    loop.advance(milliseconds(2000)); // default retry time, 0 retries
    ASSERT_TRUE(out);
    EXPECT_EQ(bmc->requests().size(), 4U); // not resent
}

TEST_F(PanicEventsTest, ReceiverThatIsUsGoesToLocalSelAndNoSelMeansNowhere)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0001, 0x24));
    answer(0x04, 0x01, {0x00, 0x20, 0x00}); // ourselves
    PanicEvents pe(*mh, PanicOp::String);
    auto r = report(pe, "abc");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->interfaces[0].target.kind, PanicStringTarget::Kind::LocalSel);
    EXPECT_EQ(bmc->requests().back()[0], 0x28);

    bmc->clearRequests();
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0001, 0x20)); // generator only
    answer(0x04, 0x01, {0x00, 0x41, 0x00});                     // odd address
    r = report(pe, "abc");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->interfaces[0].target.kind, PanicStringTarget::Kind::Nowhere);
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{eventRequest("abc"), Bytes{0x18, 0x01}, Bytes{0x10, 0x01}}));
}

TEST_F(PanicEventsTest, EveryInterfaceInOrderAndNoneMode)
{
    auto* second = addInterface();
    PanicEvents pe(*mh, PanicOp::Event);
    auto r = report(pe, std::string(kWatchdogPretimeoutPanic));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->interfaces.size(), 2U);
    EXPECT_EQ(r->interfaces[0].ifnum, 0);
    EXPECT_EQ(r->interfaces[1].ifnum, 1);
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{eventRequest("Watchdog pre-timeout")}));
    EXPECT_EQ(second->requests(), (std::vector<Bytes>{Bytes{0x10, 0x02, 0x41, 0x03, 0x20, 'W', 0x6F, 0xA1, 'a', 't'}}));

    pe.setOp(PanicOp::None);
    r = report(pe, "x");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->interfaces.empty());
    EXPECT_EQ(bmc->requests().size(), 1U);
}

TEST_F(PanicEventsTest, ReportsQueueBehindEachOther)
{
    PanicEvents pe(*mh, PanicOp::Event);
    bmc->setResponder({}); // answer by hand
    int done = 0;
    pe.report("first", [&done](const PanicReport&) { ++done; });
    pe.report("second", [&done](const PanicReport&) { ++done; });
    loop.runPosted();
    ASSERT_EQ(bmc->requests().size(), 1U);
    bmc->respondCc(0x00);
    loop.runPosted();
    EXPECT_EQ(done, 1);
    ASSERT_EQ(bmc->requests().size(), 2U);
    EXPECT_EQ(bmc->requests()[1], eventRequest("second"));
    bmc->respondCc(0xC1); // refused: reported anyway, as the kernel ignores it
    loop.runPosted();
    EXPECT_EQ(done, 2);
}

// ---- pstore, once only ----------------------------------------------------------------

class PstoreReportTest : public PanicEventsTest
{
  protected:
    void SetUp() override
    {
        PanicEventsTest::SetUp();
        pstore = tempDir() / "pstore";
        std::filesystem::copy(kFixtures / "pstore", pstore);
        options.directories = {pstore};
        options.stateFile = tempDir() / "var" / "reported-panics";
    }

    PstoreReportSummary reportPstore(PanicOp op = PanicOp::Event)
    {
        PanicEvents pe(*mh, op);
        std::optional<PstoreReportSummary> out;
        pe.reportPstore(options, [&out](PstoreReportSummary s) { out = std::move(s); });
        loop.runPosted();
        EXPECT_TRUE(out);
        return out.value_or(PstoreReportSummary{});
    }

    std::filesystem::path pstore;
    PstoreReportOptions options;
};

TEST_F(PstoreReportTest, EachPanicReportedOnceAcrossRestarts)
{
    auto first = reportPstore();
    EXPECT_EQ(first.records, 5);
    EXPECT_EQ(first.panics, 2);
    EXPECT_EQ(first.reported, 2);
    EXPECT_EQ(first.unreadable, 1);
    EXPECT_EQ(bmc->requests(),
              (std::vector<Bytes>{eventRequest("Hard LOCKUP"), eventRequest("sysrq triggered crash")}));

    // The daemon restarts: nothing again.
    bmc->clearRequests();
    auto second = reportPstore();
    EXPECT_EQ(second.reported, 0);
    EXPECT_EQ(second.alreadyReported, 2);
    EXPECT_TRUE(second.problems.empty()); // the unreadable one was logged once
    EXPECT_TRUE(bmc->requests().empty());

    // A new panic lands in the same ramoops slot.
    std::ofstream(pstore / "dmesg-ramoops-0") << "Panic#1 Part1\n<0>[ 5.0] Kernel panic - not syncing: Oh no\n";
    auto third = reportPstore();
    EXPECT_EQ(third.reported, 1);
    EXPECT_EQ(third.alreadyReported, 1);
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{eventRequest("Oh no")}));
}

TEST_F(PstoreReportTest, StringModeSendsTheWholeMessage)
{
    std::filesystem::remove(pstore / "dmesg-erst-7302931183957245953");
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0001, 0x04));
    auto s = reportPstore(PanicOp::String);
    EXPECT_EQ(s.reported, 1);
    const auto& r = bmc->requests();
    ASSERT_EQ(r.size(), 4U); // event, Get Device ID, 2 SEL records ("sysrq triggered crash" = 21 bytes)
    EXPECT_EQ(Bytes(r[2].begin() + 2, r[2].end()), selRecord(0, "sysrq trigg"));
    EXPECT_EQ(Bytes(r[3].begin() + 2, r[3].end()), selRecord(1, "ered crash"));
}

TEST_F(PstoreReportTest, NotMarkedWhenNoInterfaceTookIt)
{
    mh->removeInterface(0);
    loop.runPosted();
    auto s = reportPstore();
    EXPECT_EQ(s.reported, 0);
    EXPECT_FALSE(s.problems.empty());
    // Later, with an interface: reported then.
    bmc = addInterface();
    auto again = reportPstore();
    EXPECT_EQ(again.reported, 2);
    EXPECT_EQ(bmc->requests().size(), 2U);
}

TEST_F(PstoreReportTest, NoneModeReadsNothing)
{
    auto s = reportPstore(PanicOp::None);
    EXPECT_EQ(s.records, 0);
    EXPECT_FALSE(std::filesystem::exists(options.stateFile));
    EXPECT_TRUE(bmc->requests().empty());
    // Enabling it later still reports them.
    EXPECT_EQ(reportPstore().reported, 2);
}

TEST_F(PstoreReportTest, UnreadableStateFileReportsNothing)
{
    std::filesystem::create_directories(options.stateFile); // a directory where the file should be
    auto s = reportPstore();
    EXPECT_EQ(s.reported, 0);
    EXPECT_FALSE(s.problems.empty());
    EXPECT_TRUE(bmc->requests().empty());
}

TEST_F(ServicesTest, ReportedRecordsFileKeepsTheNewestEntries)
{
    ReportedRecords state(tempDir() / "a" / "state");
    EXPECT_EQ(state.load(), std::nullopt);
    for (std::size_t i = 0; i < ReportedRecords::kMaxEntries + 5; ++i) {
        state.add("id" + std::to_string(i));
    }
    state.add("id1028"); // already there: nothing dropped
    EXPECT_EQ(state.save(), std::nullopt);
    ReportedRecords reread(state.file());
    EXPECT_EQ(reread.load(), std::nullopt);
    EXPECT_EQ(reread.entries().size(), ReportedRecords::kMaxEntries);
    EXPECT_FALSE(reread.contains("id4"));
    EXPECT_TRUE(reread.contains("id5"));
    EXPECT_TRUE(reread.contains("id1028"));
}

} // namespace
} // namespace ipmi::core::services::testing
