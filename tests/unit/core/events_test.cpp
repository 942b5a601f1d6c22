// Events: the 25-event backlog handed to the first listener, copies to every
// listener afterwards, the 1-s event polling while anyone listens, and the
// wire format (netfn 0x07 cmd 0x35 msgid 0, 16 bytes, no completion code).
#include "tests/unit/core/core_fixture.hpp"

namespace ipmi::core::testing {
namespace {

class EventsTest : public CoreTest
{
  protected:
    IoctlResult setEvents(IpmiFile& f, int on) { return ioctl(f, IPMICTL_SET_GETS_EVENTS_CMD, &on); }
};

TEST_F(EventsTest, EventFormat)
{
    auto f = open();
    EXPECT_EQ(setEvents(*f, 1), 0);
    bmc->receive(eventMessage(0x40));
    const auto r = receive(*f);
    EXPECT_EQ(r.rv, 0);
    EXPECT_EQ(r.recvType, IPMI_ASYNC_EVENT_RECV_TYPE);
    EXPECT_EQ(r.msgid, 0);
    EXPECT_EQ(r.netfn, 0x07);
    EXPECT_EQ(r.cmd, 0x35);
    EXPECT_EQ(r.addr, (Bytes{0x0C, 0, 0, 0, 0x0F, 0, 0x00, 0}));
    ASSERT_EQ(r.data.size(), 16U);
    EXPECT_EQ(r.data[0], 0x40);
    EXPECT_EQ(r.data[15], 0x4F);
}

TEST_F(EventsTest, ShortOrFailedEventsAreDropped)
{
    auto f = open();
    EXPECT_EQ(setEvents(*f, 1), 0);
    Bytes shortEvent = eventMessage(0);
    shortEvent.pop_back();
    bmc->receive(shortEvent);
    Bytes failed = eventMessage(0);
    failed[2] = 0x80;
    bmc->receive(failed);
    EXPECT_FALSE(f->readable());
    EXPECT_EQ(mh->interfaceStatus(ifnum)->stats[static_cast<std::size_t>(Stat::InvalidEvents)], 1U);
}

TEST_F(EventsTest, BacklogOfTwentyFiveGoesToTheFirstListener)
{
    auto f = open();
    auto g = open();
    for (std::uint8_t i = 0; i < 30; ++i) {
        bmc->receive(eventMessage(i));
    }
    EXPECT_EQ(mh->interfaceStatus(ifnum)->waitingEvents, 25);
    EXPECT_EQ(setEvents(*f, 1), 0);
    EXPECT_EQ(mh->interfaceStatus(ifnum)->waitingEvents, 0);
    for (std::uint8_t i = 0; i < 25; ++i) {
        const auto r = receive(*f);
        ASSERT_EQ(r.rv, 0);
        EXPECT_EQ(r.data[0], i); // the first 25, in order
    }
    EXPECT_FALSE(f->readable());
    // the second listener gets no backlog, but a copy of each new event
    EXPECT_EQ(setEvents(*g, 1), 0);
    EXPECT_FALSE(g->readable());
    bmc->receive(eventMessage(0x80));
    EXPECT_EQ(receive(*f).data[0], 0x80);
    EXPECT_EQ(receive(*g).data[0], 0x80);
    // turning it off stops the copies
    EXPECT_EQ(setEvents(*g, 0), 0);
    bmc->receive(eventMessage(0x90));
    EXPECT_FALSE(g->readable());
    EXPECT_EQ(receive(*f).data[0], 0x90);
}

TEST_F(EventsTest, AnEventBeforeTheFirstReplyLooksLikeIt)
{
    // ipmitool's trap: events on, msgid 0, an event queued before the reply.
    auto f = open();
    bmc->receive(eventMessage(1));
    EXPECT_EQ(setEvents(*f, 1), 0);
    EXPECT_EQ(send(*f, siAddr(), 0, 0x06, 0x01), 0);
    bmc->respondCc(0);
    const auto first = receive(*f);
    EXPECT_EQ(first.msgid, 0);
    EXPECT_EQ(first.recvType, IPMI_ASYNC_EVENT_RECV_TYPE);
    EXPECT_EQ(receive(*f).recvType, IPMI_RESPONSE_RECV_TYPE);
}

TEST_F(EventsTest, EventsArePolledEverySecondWhileAnyoneListens)
{
    auto f = open();
    EXPECT_EQ(bmc->eventRequests(), 0);
    EXPECT_EQ(setEvents(*f, 1), 0);
    loop.advance(milliseconds(999));
    EXPECT_EQ(bmc->eventRequests(), 0);
    loop.advance(milliseconds(1));
    EXPECT_EQ(bmc->eventRequests(), 1);
    loop.advance(milliseconds(3000));
    EXPECT_EQ(bmc->eventRequests(), 4);
    EXPECT_EQ(setEvents(*f, 0), 0);
    loop.advance(milliseconds(5000));
    EXPECT_EQ(bmc->eventRequests(), 4);
    EXPECT_EQ(loop.pendingTimers(), 0U);
    // closing a listener counts too
    EXPECT_EQ(setEvents(*f, 1), 0);
    f.reset();
    loop.advance(milliseconds(5000));
    EXPECT_EQ(bmc->eventRequests(), 4);
    EXPECT_EQ(mh->interfaceStatus(ifnum)->eventUsers, 0);
}

TEST_F(EventsTest, EventArgumentFaultChangesNothing)
{
    auto f = open();
    int on = 1;
    mem.addFault(&on, sizeof(on), Copy::Unfetched);
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_GETS_EVENTS_CMD, &on), Copy::Unfetched);
    EXPECT_EQ(mh->interfaceStatus(ifnum)->eventUsers, 0);
}

} // namespace
} // namespace ipmi::core::testing
