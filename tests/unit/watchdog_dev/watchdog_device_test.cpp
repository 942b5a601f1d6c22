// The Linux watchdog API as ipmi_watchdog implements it: open, ioctls and
// their errno, write and magic close, nowayout, read/poll after a
// pre-timeout, and the asynchronous completion of calls that reach the BMC.
#include "abi/ipmi_commands.hpp"
#include "tests/unit/watchdog_dev/rig.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace ipmi::watchdog::testing {
namespace {

constexpr std::uint8_t kSet = abi::IPMI_SET_WATCHDOG_TIMER_CMD;
constexpr std::uint8_t kReset = abi::IPMI_RESET_WATCHDOG_TIMER_CMD;

TEST(WatchdogDevice, OpenIsExclusiveUntilReleaseCompletes)
{
    Rig rig;
    rig.ready();
    EXPECT_EQ(rig.device.open(), 0);
    EXPECT_EQ(rig.device.open(), -EBUSY);
    rig.port.hold = true;
    bool closed = false;
    rig.device.release([&closed] { closed = true; });
    rig.loop.runPosted();
    // The unexpected-close heartbeat is still with the BMC: still busy.
    EXPECT_FALSE(closed);
    EXPECT_EQ(rig.device.open(), -EBUSY);
    while (rig.port.heldCount() != 0) {
        rig.port.releaseOne();
    }
    EXPECT_TRUE(closed);
    EXPECT_EQ(rig.device.open(), 0);
}

TEST(WatchdogDevice, OpenAloneSendsNothingFirstHeartbeatStartsTheTimer)
{
    Rig rig;
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_TRUE(rig.port.sent.empty());
    EXPECT_EQ(rig.timer.state(), Action::None);

    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet, kReset}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 0, 100));
    EXPECT_TRUE(rig.port.sent[1].data.empty());
    EXPECT_EQ(rig.port.sent[0].netfn, abi::IPMI_NETFN_APP_REQUEST);
    EXPECT_TRUE(rig.port.sent[0].highPriority);
    EXPECT_TRUE(rig.port.sent[1].highPriority);
    EXPECT_EQ(rig.timer.state(), Action::Reset);

    rig.port.sent.clear();
    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, 0);
    EXPECT_EQ(rig.port.commands(), (Bytes{kReset}));
}

TEST(WatchdogDevice, GetSupportReportsTheKernelIdentity)
{
    Rig rig;
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    const auto reply = rig.ioctl(abi::WDIOC_GETSUPPORT);
    ASSERT_EQ(reply.result, 0);
    ASSERT_EQ(reply.out.size(), 40U);
    abi::watchdog_info info{};
    std::memcpy(&info, reply.out.data(), sizeof info);
    EXPECT_EQ(info.options, 0U);
    EXPECT_EQ(info.firmware_version, 1U);
    const Bytes identity(std::begin(info.identity), std::end(info.identity));
    Bytes expected(32, 0);
    expected[0] = 'I';
    expected[1] = 'P';
    expected[2] = 'M';
    expected[3] = 'I';
    EXPECT_EQ(identity, expected);
    EXPECT_TRUE(rig.port.sent.empty());
}

TEST(WatchdogDevice, GetStatusIsZeroAndUnsupportedIoctlsAreEnotty)
{
    Rig rig;
    rig.running();
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETSTATUS), 0);
    for (const auto cmd :
         {abi::WDIOC_GETBOOTSTATUS, abi::WDIOC_GETTEMP, abi::WDIOC_GETTIMELEFT, 0x80045799U, 0xC0186900U}) {
        const auto reply = rig.ioctl(cmd);
        EXPECT_EQ(reply.result, -ENOTTY) << std::hex << cmd;
        EXPECT_TRUE(reply.out.empty());
    }
    EXPECT_TRUE(rig.port.sent.empty());
}

TEST(WatchdogDevice, SetTimeoutStoresWithoutRangeCheckAndIsNotWrittenBack)
{
    Rig rig;
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    // Before the first heartbeat the timer is stopped: a "stopped" Set.
    const auto reply = rig.ioctl(abi::WDIOC_SETTIMEOUT, encodeInt(30));
    EXPECT_EQ(reply.result, 0);
    EXPECT_TRUE(reply.out.empty());
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0, 300));
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETTIMEOUT), 30);

    rig.port.sent.clear();
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETTIMEOUT, -5), 0);
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETTIMEOUT), -5);
    ASSERT_EQ(rig.port.sent.size(), 1U);
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0, 0xFFCEU)); // -50 wrapped
}

