// The simulated BMC's faults as a client of /dev/ipmi0 meets them: the
// message handler over our real drivers (the KCS, BT and SMIC state
// machines on the register models, SSIF on the SMBus target), on simulated
// time. For each fault, what the client waiting when it hits is answered
// (the completion code the kernel's drivers and message handler make),
// within which bound (the kernel's timeouts and retries), and that the next
// request is answered 0x00 with nothing done to the interface (it recovers
// by itself).
#include "daemon/backends/si_factory.hpp"
#include "daemon/backends/ssif_factory.hpp"
#include "daemon/fault_commands.hpp"
#include "sim/bmc.hpp"
#include "sim/fault_injector.hpp"
#include "tests/unit/core/core_fixture.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <variant>

namespace ipmi::daemon {
namespace {

using core::testing::Received;
using namespace std::chrono_literals;

enum class Wire : std::uint8_t
{
    Kcs,
    Bt,
    Smic,
    Ssif,
};

std::string wireName(Wire wire)
{
    switch (wire) {
    case Wire::Kcs:
        return "kcs";
    case Wire::Bt:
        return "bt";
    case Wire::Smic:
        return "smic";
    case Wire::Ssif:
        return "ssif";
    }
    return "unknown";
}

// Completion codes the kernel makes up.
constexpr std::uint8_t kNodeBusy = 0xC0;
constexpr std::uint8_t kTimeout = 0xC3;
constexpr std::uint8_t kTruncated = 0xC6;
constexpr std::uint8_t kUnspecified = 0xFF;

// Get Device ID's answer from the built-in BMC: cc and 15 bytes.
constexpr std::size_t kDeviceIdData = 16;

struct Answer
{
    Received received;
    core::Clock::duration took{};

    [[nodiscard]] std::uint8_t cc() const { return received.data.empty() ? 0 : received.data[0]; }
};

class SimFaults : public core::testing::CoreTest, public ::testing::WithParamInterface<Wire>
{
  protected:
    static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }

    ~SimFaults() override
    {
        // The interface reaches the BMC, a member of this class: both go
        // before the base's loop.
        file.reset();
        mh.reset();
    }

    void SetUp() override
    {
        mh = std::make_unique<core::MessageHandler>(loop, core::MessageHandlerParams{});
        ifnum = mh->addInterface(GetParam() == Wire::Ssif ? makeSimulatedSsif(loop, bmc)
                                                          : makeSimulatedSi(loop, bmc, siType()));
        loop.advance(1s); // start-up: device id, global enables, (BT) capabilities
        file = open();
    }

    [[nodiscard]] si::SiType siType() const
    {
        switch (GetParam()) {
        case Wire::Bt:
            return si::SiType::Bt;
        case Wire::Smic:
            return si::SiType::Smic;
        case Wire::Kcs:
        case Wire::Ssif:
            break;
        }
        return si::SiType::Kcs;
    }

    static sim::BmcConfig config(Wire wire)
    {
        auto c = sim::BmcConfig::defaults();
        c.systemInterface = wire == Wire::Ssif   ? sim::SystemInterfaceType::Ssif
                            : wire == Wire::Bt   ? sim::SystemInterfaceType::Bt
                            : wire == Wire::Smic ? sim::SystemInterfaceType::Smic
                                                 : sim::SystemInterfaceType::Kcs;
        return c;
    }

    // `ipmi-cuse control fault ARGS`, as the daemon applies it.
    void fault(std::string_view args)
    {
        auto command = parseFaultCommand(args);
        ASSERT_TRUE(std::holds_alternative<FaultCommand>(command)) << std::get<std::string>(command);
        (void)applyFaultCommand(std::get<FaultCommand>(command), bmc, loop.now());
    }

