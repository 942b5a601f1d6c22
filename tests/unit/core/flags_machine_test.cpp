// The flags/events machine shared by si/ and ssif/, in each driver's style:
// start-up order, fetch order, the ten-in-a-row limits.
#include "core/flags_machine.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

namespace ipmi::core {
namespace {

using Bytes = SmiBytes;
using Fetch = FlagsMachine::Fetch;

constexpr FlagsMachine::Style kSi{
    .shortEventEndsRun = true, .recheckAfterTenEvents = false, .clearFlagsFirst = false, .clearReceiveIrq = true};
constexpr FlagsMachine::Style kSsif{
    .shortEventEndsRun = false, .recheckAfterTenEvents = true, .clearFlagsFirst = true, .clearReceiveIrq = false};

TEST(FlagsMachine, SiStartupClearsTheIrqEnablesTheBufferThenClearsFlags)
{
    FlagsMachine m(kSi);
    std::vector<Bytes> sent{m.startup()};
    const std::vector<Bytes> answers = {
        {0x1C, 0x2F, 0x00, 0x09}, {0x1C, 0x2E, 0x00}, {0x1C, 0x2F, 0x00, 0x08}, {0x1C, 0x2E, 0x00}, {0x1C, 0x30, 0x00}};
    for (const Bytes& a : answers) {
        auto next = m.startupAnswered(a[2] == 0, a);
        if (next) {
            sent.push_back(*next);
        }
    }
    const std::vector<Bytes> expected = {
        {0x18, 0x2F}, {0x18, 0x2E, 0x08}, {0x18, 0x2F}, {0x18, 0x2E, 0x0C}, {0x18, 0x30, 0x08}};
    EXPECT_EQ(sent, expected);
    EXPECT_EQ(m.startStep(), FlagsMachine::StartStep::Done);
    EXPECT_TRUE(m.hasEventBuffer());
    EXPECT_FALSE(m.cannotDisableIrq());
}

TEST(FlagsMachine, SsifStartupClearsFlagsFirstAndStopsAtTheBuffer)
{
    FlagsMachine m(kSsif);
    EXPECT_EQ(m.startup(), (Bytes{0x18, 0x30, 0x08}));
    EXPECT_EQ(m.startupAnswered(true, {0x1C, 0x30, 0x00}), (Bytes{0x18, 0x2F}));
    EXPECT_EQ(m.startupAnswered(true, {0x1C, 0x2F, 0x00, 0x01}), (Bytes{0x18, 0x2E, 0x05}));
    EXPECT_EQ(m.startupAnswered(true, {0x1C, 0x2E, 0x00}), std::nullopt);
    EXPECT_TRUE(m.hasEventBuffer());
    EXPECT_EQ(m.globalEnables(), 0x05);
}

TEST(FlagsMachine, PretimeoutFirstThenMessagesThenEvents)
{
    FlagsMachine m(kSsif);
    m.flagsRead(0x0B);
    EXPECT_EQ(m.next(), Fetch::ClearPretimeout);
    EXPECT_EQ(m.next(), Fetch::Message);
    m.messageFetched(false);
    EXPECT_EQ(m.next(), Fetch::Event);
    m.eventFetched(false, 3);
    EXPECT_EQ(m.next(), Fetch::None);
}

TEST(FlagsMachine, TenEventsAskForTheFlagsAgainOnlyInSsifStyle)
{
    for (const auto& [style, recheck] : {std::pair{kSi, false}, std::pair{kSsif, true}}) {
        FlagsMachine m(style);
        m.eventsRequested();
        for (int i = 0; i < 10; ++i) {
            ASSERT_EQ(m.next(), Fetch::Event);
            m.eventFetched(true, 19);
        }
        EXPECT_EQ(m.next(), Fetch::None);
        EXPECT_EQ(m.takeRecheck(), recheck);
    }
}

TEST(FlagsMachine, ShortEventEndsTheRunOnlyInSiStyle)
{
    FlagsMachine si(kSi);
    si.eventsRequested();
    si.eventFetched(true, 10);
    EXPECT_EQ(si.next(), Fetch::None);
    FlagsMachine ssif(kSsif);
    ssif.eventsRequested();
    ssif.eventFetched(true, 10);
    EXPECT_EQ(ssif.next(), Fetch::Event);
}

TEST(FlagsMachine, OemBitsMeanMessagesOnlyWhenSaidSo)
{
    FlagsMachine m(kSi);
    m.flagsRead(0x20);
    EXPECT_EQ(m.next(), Fetch::None);
    m.setOemMeansMessage(true);
    m.flagsRead(0x20);
    EXPECT_EQ(m.next(), Fetch::Message);
}

} // namespace
} // namespace ipmi::core
