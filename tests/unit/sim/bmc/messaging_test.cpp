// Message flags, the receive queue with IPMB satellites behind Send Message,
// the event message buffer and Platform Event.
#include "bmc_fixture.hpp"

#include <numeric>

namespace ipmi::sim::testing {
namespace {

std::uint8_t checksum(const Bytes& bytes)
{
    return static_cast<std::uint8_t>(0x100 - (std::accumulate(bytes.begin(), bytes.end(), 0U) & 0xFF));
}

// Send Message data for an IPMB request from the host (rqSA 0x20).
Bytes ipmbRequest(std::uint8_t channel, std::uint8_t rsSA, std::uint8_t netfn, std::uint8_t cmd, std::uint8_t seq,
                  Bytes data = {}, bool broadcast = false)
{
    Bytes out{channel};
    if (broadcast) {
        out.push_back(0x00);
    }
    Bytes head{rsSA, static_cast<std::uint8_t>(netfn << 2)};
    out.insert(out.end(), head.begin(), head.end());
    out.push_back(checksum(head));
    Bytes body{0x20, static_cast<std::uint8_t>(seq << 2), cmd};
    body.insert(body.end(), data.begin(), data.end());
    out.insert(out.end(), body.begin(), body.end());
    out.push_back(checksum(body));
    return out;
}

class MessagingTest : public BmcTest
{
  protected:
    MessagingTest() = default;
    explicit MessagingTest(BmcConfig config) : BmcTest(std::move(config)) {}
};

TEST_F(MessagingTest, SatelliteReplyArrivesInGetMessageLayout)
{
    int changes = 0;
    bmc_.setAttentionListener([&changes] { ++changes; });
    EXPECT_EQ(call(0x06, 0x34, ipmbRequest(0x00, 0x2C, 0x06, 0x01, 5)), (Bytes{0x00}));
    EXPECT_FALSE(bmc_.attention());
    ASSERT_TRUE(bmc_.nextDeadline());
    EXPECT_EQ(*bmc_.nextDeadline(), t0 + 5ms);
    advanceBy(5ms);
    EXPECT_TRUE(bmc_.attention());
    EXPECT_EQ(changes, 1);
    EXPECT_EQ(call(0x06, 0x31), (Bytes{0x00, 0x01}));

    Bytes msg = call(0x06, 0x33);
    Bytes body{0x2C, 0x14, 0x01, 0x00, 0x50, 0x01, 0x04, 0x10, 0x02, 0x21,
               0xD9, 0x7E, 0x00, 0x50, 0x0B, 0x00, 0x00, 0x00, 0x00};
    Bytes expected{0x00, 0x00, 0x1C, checksum({0x20, 0x1C})};
    expected.insert(expected.end(), body.begin(), body.end());
    expected.push_back(checksum(body));
    EXPECT_EQ(msg, expected);
    EXPECT_FALSE(bmc_.attention());
    EXPECT_EQ(changes, 2);
    EXPECT_EQ(call(0x06, 0x33), (Bytes{0x80}));
    EXPECT_EQ(call(0x06, 0x31), (Bytes{0x00, 0x00}));
}

TEST_F(MessagingTest, AbsentAddressNeverAnswers)
{
    EXPECT_EQ(call(0x06, 0x34, ipmbRequest(0x00, 0x40, 0x06, 0x01, 1)), (Bytes{0x83}));
    EXPECT_FALSE(bmc_.nextDeadline());
    advanceBy(20s);
    EXPECT_EQ(call(0x06, 0x31), (Bytes{0x00, 0x00}));
    EXPECT_EQ(call(0x06, 0x33), (Bytes{0x80}));
}

TEST_F(MessagingTest, BroadcastSelfAndOtherCommands)
{
    EXPECT_EQ(call(0x06, 0x34, ipmbRequest(0x00, 0x72, 0x06, 0x04, 2, {}, true)), (Bytes{0x00}));
    // The BMC answering an IPMB request to itself.
    EXPECT_EQ(call(0x06, 0x34, ipmbRequest(0x00, 0x20, 0x06, 0x01, 3)), (Bytes{0x00}));
    // A satellite does not know Chassis commands.
    EXPECT_EQ(call(0x06, 0x34, ipmbRequest(0x00, 0x72, 0x00, 0x01, 4)), (Bytes{0x00}));
    advanceBy(10ms);
    // The BMC's own answer comes first (1 ms), then the satellite's two (5 ms).
    Bytes self = call(0x06, 0x33);
    ASSERT_GE(self.size(), 10U);
    EXPECT_EQ(self[4], 0x20);
    EXPECT_EQ(self[6], 0x01);
    EXPECT_EQ(self[7], 0x00);
    EXPECT_EQ(self[8], 0x20); // the BMC's device id
    Bytes selfTest = call(0x06, 0x33);
    // [chan][netfn 0x1C][chk1][0x72][seq 2][cmd 4][cc][0x55 0x00][chk2]
    Bytes selfTestBody{0x72, 0x08, 0x04, 0x00, 0x55, 0x00};
    Bytes expectedSelfTest{0x00, 0x00, 0x1C, checksum({0x20, 0x1C})};
    expectedSelfTest.insert(expectedSelfTest.end(), selfTestBody.begin(), selfTestBody.end());
    expectedSelfTest.push_back(checksum(selfTestBody));
    EXPECT_EQ(selfTest, expectedSelfTest);
    Bytes chassis = call(0x06, 0x33);
    ASSERT_EQ(chassis.size(), 9U);
    EXPECT_EQ(chassis[2], 0x04); // chassis response netfn
    EXPECT_EQ(chassis[7], 0xC1);
}

TEST_F(MessagingTest, SendMessageErrors)
{
    EXPECT_EQ(call(0x06, 0x34, ipmbRequest(0x01, 0x2C, 0x06, 0x01, 1)), (Bytes{0x80})); // LAN: no session
    EXPECT_EQ(call(0x06, 0x34, ipmbRequest(0x05, 0x2C, 0x06, 0x01, 1)), (Bytes{0xCC})); // no such channel
    EXPECT_EQ(call(0x06, 0x34, ipmbRequest(0x0F, 0x2C, 0x06, 0x01, 1)), (Bytes{0xCC})); // system interface
    EXPECT_EQ(call(0x06, 0x34, {0x00, 0x2C, 0x18, 0xBC}), (Bytes{0xC7}));               // frame too short
    EXPECT_EQ(call(0x06, 0x34), (Bytes{0xC7}));                                         // no channel byte
    Bytes bad = ipmbRequest(0x00, 0x2C, 0x06, 0x01, 1);
    bad.back() ^= 0x01;
    EXPECT_EQ(call(0x06, 0x34, bad), (Bytes{0x00})); // on the bus, ignored by the satellite
    advanceBy(1s);
    EXPECT_EQ(call(0x06, 0x31), (Bytes{0x00, 0x00}));
}

class SmallQueueTest : public MessagingTest
{
  protected:
    static BmcConfig smallQueue()
    {
        BmcConfig c = quietDefaults();
        c.receiveQueueCapacity = 2;
        return c;
    }
    SmallQueueTest() : MessagingTest(smallQueue()) {}
};

TEST_F(SmallQueueTest, OverflowDropsNewestAndClearFlushes)
{
    for (std::uint8_t seq = 1; seq <= 3; ++seq) {
        ASSERT_EQ(call(0x06, 0x34, ipmbRequest(0x00, 0x2C, 0x06, 0x04, seq)), (Bytes{0x00}));
    }
    advanceBy(5ms);
    EXPECT_EQ(call(0x06, 0x33)[5], 1 << 2);
    EXPECT_EQ(call(0x06, 0x33)[5], 2 << 2);
    EXPECT_EQ(call(0x06, 0x33), (Bytes{0x80}));

    ASSERT_EQ(call(0x06, 0x34, ipmbRequest(0x00, 0x2C, 0x06, 0x04, 4)), (Bytes{0x00}));
    advanceBy(5ms);
    EXPECT_TRUE(bmc_.attention());
    EXPECT_EQ(call(0x06, 0x30, {0x01}), (Bytes{0x00}));
    EXPECT_FALSE(bmc_.attention());
    EXPECT_EQ(call(0x06, 0x33), (Bytes{0x80}));
}

TEST_F(MessagingTest, PlatformEventIntoSelAndEventBuffer)
{
    Bytes event{0x41, 0x04, 0x12, 0x33, 0x6F, 0x02, 0xAA, 0xBB};
    // Event buffer disabled (default enables 0x08): SEL only, no attention.
    EXPECT_EQ(call(0x04, 0x02, event), (Bytes{0x00}));
    EXPECT_FALSE(bmc_.attention());
    EXPECT_EQ(call(0x06, 0x35), (Bytes{0x80}));
    Bytes last = call(0x0A, 0x43, {0x00, 0x00, 0xFF, 0xFF, 0x00, 0xFF});
    ASSERT_EQ(last.size(), 19U);
    EXPECT_EQ(Bytes(last.begin() + 10, last.end()), (Bytes{0x41, 0x00, 0x04, 0x12, 0x33, 0x6F, 0x02, 0xAA, 0xBB}));

    ASSERT_EQ(call(0x06, 0x2E, {0x0C}), (Bytes{0x00}));
    EXPECT_EQ(call(0x04, 0x02, event), (Bytes{0x00}));
    EXPECT_TRUE(bmc_.attention());
    EXPECT_EQ(call(0x06, 0x31), (Bytes{0x00, 0x02}));
    // A second event finds the one-entry buffer full and is lost to the host.
    Bytes second{0x41, 0x04, 0x12, 0x34, 0x6F, 0x01};
    EXPECT_EQ(call(0x04, 0x02, second), (Bytes{0x00}));
    Bytes buffered = call(0x06, 0x35);
    ASSERT_EQ(buffered.size(), 17U);
    EXPECT_EQ(buffered[3], 0x02); // system event record
    EXPECT_EQ(Bytes(buffered.begin() + 8, buffered.end()),
              (Bytes{0x41, 0x00, 0x04, 0x12, 0x33, 0x6F, 0x02, 0xAA, 0xBB}));
    EXPECT_FALSE(bmc_.attention());
    EXPECT_EQ(call(0x06, 0x35), (Bytes{0x80}));

    // Logging disabled: the SEL does not grow.
    Bytes infoBefore = call(0x0A, 0x40);
    ASSERT_EQ(call(0x06, 0x2E, {0x04}), (Bytes{0x00}));
    EXPECT_EQ(call(0x04, 0x02, event), (Bytes{0x00}));
    EXPECT_EQ(call(0x0A, 0x40)[1], infoBefore[1]);
    EXPECT_EQ(call(0x06, 0x30, {0x02}), (Bytes{0x00}));
    EXPECT_EQ(call(0x06, 0x35), (Bytes{0x80}));

    EXPECT_EQ(ccOf(0x04, 0x02, {0x41, 0x02, 0x12, 0x33, 0x6F, 0x02}), 0xCC); // EvM revision 2
    EXPECT_EQ(ccOf(0x04, 0x02, {0x41, 0x04, 0x12, 0x33, 0x6F}), 0xC7);
}

TEST_F(MessagingTest, EventReceiver)
{
    EXPECT_EQ(call(0x04, 0x01), (Bytes{0x00, 0x20, 0x00}));
    EXPECT_EQ(call(0x04, 0x00, {0xFF, 0x00}), (Bytes{0x00}));
    EXPECT_EQ(call(0x04, 0x01), (Bytes{0x00, 0xFF, 0x00}));
    EXPECT_EQ(ccOf(0x04, 0x00, {0x20}), 0xC7);
}

} // namespace
} // namespace ipmi::sim::testing