TEST(WatchdogDevice, SetTimeoutWhileRunningKeepsItRunningAndIgnoresTheCompletionCode)
{
    Rig rig;
    rig.running();
    rig.port.ccScript[kSet] = {0xC1};
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETTIMEOUT, 60), 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet})); // IPMI 2.0: no Reset needed
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 0, 600));
}

TEST(WatchdogDevice, PretimeoutReachesTheBmcOnlyWhileRunning)
{
    Parameters params;
    params.preaction = PreAction::Int;
    Rig rig(params);
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETPRETIMEOUT, 4), 0);
    EXPECT_EQ(rig.port.sent.back().data, setBytes(0x04, 0x00, 0, 100));
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETPRETIMEOUT), 4);

    rig.port.sent.clear();
    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, 0);
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x31, 4, 100));
    // No range check: 300 reaches the BMC as 300 mod 256.
    rig.port.sent.clear();
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETPRETIMEOUT, 300), 0);
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETPRETIMEOUT), 300);
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x31, 44, 100));
}

TEST(WatchdogDevice, ShortSetArgumentIsEfault)
{
    Rig rig;
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    for (const auto cmd : {abi::WDIOC_SETTIMEOUT, abi::WDIOC_SETPRETIMEOUT, abi::WDIOC_SETOPTIONS}) {
        EXPECT_EQ(rig.ioctl(cmd, Bytes{1, 2}).result, -EFAULT);
    }
    EXPECT_TRUE(rig.port.sent.empty());
}

TEST(WatchdogDevice, SetOptionsDisableStopsAndKeepaliveStaysQuiet)
{
    Rig rig;
    rig.running();
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETOPTIONS, abi::WDIOS_DISABLECARD), 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0, 100));
    rig.port.sent.clear();
    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, 0);
    EXPECT_EQ(rig.write("x"), 1);
    EXPECT_TRUE(rig.port.sent.empty());
}

TEST(WatchdogDevice, DisableBeforeFirstHeartbeatCancelsTheStart)
{
    Rig rig;
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETOPTIONS, abi::WDIOS_DISABLECARD), 0);
    rig.port.sent.clear();
    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, 0);
    EXPECT_TRUE(rig.port.sent.empty());
    EXPECT_EQ(rig.timer.state(), Action::None);
}

TEST(WatchdogDevice, SetOptionsEnableStartsAndAlwaysReturnsZero)
{
    Rig rig;
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    rig.port.ccScript[kReset] = {0xFF};
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETOPTIONS, abi::WDIOS_ENABLECARD), 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet, kReset}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 0, 100));

    rig.port.sent.clear();
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETOPTIONS, abi::WDIOS_DISABLECARD | abi::WDIOS_ENABLECARD), 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet, kSet, kReset}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0, 100));
    EXPECT_EQ(rig.port.sent[1].data, setBytes(0x44, 0x01, 0, 100));

    rig.port.sent.clear();
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETOPTIONS, abi::WDIOS_TEMPPANIC), 0);
    EXPECT_TRUE(rig.port.sent.empty());
}

TEST(WatchdogDevice, WriteHeartbeatsAndReturnsLength)
{
    Rig rig;
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_EQ(rig.write(""), 0);
    EXPECT_TRUE(rig.port.sent.empty());
    EXPECT_EQ(rig.write("abc"), 3);
    EXPECT_EQ(rig.port.commands(), (Bytes{kSet, kReset}));
    rig.port.sent.clear();
    EXPECT_EQ(rig.write("\n"), 1);
    EXPECT_EQ(rig.port.commands(), (Bytes{kReset}));
}

TEST(WatchdogDevice, ResetErrorsBecomeWriteAndKeepaliveErrno)
{
    Rig rig;
    rig.running();
    rig.port.ccScript[kReset] = {0xC0, 0xFF};
    EXPECT_EQ(rig.write("a"), -EINVAL);
    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, -EINVAL);
    rig.port.sendError = -EBUSY;
    EXPECT_EQ(rig.write("a"), -EBUSY);
}

TEST(WatchdogDevice, ResetAnswered0x80ReArmsTheTimer)
{
    Rig rig;
    rig.running();
    rig.port.ccScript[kReset] = {0x80, 0x80};
    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kReset, kSet, kReset, kSet, kReset}));
    EXPECT_EQ(rig.port.sent[1].data, setBytes(0x44, 0x01, 0, 100));
}

