// IPMB/LAN requests through the sequence table: matching responses, the
// immediate Send Message answer, retries, the synthesized 0xC3 on expiry with
// the 1-s timer granularity, broadcasts, the 64-slot limit, late responses,
// and close dropping what is outstanding.
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>

namespace ipmi::core::testing {
namespace {

class SequenceTest : public CoreTest
{
  protected:
    // A Get Message reply answering seq from 0x52 on channel 0 (our LUN 2).
    Bytes ipmbAnswer(unsigned seq, std::uint8_t cmd = 0x01, Bytes payload = {0x00, 0x99}, std::uint8_t sa = 0x52,
                     std::uint8_t lun = 0)
    {
        return getMessageIpmb(0x00, (0x07 << 2) | 2, sa, static_cast<std::uint8_t>((seq << 2) | lun), cmd, payload);
    }
    std::uint64_t stat(Stat s) { return mh->interfaceStatus(ifnum)->stats[static_cast<std::size_t>(s)]; }
};

TEST_F(SequenceTest, IpmbResponseIsMatchedAndDelivered)
{
    auto f = open();
    const unsigned seq = sendIpmbAcked(*f, 0x77);
    EXPECT_FALSE(f->readable());
    bmc->receive(ipmbAnswer(seq));
    const auto r = receive(*f);
    EXPECT_EQ(r.rv, 0);
    EXPECT_EQ(r.recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(r.addr, (Bytes{0x01, 0, 0, 0, 0x00, 0, 0x52, 0x00}));
    EXPECT_EQ(r.msgid, 0x77);
    EXPECT_EQ(r.netfn, 0x07);
    EXPECT_EQ(r.cmd, 0x01);
    EXPECT_EQ(r.data, (Bytes{0x00, 0x99}));
    EXPECT_EQ(mh->interfaceStatus(ifnum)->outstandingRequests, 0);
    // the same answer again is late: dropped
    bmc->receive(ipmbAnswer(seq));
    EXPECT_FALSE(f->readable());
    EXPECT_EQ(stat(Stat::UnhandledIpmbResponses), 1U);
    // the next request takes the next slot; the old number no longer matches
    const unsigned seq2 = sendIpmbAcked(*f, 0x78);
    EXPECT_EQ(seq2, (seq + 1) % 64);
    bmc->receive(ipmbAnswer(seq));
    EXPECT_FALSE(f->readable());
    bmc->receive(ipmbAnswer(seq2));
    EXPECT_EQ(receive(*f).msgid, 0x78);
}

TEST_F(SequenceTest, MismatchedAnswersAreDropped)
{
    auto f = open();
    const unsigned seq = sendIpmbAcked(*f, 1);
    bmc->receive(ipmbAnswer(seq, 0x02));               // other cmd
    bmc->receive(ipmbAnswer(seq, 0x01, {0}, 0x54));    // other slave
    bmc->receive(ipmbAnswer(seq, 0x01, {0}, 0x52, 1)); // other LUN
    bmc->receive(ipmbAnswer((seq + 1) % 64));          // other seq
    Bytes shortMsg{0x1C, 0x33, 0x00, 0x00, 0x1E, 0x00, 0x52, 0x00, 0x01, 0x00};
    bmc->receive(shortMsg); // < 11 bytes
    Bytes failed = ipmbAnswer(seq);
    failed[2] = 0x80; // Get Message failed
    bmc->receive(failed);
    EXPECT_FALSE(f->readable());
    EXPECT_EQ(stat(Stat::InvalidIpmbResponses), 1U);
    bmc->receive(ipmbAnswer(seq));
    EXPECT_EQ(receive(*f).msgid, 1);
}

TEST_F(SequenceTest, DefaultTimeoutIsTenSecondsWithFourRetries)
{
    auto f = open();
    const auto t0 = loop.now();
    sendIpmbAcked(*f, 5);
    std::vector<Clock::duration> resends;
    while (!f->readable() && loop.now() - t0 < std::chrono::seconds(20)) {
        loop.advance(milliseconds(100));
        if (bmc->pending()) {
            resends.push_back(loop.now() - t0);
            bmc->respondCc(0x00);
        }
    }
    EXPECT_EQ(resends, (std::vector<Clock::duration>{milliseconds(2000), milliseconds(4000), milliseconds(6000),
                                                     milliseconds(8000)}));
    EXPECT_EQ(loop.now() - t0, milliseconds(10000));
    const auto r = receive(*f);
    EXPECT_EQ(r.msgid, 5);
    EXPECT_EQ(r.netfn, 0x07);
    EXPECT_EQ(r.cmd, 0x01);
    EXPECT_EQ(r.data, (Bytes{0xC3}));
    EXPECT_EQ(r.addr, (Bytes{0x01, 0, 0, 0, 0x00, 0, 0x52, 0x00}));
    EXPECT_EQ(stat(Stat::RetransmittedIpmbCommands), 4U);
    EXPECT_EQ(stat(Stat::TimedOutIpmbCommands), 1U);
    // the retransmissions are the original frame
    const auto& reqs = bmc->requests();
    EXPECT_EQ(reqs[0], reqs[4]);
}

TEST_F(SequenceTest, RetryTimeRunsOnTheOneSecondTick)
{
    auto f = open();
    // Something else keeps the 1-s tick running, 500 ms out of phase.
    auto other = open();
    sendIpmbAcked(*other, 1000, 0x60);
    loop.advance(milliseconds(500));
    const auto t0 = loop.now();
    EXPECT_EQ(sendSettime(*f, ipmbAddr(0, 0x52), 6, 0x06, 0x01, 0, 1000), 0);
    bmc->respondCc(0x00);
    loop.advance(milliseconds(499));
    EXPECT_FALSE(f->readable());
    loop.advance(milliseconds(1));
    EXPECT_TRUE(f->readable());
    EXPECT_EQ(loop.now() - t0, milliseconds(500)); // 1000 ms expires after 0.5 s
    EXPECT_EQ(receive(*f).data, (Bytes{0xC3}));
}

TEST_F(SequenceTest, SettimeAndTimingParmsSetRetriesAndTime)
{
    auto f = open();
    ipmi_timing_parms parms{};
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_TIMING_PARMS_CMD, &parms), 0);
    EXPECT_EQ(parms.retries, -1);
    EXPECT_EQ(parms.retry_time_ms, 0U);
    parms = ipmi_timing_parms{1, 3000};
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_TIMING_PARMS_CMD, &parms), 0);
    ipmi_timing_parms back{};
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_TIMING_PARMS_CMD, &back), 0);
    EXPECT_EQ(back.retries, 1);
    EXPECT_EQ(back.retry_time_ms, 3000U);
    const auto t0 = loop.now();
    sendIpmbAcked(*f, 1);
    loop.advance(milliseconds(3000));
    ASSERT_TRUE(bmc->pending());
    bmc->respondCc(0);
    loop.advance(milliseconds(2999));
    EXPECT_FALSE(f->readable());
    loop.advance(milliseconds(1));
    EXPECT_TRUE(f->readable());
    EXPECT_EQ(loop.now() - t0, milliseconds(6000));
    // SETTIME overrides for one message only
    receive(*f);
    const auto t1 = loop.now();
    EXPECT_EQ(sendSettime(*f, ipmbAddr(0, 0x52), 2, 0x06, 0x01, 0, 2000), 0);
    bmc->respondCc(0);
    loop.advance(milliseconds(2000));
    EXPECT_TRUE(f->readable());
    EXPECT_EQ(loop.now() - t1, milliseconds(2000));
}

