// The BMC watchdog timer: Set/Get/Reset, countdown under advance(),
// pre-timeout flag and attention, expiration actions on the chassis and the
// Watchdog 2 SEL events.
#include "bmc_fixture.hpp"

namespace ipmi::sim::testing {
namespace {

class WatchdogTest : public BmcTest
{
  protected:
    Bytes getWatchdog() { return call(0x06, 0x25); }
    // The newest SEL record (16 bytes) or empty.
    Bytes lastSel()
    {
        Bytes rsp = call(0x0A, 0x43, {0x00, 0x00, 0xFF, 0xFF, 0x00, 0xFF});
        return rsp.size() == 19 ? Bytes(rsp.begin() + 3, rsp.end()) : Bytes{};
    }
    std::uint16_t selCount()
    {
        Bytes info = call(0x0A, 0x40);
        return static_cast<std::uint16_t>(info[2] | (info[3] << 8));
    }
};

TEST_F(WatchdogTest, ResetBeforeSetIsRefused)
{
    EXPECT_EQ(call(0x06, 0x22), (Bytes{0x80}));
    EXPECT_EQ(getWatchdog(), (Bytes{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST_F(WatchdogTest, SetRejectsBadFields)
{
    EXPECT_EQ(ccOf(0x06, 0x24, {0x00, 0x01, 0x00, 0x00, 0x0A, 0x00}), 0xCC); // timer use 0
    EXPECT_EQ(ccOf(0x06, 0x24, {0x06, 0x01, 0x00, 0x00, 0x0A, 0x00}), 0xCC); // timer use 6
    EXPECT_EQ(ccOf(0x06, 0x24, {0x04, 0x04, 0x00, 0x00, 0x0A, 0x00}), 0xCC); // action 4
    EXPECT_EQ(ccOf(0x06, 0x24, {0x04, 0x41, 0x00, 0x00, 0x0A, 0x00}), 0xCC); // interrupt 4
    EXPECT_EQ(ccOf(0x06, 0x24, {0x04, 0x31, 0x02, 0x00, 0x0A, 0x00}), 0xCC); // pre-timeout 2 s > 1 s countdown
    EXPECT_EQ(ccOf(0x06, 0x24, {0x04, 0x01, 0x00, 0x00, 0x0A}), 0xC7);       // 5 bytes
    EXPECT_EQ(ccOf(0x06, 0x22), 0x80);                                       // still never set
}

TEST_F(WatchdogTest, CountdownPretimeoutAndHardReset)
{
    int attentionChanges = 0;
    bmc_.setAttentionListener([&attentionChanges] { ++attentionChanges; });
    std::uint16_t selBefore = selCount();
    // SMS/OS, don't stop; messaging interrupt + hard reset; 2 s pre-timeout; 5.0 s.
    ASSERT_EQ(call(0x06, 0x24, {0x44, 0x31, 0x02, 0x00, 50, 0x00}), (Bytes{0x00}));
    EXPECT_EQ(getWatchdog(), (Bytes{0x00, 0x04, 0x31, 0x02, 0x00, 50, 0x00, 50, 0x00}));
    EXPECT_FALSE(bmc_.nextDeadline()); // stopped and the sensors are still
    ASSERT_EQ(call(0x06, 0x22), (Bytes{0x00}));
    ASSERT_TRUE(bmc_.nextDeadline());
    EXPECT_EQ(*bmc_.nextDeadline(), t0 + 100ms);

    advanceBy(1000ms);
    EXPECT_EQ(getWatchdog(), (Bytes{0x00, 0x44, 0x31, 0x02, 0x00, 50, 0x00, 40, 0x00}));
    EXPECT_FALSE(bmc_.attention());
    advanceBy(1900ms);
    EXPECT_EQ(call(0x06, 0x31), (Bytes{0x00, 0x00}));
    advanceBy(100ms); // present count 20 = 2 s left
    EXPECT_EQ(call(0x06, 0x31), (Bytes{0x00, 0x08}));
    EXPECT_TRUE(bmc_.attention());
    EXPECT_EQ(attentionChanges, 1);
    // Pre-timeout event: Watchdog 2, offset 8 (timer interrupt), messaging interrupt, SMS/OS.
    Bytes pre = lastSel();
    ASSERT_EQ(pre.size(), 16U);
    EXPECT_EQ(Bytes(pre.begin() + 7, pre.end()), (Bytes{0x20, 0x00, 0x04, 0x23, 0x81, 0x6F, 0xC8, 0x34, 0xFF}));
    EXPECT_EQ(call(0x06, 0x30, {0x08}), (Bytes{0x00}));
    EXPECT_FALSE(bmc_.attention());
    EXPECT_EQ(attentionChanges, 2);

    advanceBy(1900ms);
    EXPECT_EQ(bmc_.chassisResets(), 0U);
    advanceBy(100ms);
    EXPECT_EQ(bmc_.chassisResets(), 1U);
    EXPECT_EQ(getWatchdog(), (Bytes{0x00, 0x04, 0x31, 0x02, 0x10, 50, 0x00, 0x00, 0x00}));
    Bytes expired = lastSel();
    EXPECT_EQ(Bytes(expired.begin() + 10, expired.end()), (Bytes{0x23, 0x81, 0x6F, 0xC1, 0x34, 0xFF}));
    EXPECT_EQ(selCount(), selBefore + 2);
    EXPECT_EQ(call(0x00, 0x07), (Bytes{0x00, 0x04, 0x0F})); // restart cause: watchdog
    EXPECT_FALSE(bmc_.nextDeadline());
    // Clearing the SMS/OS expiration flag through Set.
    ASSERT_EQ(call(0x06, 0x24, {0x04, 0x00, 0x00, 0x10, 50, 0x00}), (Bytes{0x00}));
    EXPECT_EQ(getWatchdog()[4], 0x00);
}

TEST_F(WatchdogTest, HeartbeatReloadsAndSetWithoutDontStopStops)
{
    ASSERT_EQ(call(0x06, 0x24, {0x44, 0x01, 0x00, 0x00, 20, 0x00}), (Bytes{0x00}));
    ASSERT_EQ(call(0x06, 0x22), (Bytes{0x00}));
    advanceBy(1500ms);
    EXPECT_EQ(getWatchdog()[7], 5);
    ASSERT_EQ(call(0x06, 0x22), (Bytes{0x00}));
    EXPECT_EQ(getWatchdog()[7], 20);
    // Don't-stop set: a running timer takes the new countdown and keeps going.
    ASSERT_EQ(call(0x06, 0x24, {0x44, 0x01, 0x00, 0x00, 30, 0x00}), (Bytes{0x00}));
    advanceBy(500ms);
    EXPECT_EQ(getWatchdog()[7], 25);
    EXPECT_EQ(getWatchdog()[1] & 0x40, 0x40);
    // Don't-stop clear: the timer stops.
    ASSERT_EQ(call(0x06, 0x24, {0x04, 0x01, 0x00, 0x00, 30, 0x00}), (Bytes{0x00}));
    advanceBy(5000ms);
    EXPECT_EQ(getWatchdog()[1] & 0x40, 0x00);
    EXPECT_EQ(bmc_.chassisResets(), 0U);
}

TEST_F(WatchdogTest, PowerDownPowerCycleAndDontLog)
{
    std::uint16_t selBefore = selCount();
    // Don't log + power cycle, 1 s.
    ASSERT_EQ(call(0x06, 0x24, {0x84, 0x03, 0x00, 0x00, 10, 0x00}), (Bytes{0x00}));
    ASSERT_EQ(call(0x06, 0x22), (Bytes{0x00}));
    advanceBy(1000ms);
    EXPECT_FALSE(bmc_.chassisPowerOn());
    EXPECT_EQ(selCount(), selBefore);
    advanceBy(1000ms); // the default power cycle interval
    EXPECT_TRUE(bmc_.chassisPowerOn());

    // Power down; logged this time (don't-log lasted one expiration).
    ASSERT_EQ(call(0x06, 0x24, {0x03, 0x02, 0x00, 0x00, 10, 0x00}), (Bytes{0x00}));
    ASSERT_EQ(call(0x06, 0x22), (Bytes{0x00}));
    advanceBy(1000ms);
    EXPECT_FALSE(bmc_.chassisPowerOn());
    EXPECT_EQ(selCount(), selBefore + 1);
    Bytes rec = lastSel();
    EXPECT_EQ(rec[13], 0xC2);          // power down
    EXPECT_EQ(rec[14], 0x03);          // OS load, no interrupt
    EXPECT_EQ(getWatchdog()[4], 0x18); // SMS/OS from the first expiry, OS load now
}

TEST_F(WatchdogTest, ActionNoneLogsExpiry)
{
    ASSERT_EQ(call(0x06, 0x24, {0x01, 0x00, 0x00, 0x00, 3, 0x00}), (Bytes{0x00}));
    ASSERT_EQ(call(0x06, 0x22), (Bytes{0x00}));
    advanceBy(10s); // one long jump gives the same result as small steps
    EXPECT_TRUE(bmc_.chassisPowerOn());
    EXPECT_EQ(lastSel()[13], 0xC0);
    EXPECT_EQ(getWatchdog()[4], 0x02); // BIOS FRB2 expiration flag
}

} // namespace
} // namespace ipmi::sim::testing