    // Sends Get Device ID and lets simulated time run, 1 ms at a time,
    // until the answer comes; fails the test if none comes within `limit`.
    Answer getDeviceId(core::Clock::duration limit = 70s)
    {
        const auto start = loop.now();
        EXPECT_EQ(send(*file, core::testing::siAddr(), ++msgid_, 0x06, 0x01), 0);
        Answer a;
        while (loop.now() - start <= limit) {
            a.received = receive(*file);
            if (a.received.rv == 0) {
                a.took = loop.now() - start;
                EXPECT_EQ(a.received.msgid, msgid_);
                EXPECT_EQ(a.received.netfn, 0x07);
                EXPECT_EQ(a.received.cmd, 0x01);
                return a;
            }
            loop.advance(1ms);
        }
        ADD_FAILURE() << "no answer within " << std::chrono::duration_cast<std::chrono::seconds>(limit).count() << " s";
        return a;
    }

    // The next request is answered in full at once: the interface recovered.
    void expectRecovered()
    {
        const Answer a = getDeviceId(1s);
        EXPECT_EQ(a.cc(), 0x00);
        EXPECT_EQ(a.received.data.size(), kDeviceIdData);
        EXPECT_LT(a.took, 50ms);
    }

    sim::Bmc bmc{config(GetParam()), loop.now()};
    std::unique_ptr<core::IpmiFile> file;

  private:
    long msgid_ = 0;
};

// The kernel's SSIF read budget: 250 reads 60 ms apart, the first 5 ms
// after the write (14.945 s); ours reads until 15 s have passed.
constexpr auto kSsifReadBudgetLow = 14900ms;
constexpr auto kSsifReadBudgetHigh = 15100ms;

// Between `low` and `high`, inclusive, as "took X ms" on failure.
::testing::AssertionResult tookBetween(const Answer& a, core::Clock::duration low, core::Clock::duration high)
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(a.took).count();
    if (a.took >= low && a.took <= high) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "answered after " << ms << " ms";
}

// A BMC reset in the middle of the transfer. KCS (the kernel's "not in
// write state") and SMIC (a READY status where WR_NEXT was due) restart the
// request at once; BT waits out its request-to-response time (5 s, from Get
// BT Interface Capabilities) for a response that never comes and sends it
// again; SSIF wrote its request before the reset and reads for its whole
// read budget (the kernel's 250 reads 60 ms apart) before giving up: 0xFF.
TEST_P(SimFaults, ResetInTheMiddleOfATransfer)
{
    fault("set reset");
    const Answer a = getDeviceId();
    switch (GetParam()) {
    case Wire::Kcs:
    case Wire::Smic:
        EXPECT_EQ(a.cc(), 0x00);
        EXPECT_EQ(a.received.data.size(), kDeviceIdData);
        EXPECT_TRUE(tookBetween(a, 0ms, 50ms));
        break;
    case Wire::Bt:
        EXPECT_EQ(a.cc(), 0x00);
        EXPECT_EQ(a.received.data.size(), kDeviceIdData);
        EXPECT_TRUE(tookBetween(a, 5s, 5s + 100ms));
        break;
    case Wire::Ssif:
        EXPECT_EQ(a.cc(), kUnspecified);
        EXPECT_EQ(a.received.data.size(), 1U);
        EXPECT_TRUE(tookBetween(a, kSsifReadBudgetLow, kSsifReadBudgetHigh));
        break;
    }
    EXPECT_EQ(bmc.faults().counters().transferResets, 1U);
    EXPECT_FALSE(bmc.faults().transferResetPending());
    expectRecovered();
}

// Busy for less than any timeout: the SI interfaces wait it out and are
// answered; an SSIF BMC that NAKs its writes is given up after the
// kernel's 5 tries 60 ms apart: 0xFF.
TEST_P(SimFaults, BusyForLessThanTheTimeouts)
{
    fault("set busy 1500ms");
    const Answer a = getDeviceId();
    if (GetParam() == Wire::Ssif) {
        EXPECT_EQ(a.cc(), kUnspecified);
        EXPECT_TRUE(tookBetween(a, 240ms, 360ms));
    } else {
        EXPECT_EQ(a.cc(), 0x00);
        EXPECT_EQ(a.received.data.size(), kDeviceIdData);
        EXPECT_TRUE(tookBetween(a, 1500ms, 1600ms));
    }
    loop.advance(1500ms);
    expectRecovered();
}