TEST_F(SequenceTest, SendMessageErrorsCompleteAtOnceUnlessRetryable)
{
    auto f = open();
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 8, 0x06, 0x01), 0);
    bmc->respondCc(0xD5);
    auto r = receive(*f);
    EXPECT_EQ(r.msgid, 8);
    EXPECT_EQ(r.netfn, 0x07);
    EXPECT_EQ(r.data, (Bytes{0xD5}));
    EXPECT_EQ(mh->interfaceStatus(ifnum)->outstandingRequests, 0);
    // 0xC0/0x81/0x82/0x83: the timer runs and the request is retried
    for (const std::uint8_t cc : {0xC0, 0x81, 0x82, 0x83}) {
        EXPECT_EQ(sendSettime(*f, ipmbAddr(0, 0x52), cc, 0x06, 0x01, 0, 1000), 0);
        bmc->respondCc(cc);
        EXPECT_FALSE(f->readable());
        loop.advance(milliseconds(1000));
        r = receive(*f);
        EXPECT_EQ(r.msgid, cc);
        EXPECT_EQ(r.data, (Bytes{0xC3}));
    }
}

TEST_F(SequenceTest, WithoutTheSendMessageAnswerTheSlotWaitsSixtySeconds)
{
    auto f = open();
    EXPECT_EQ(sendSettime(*f, ipmbAddr(0, 0x52), 1, 0x06, 0x01, 0, 1000), 0);
    loop.advance(milliseconds(59000));
    EXPECT_FALSE(f->readable());
    loop.advance(milliseconds(1000));
    EXPECT_EQ(receive(*f).data, (Bytes{0xC3}));
}