TEST(WatchdogDevice, ResetAnswered0x80FourTimesIsEio)
{
    Rig rig;
    rig.running();
    rig.port.ccScript[kReset] = {0x80, 0x80, 0x80, 0x80, 0x00};
    EXPECT_EQ(rig.write("a"), -EIO);
    EXPECT_EQ(rig.port.commands(), (Bytes{kReset, kSet, kReset, kSet, kReset, kSet, kReset}));
}

TEST(WatchdogDevice, MagicCloseStopsTheTimer)
{
    Rig rig;
    rig.running();
    EXPECT_EQ(rig.write("V"), 1);
    rig.port.sent.clear();
    rig.release();
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x00, 0, 100));
    EXPECT_EQ(rig.timer.state(), Action::None);
    EXPECT_FALSE(rig.device.isOpen());
}

TEST(WatchdogDevice, MagicMustBeInTheLastWrite)
{
    Rig rig;
    rig.running();
    EXPECT_EQ(rig.write("xVx"), 3);
    EXPECT_EQ(rig.write("x"), 1);
    rig.port.sent.clear();
    rig.release();
    EXPECT_EQ(rig.port.commands(), (Bytes{kReset})); // unexpected close: one heartbeat
    EXPECT_EQ(rig.timer.state(), Action::Reset);
}

TEST(WatchdogDevice, MagicDoesNotOutliveTheFile)
{
    Rig rig;
    rig.running();
    EXPECT_EQ(rig.write("V"), 1);
    rig.release();
    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_EQ(rig.write("x"), 1); // starts the timer again
    rig.port.sent.clear();
    rig.release();
    EXPECT_EQ(rig.port.commands(), (Bytes{kReset}));
}

TEST(WatchdogDevice, NowayoutIgnoresTheMagic)
{
    Parameters params;
    params.nowayout = true;
    Rig rig(params);
    rig.running();
    EXPECT_EQ(rig.write("V"), 1);
    rig.port.sent.clear();
    rig.release();
    EXPECT_EQ(rig.port.commands(), (Bytes{kReset}));
    EXPECT_EQ(rig.timer.state(), Action::Reset);
}

TEST(WatchdogDevice, UnexpectedCloseWithoutHeartbeatStartsTheTimer)
{
    Rig rig;
    rig.ready();
    ASSERT_EQ(rig.device.open(), 0);
    rig.release();
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet, kReset}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x01, 0, 100));
}

TEST(WatchdogDevice, CallsCompleteOnlyWhenTheBmcAnswersAndInOrder)
{
    Rig rig;
    rig.running();
    rig.port.hold = true;
    std::vector<std::string> order;
    rig.device.ioctl(abi::WDIOC_KEEPALIVE, {},
                     [&order](IoctlReply r) { order.push_back("keepalive " + std::to_string(r.result)); });
    rig.device.ioctl(abi::WDIOC_GETTIMEOUT, {}, [&order](IoctlReply r) {
        order.push_back("gettimeout " + std::to_string(decodeInt(r.out).value_or(-1)));
    });
    rig.loop.runPosted();
    EXPECT_TRUE(order.empty());
    ASSERT_EQ(rig.port.heldCount(), 1U);
    rig.port.releaseOne();
    EXPECT_EQ(order, (std::vector<std::string>{"keepalive 0", "gettimeout 10"}));
}

TEST(WatchdogDevice, ReadAfterPretimeoutWithGiveData)
{
    Parameters params;
    params.preaction = PreAction::Int;
    params.preop = PreOp::GiveData;
    params.pretimeout = 2;
    Rig rig(params);
    rig.running();
    int wakeups = 0;
    rig.device.setReadableListener([&wakeups] { ++wakeups; });

    std::optional<long> rv;
    rig.device.read(1, true, [&rv](long r) { rv = r; });
    EXPECT_EQ(rv, -EAGAIN);
    EXPECT_FALSE(rig.device.readable());

    rig.timer.pretimeout();
    EXPECT_TRUE(rig.device.readable());
    EXPECT_EQ(wakeups, 1);
    rig.timer.pretimeout();
    EXPECT_EQ(wakeups, 1); // already readable: no new edge

    rig.device.read(0, true, [&rv](long r) { rv = r; });
    EXPECT_EQ(rv, 0);
    EXPECT_TRUE(rig.device.readable());
    rig.device.read(16, true, [&rv](long r) { rv = r; });
    EXPECT_EQ(rv, 1);
    EXPECT_EQ(WatchdogDevice::kReadByte, 0x00);
    EXPECT_FALSE(rig.device.readable());
    rig.device.read(16, true, [&rv](long r) { rv = r; });
    EXPECT_EQ(rv, -EAGAIN);
}