// An answer cut to netfn and cmd. KCS and SMIC make it 3 bytes with 0xFF;
// BT's frame is too short for a completion code: 0xC6 (truncated); SSIF
// passes the 2 bytes up and the caller gets no data at all.
TEST_P(SimFaults, AnswerCutShort)
{
    fault("set length -16 1");
    const Answer a = getDeviceId();
    EXPECT_TRUE(tookBetween(a, 0ms, 50ms));
    switch (GetParam()) {
    case Wire::Kcs:
    case Wire::Smic:
        EXPECT_EQ(a.received.data, (core::testing::Bytes{kUnspecified}));
        break;
    case Wire::Bt:
        EXPECT_EQ(a.received.data, (core::testing::Bytes{kTruncated}));
        break;
    case Wire::Ssif:
        EXPECT_TRUE(a.received.data.empty());
        break;
    }
    EXPECT_EQ(bmc.faults().counters().wrongLengths, 1U);
    expectRecovered();
}

// Padded answers: a few bytes more go through as they are; past what the
// interface holds, KCS keeps 272 bytes and SMIC 80, with 0xC6; BT's BMC
// cuts it to its 64-byte output buffer with 0xC6 itself; an SSIF BMC sends
// at most its maximum output size (255).
TEST_P(SimFaults, AnswerPadded)
{
    fault("set length +4 1");
    const Answer longer = getDeviceId();
    EXPECT_EQ(longer.cc(), 0x00);
    ASSERT_EQ(longer.received.data.size(), kDeviceIdData + 4);
    EXPECT_EQ(core::testing::Bytes(longer.received.data.end() - 4, longer.received.data.end()),
              (core::testing::Bytes{0, 0, 0, 0}));

    fault("set length 300 1");
    const Answer a = getDeviceId();
    EXPECT_TRUE(tookBetween(a, 0ms, 50ms));
    switch (GetParam()) {
    case Wire::Kcs:
        EXPECT_EQ(a.cc(), kTruncated);
        EXPECT_EQ(a.received.data.size(), 272U - 2);
        break;
    case Wire::Smic:
        EXPECT_EQ(a.cc(), kTruncated);
        EXPECT_EQ(a.received.data.size(), 80U - 2);
        break;
    case Wire::Bt:
        EXPECT_EQ(a.cc(), kTruncated);
        EXPECT_EQ(a.received.data.size(), 64U - 4);
        break;
    case Wire::Ssif:
        EXPECT_EQ(a.cc(), 0x00);
        EXPECT_EQ(a.received.data.size(), 255U - 2);
        break;
    }
    expectRecovered();
}

// Every byte the BMC puts on the wire corrupted. KCS and SMIC read an
// answer to some other command ("BMC returned incorrect response": 0xFF;
// SMIC's WR_END error byte is damaged too and it ends hosed, 0xFF); BT's
// frames fail their sequence check, so it times out twice: 0xC3; SSIF's
// reads fail their PEC and are retried for the whole read budget: 0xFF.
TEST_P(SimFaults, GarbageOnTheWire)
{
    fault("set corrupt 1 0x5a");
    const Answer a = getDeviceId();
    switch (GetParam()) {
    case Wire::Kcs:
    case Wire::Smic:
        EXPECT_EQ(a.cc(), kUnspecified);
        EXPECT_TRUE(tookBetween(a, 0ms, 50ms));
        break;
    case Wire::Bt:
        EXPECT_EQ(a.cc(), kTimeout);
        EXPECT_TRUE(tookBetween(a, 10s, 10s + 100ms));
        break;
    case Wire::Ssif:
        EXPECT_EQ(a.cc(), kUnspecified);
        EXPECT_TRUE(tookBetween(a, kSsifReadBudgetLow, kSsifReadBudgetHigh));
        break;
    }
    EXPECT_EQ(a.received.data.size(), 1U);
    EXPECT_GT(bmc.faults().counters().corruptedBytes, 0U);
    fault("clear corrupt");
    expectRecovered();
}