TEST_F(SequenceTest, BroadcastIsNotRetriedAndAnswersAsIpmb)
{
    auto f = open();
    const auto bcast = ipmbAddr(0, 0x52, 0, IPMI_IPMB_BROADCAST_ADDR_TYPE);
    EXPECT_EQ(send(*f, bcast, 3, 0x06, 0x01), 0);
    const Bytes frame = *bmc->pending();
    EXPECT_EQ(frame[3], 0x00); // the broadcast zero
    EXPECT_EQ(frame[4], 0x52);
    const unsigned seq = frame[8] >> 2;
    bmc->respondCc(0);
    bmc->receive(ipmbAnswer(seq));
    auto r = receive(*f);
    EXPECT_EQ(r.addr[0], 0x01); // type 0x01, not 0x41
    EXPECT_EQ(r.msgid, 3);
    // unanswered: one try only, timeout after the 2 s default
    EXPECT_EQ(send(*f, bcast, 4, 0x06, 0x01), 0);
    bmc->respondCc(0);
    loop.advance(milliseconds(2000));
    r = receive(*f);
    EXPECT_EQ(r.data, (Bytes{0xC3}));
    EXPECT_EQ(r.addr[0], 0x01);
    EXPECT_EQ(sendMessages(), 2U);
    EXPECT_EQ(stat(Stat::TimedOutIpmbBroadcasts), 1U);
    EXPECT_EQ(stat(Stat::TimedOutIpmbCommands), 0U);
}

TEST_F(SequenceTest, SixtyFourOutstandingThenEagainReleasedOnClose)
{
    auto f = open();
    auto g = open();
    for (int i = 0; i < 64; ++i) {
        EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), i, 0x06, 0x01), 0) << i;
        bmc->respondCc(0);
    }
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 64, 0x06, 0x01), -EAGAIN);
    EXPECT_EQ(send(*g, lanAddr(1, 1, 0x81, 0x20), 64, 0x06, 0x01), -EAGAIN);
    // system-interface requests do not need a slot
    EXPECT_EQ(send(*g, siAddr(), 1, 0x06, 0x01), 0);
    bmc->respondCc(0);
    EXPECT_EQ(mh->interfaceStatus(ifnum)->outstandingRequests, 64);
    // close drops them silently
    const auto sent = bmc->requests().size();
    f.reset();
    EXPECT_EQ(mh->interfaceStatus(ifnum)->outstandingRequests, 0);
    EXPECT_EQ(send(*g, ipmbAddr(0, 0x52), 2, 0x06, 0x01), 0);
    bmc->respondCc(0);
    loop.advance(milliseconds(30000));
    // g's request and one unacknowledged retry (then the 60-s wait); none of
    // f's 64 dropped requests is retried
    EXPECT_EQ(bmc->requests().size(), sent + 2);
}