TEST(WatchdogDevice, BlockingReadWaitsForThePretimeoutAndCanBeInterrupted)
{
    Parameters params;
    params.preaction = PreAction::Smi;
    params.preop = PreOp::GiveData;
    Rig rig(params);
    rig.running();
    std::optional<long> first;
    std::optional<long> second;
    const auto t1 = rig.device.read(1, false, [&first](long r) { first = r; });
    const auto t2 = rig.device.read(1, false, [&second](long r) { second = r; });
    EXPECT_NE(t1, 0U);
    EXPECT_FALSE(first.has_value());
    rig.timer.pretimeout();
    EXPECT_EQ(first, 1);
    EXPECT_FALSE(second.has_value());
    EXPECT_FALSE(rig.device.readable()); // the waiting reader took it
    rig.device.interruptRead(t1);        // already answered: harmless
    rig.device.interruptRead(t2);
    EXPECT_EQ(second, -EINTR);
}

TEST(WatchdogDevice, NoDataWithoutPreactionOrWithoutGiveData)
{
    for (const auto& [preaction, preop] :
         {std::pair{PreAction::None, PreOp::GiveData}, std::pair{PreAction::Int, PreOp::None}}) {
        Parameters params;
        params.preaction = preaction;
        params.preop = preop;
        Rig rig(params);
        rig.running();
        rig.timer.pretimeout();
        EXPECT_FALSE(rig.device.readable());
    }
}

TEST(WatchdogDevice, HeartbeatAfterPretimeoutResendsTheSettings)
{
    Parameters params;
    params.pretimeout = 3;
    params.preaction = PreAction::Int;
    Rig rig(params);
    rig.running();
    rig.timer.pretimeout();
    EXPECT_EQ(rig.write("x"), 1);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet})); // IPMI 2.0: the Set alone re-arms
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x44, 0x31, 3, 100));
    rig.port.sent.clear();
    EXPECT_EQ(rig.write("x"), 1);
    EXPECT_EQ(rig.port.commands(), (Bytes{kReset}));
}

TEST(WatchdogDevice, Ipmi10BmcGetsAResetAfterEverySetWhileRunning)
{
    Rig rig;
    rig.port.version = IpmiVersion{1, 0};
    rig.running();
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETTIMEOUT, 20), 0);
    ASSERT_EQ(rig.port.commands(), (Bytes{kSet, kReset}));
    EXPECT_EQ(rig.port.sent[0].data, setBytes(0x04, 0x01, 0, 200)); // no "don't stop" bit
}

TEST(WatchdogDevice, UnknownVersionIsTreatedAsIpmi10)
{
    Rig rig;
    rig.port.version.reset();
    rig.running();
    rig.timer.pretimeout();
    EXPECT_EQ(rig.write("x"), 1);
    EXPECT_EQ(rig.port.commands(), (Bytes{kSet, kReset}));
    EXPECT_EQ(rig.port.sent[0].data[0], 0x04);
}

TEST(WatchdogDevice, UnboundWatchdogIsEnodev)
{
    Rig rig;
    ASSERT_EQ(rig.device.open(), 0);
    EXPECT_EQ(rig.ioctl(abi::WDIOC_KEEPALIVE).result, -ENODEV);
    EXPECT_EQ(rig.ioctlInt(abi::WDIOC_SETTIMEOUT, 5), -ENODEV);
    EXPECT_EQ(rig.write("x"), -ENODEV);
    EXPECT_EQ(rig.getInt(abi::WDIOC_GETTIMEOUT), 5);
}

TEST(WatchdogDevice, DetachAnswersTheRequestInFlight)
{
    Rig rig;
    rig.running();
    rig.port.hold = true;
    std::optional<long> rv;
    rig.device.write(Bytes{'x'}, [&rv](long r) { rv = r; });
    rig.loop.runPosted();
    EXPECT_FALSE(rv.has_value());
    rig.timer.detach();
    EXPECT_EQ(rv, -EINVAL); // lost with the interface: as a 0xFF answer
    rig.port.releaseOne();  // a late answer is ignored
    EXPECT_EQ(rig.write("x"), -ENODEV);
}

} // namespace
} // namespace ipmi::watchdog::testing