INSTANTIATE_TEST_SUITE_P(EveryInterface, SimFaults, ::testing::Values(Wire::Kcs, Wire::Bt, Wire::Smic, Wire::Ssif),
                         [](const auto& param) { return wireName(param.param); });

// Busy for a minute: KCS waits 5 s for IBF on each of its 11 tries (the
// first and 10 recoveries) and is hosed, 0xFF; SMIC's 4 tries of 2 s end
// hosed too; BT times out twice with B_BUSY still up: 0xC0 (node busy),
// and refuses with 0xC0 at once until B_BUSY drops. Once the BMC is back,
// the next request is answered.
// (SSIF gives up on a BMC that NAKs its writes within 0.3 s, whatever
// the duration: BusyForLessThanTheTimeouts.)
using SiBusyForAMinute = SimFaults;

TEST_P(SiBusyForAMinute, HosedOrNodeBusyWithinTheKernelsBound)
{
    fault("set busy 60");
    const Answer a = getDeviceId();
    switch (GetParam()) {
    case Wire::Kcs:
        EXPECT_EQ(a.cc(), kUnspecified);
        EXPECT_TRUE(tookBetween(a, 55s, 56s));
        break;
    case Wire::Bt: {
        EXPECT_EQ(a.cc(), kNodeBusy);
        EXPECT_TRUE(tookBetween(a, 10s, 10s + 100ms));
        const Answer during = getDeviceId();
        EXPECT_EQ(during.cc(), kNodeBusy);
        EXPECT_TRUE(tookBetween(during, 0ms, 10ms));
        break;
    }
    case Wire::Smic:
    case Wire::Ssif:
        EXPECT_EQ(a.cc(), kUnspecified);
        EXPECT_TRUE(tookBetween(a, 8s, 8s + 100ms));
        break;
    }
    EXPECT_EQ(a.received.data.size(), 1U);
    loop.advance(60s - a.took);
    expectRecovered();
}

INSTANTIATE_TEST_SUITE_P(SystemInterfaces, SiBusyForAMinute, ::testing::Values(Wire::Kcs, Wire::Bt, Wire::Smic),
                         [](const auto& param) { return wireName(param.param); });

// SSIF: a BMC busy while the host reads its answer. Shorter than the read
// budget, it is waited out and answered; longer, the host gives up at the
// end of the budget (15 s): 0xFF.
using SsifBusyWhileReading = SimFaults;

TEST_P(SsifBusyWhileReading, WaitedOutWithinTheReadBudgetOnly)
{
    fault("set delay 100ms"); // the answer is not ready at the first read
    for (const auto busy : {3s, 20s}) {
        const auto start = loop.now();
        EXPECT_EQ(send(*file, core::testing::siAddr(), 7, 0x06, 0x01), 0);
        loop.advance(10ms); // the request is written
        fault(busy == 3s ? "set busy 3" : "set busy 20");
        Received r;
        while (loop.now() - start < 30s && (r = receive(*file)).rv != 0) {
            loop.advance(1ms);
        }
        ASSERT_EQ(r.rv, 0);
        const Answer a{r, loop.now() - start};
        if (busy == 3s) {
            EXPECT_EQ(a.cc(), 0x00);
            EXPECT_TRUE(tookBetween(a, 3s + 10ms, 3s + 100ms));
        } else {
            EXPECT_EQ(a.cc(), kUnspecified);
            EXPECT_TRUE(tookBetween(a, kSsifReadBudgetLow, kSsifReadBudgetHigh));
            loop.advance(busy);
        }
    }
    fault("clear delay");
    expectRecovered();
}

INSTANTIATE_TEST_SUITE_P(Ssif, SsifBusyWhileReading, ::testing::Values(Wire::Ssif),
                         [](const auto& param) { return wireName(param.param); });

} // namespace
} // namespace ipmi::daemon