TEST_F(SequenceTest, LateAnswerAfterCloseIsDropped)
{
    auto f = open();
    const unsigned seq = sendIpmbAcked(*f, 1);
    auto g = open();
    f.reset();
    bmc->receive(ipmbAnswer(seq));
    EXPECT_FALSE(g->readable());
    // and a system-interface response for a closed file
    auto h = open();
    EXPECT_EQ(send(*h, siAddr(), 1, 0x06, 0x01), 0);
    h.reset();
    bmc->respondCc(0);
    EXPECT_FALSE(g->readable());
    EXPECT_EQ(stat(Stat::UnhandledLocalResponses), 1U);
}

TEST_F(SequenceTest, LanResponseIsMatchedOnEveryAddressField)
{
    auto f = open();
    const auto to = lanAddr(1, 0x05, 0x81, 0x20, 4, 0);
    EXPECT_EQ(send(*f, to, 0x55, 0x06, 0x01), 0);
    const unsigned seq = (*bmc->pending())[8] >> 2;
    bmc->respondCc(0);
    // [0x1C 0x33 cc chan|priv<<4][session][localSWID][netfn/lun][chk][remoteSWID][seq/lun][cmd][data][chk]
    Bytes answer{0x1C, 0x33, 0x00, 0x41, 0x05, 0x20, 0x1C, 0x00, 0x81, static_cast<std::uint8_t>(seq << 2),
                 0x01, 0x00, 0x42, 0x00};
    const Bytes wrongSession{0x1C, 0x33, 0x00, 0x41, 0x06, 0x20, 0x1C, 0x00, 0x81, static_cast<std::uint8_t>(seq << 2),
                             0x01, 0x00, 0x42, 0x00};
    bmc->receive(wrongSession);
    EXPECT_FALSE(f->readable());
    bmc->receive(answer);
    const auto r = receive(*f);
    EXPECT_EQ(r.rv, 0);
    EXPECT_EQ(r.msgid, 0x55);
    EXPECT_EQ(r.addrLen, 12U);
    // The trailing padding byte is the caller's, kept as the kernel keeps it.
    const std::uint8_t pad = reinterpret_cast<const std::uint8_t*>(&to)[11];
    EXPECT_EQ(r.addr, (Bytes{0x04, 0, 0, 0, 0x01, 0, 0x04, 0x05, 0x81, 0x20, 0x00, pad}));
    EXPECT_EQ(r.data, (Bytes{0x00, 0x42}));
}

TEST_F(SequenceTest, HighPriorityRequestsGoFirst)
{
    struct Sink : UserHandler
    {
        void onMessage(ReceivedMessage msg) override { got.push_back(msg.msgid); }
        std::vector<long> got;
    } sink;
    auto user = mh->createUser(ifnum, sink);
    ASSERT_TRUE(user);
    auto f = open();
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x01), 0); // in flight
    EXPECT_EQ(send(*f, siAddr(), 2, 0x06, 0x02), 0); // queued normal
    RequestOptions hp;
    hp.highPriority = true;
    const Bytes none;
    EXPECT_EQ(user.value->request(systemInterfaceAddress(0), 3, 0x06, 0x22, none, hp), 0);
    bmc->respondCc(0);
    EXPECT_EQ((*bmc->pending())[1], 0x22);
    bmc->respondCc(0);
    EXPECT_EQ((*bmc->pending())[1], 0x02);
    bmc->respondCc(0);
    EXPECT_EQ(sink.got, (std::vector<long>{3}));
}

} // namespace
} // namespace ipmi::core::testing
