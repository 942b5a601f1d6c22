// The shared CUSE session's plain parts, without /dev/cuse: the sysfs
// device number, the registration watch, the iovecs of a retry, when an
// ioctl answer carries data, libfuse's arguments, the read loop's decisions,
// and start() failing cleanly.
#include "cuse/cuse_session.hpp"
#include "tests/unit/cuse/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <cerrno>

namespace ipmi::cuse {
namespace {

using testing::TempDir;
using testing::writeCuseDev;

TEST(CuseSession, ParsesOnlyWholeDeviceNumbers)
{
    EXPECT_EQ(parseDeviceNumber("247:0\n"), (DeviceNumber{247, 0}));
    EXPECT_EQ(parseDeviceNumber("10:130"), (DeviceNumber{10, 130}));
    EXPECT_EQ(parseDeviceNumber("4095:1048575 \n"), (DeviceNumber{4095, 1048575}));
    EXPECT_EQ(parseDeviceNumber(""), std::nullopt);
    EXPECT_EQ(parseDeviceNumber("247"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber(":0"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber("1:"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber(" 1:2"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber("-1:2"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber("1:2:3"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber("1:2x"), std::nullopt);
    EXPECT_EQ(parseDeviceNumber("4294967296:0"), std::nullopt);
}

TEST(CuseSession, ReadsTheRegisteredNumberFromSysfs)
{
    const TempDir sys;
    ASSERT_FALSE(sys.path().empty());
    EXPECT_EQ(readDeviceNumber(sys.path(), "ipmi0"), std::nullopt);
    EXPECT_EQ(registeredDevice(sys.path(), "ipmi0"), std::nullopt);
    writeCuseDev(sys, "ipmi0", "239:1\n");
    EXPECT_EQ(readDeviceNumber(sys.path(), "ipmi0"), (DeviceNumber{239, 1}));
    EXPECT_EQ(registeredDevice(sys.path(), "ipmi0"), makedev(239, 1));
    writeCuseDev(sys, "ipmi1", "239\n");
    EXPECT_EQ(readDeviceNumber(sys.path(), "ipmi1"), std::nullopt);
    EXPECT_EQ(registeredDevice(sys.path(), "ipmi1"), std::nullopt);
}

TEST(CuseSession, RetryRangesBecomeIovecsInOrder)
{
    const std::vector<UserRange> ranges{{0x7ffd0000'1000, 48}, {0xffff'f000, 4}, {0x1000, 0}};
    const auto iov = toIovecs(ranges);
    ASSERT_EQ(iov.size(), 3U);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(iov[0].iov_base), 0x7ffd0000'1000U);
    EXPECT_EQ(iov[0].iov_len, 48U);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(iov[1].iov_base), 0xffff'f000U);
    EXPECT_EQ(iov[1].iov_len, 4U);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(iov[2].iov_base), 0x1000U);
    EXPECT_EQ(iov[2].iov_len, 0U);
    EXPECT_TRUE(toIovecs({}).empty());
}

TEST(CuseSession, OnlyABareErrorIsAnsweredWithoutData)
{
    static_assert(ioctlReplyCarriesData(0, 0));
    EXPECT_TRUE(ioctlReplyCarriesData(0, 4));
    EXPECT_TRUE(ioctlReplyCarriesData(1, 0));
    EXPECT_FALSE(ioctlReplyCarriesData(-EINVAL, 0));
    EXPECT_FALSE(ioctlReplyCarriesData(-ENOTTY, 0));
    // RECEIVE_MSG_TRUNC: EMSGSIZE with the truncated message copied out.
    EXPECT_TRUE(ioctlReplyCarriesData(-EMSGSIZE, 40));
}

TEST(CuseSession, LibfuseArgumentsAndDeviceInfo)
{
    CuseSessionOptions options;
    options.name = "ipmi0";
    EXPECT_EQ(sessionArguments(options), (std::vector<std::string>{"ipmi-cuse"}));
    options.programName = "ipmi-cuse-watchdog";
    options.fuseDebug = true;
    EXPECT_EQ(sessionArguments(options), (std::vector<std::string>{"ipmi-cuse-watchdog", "-d"}));
    EXPECT_EQ(deviceInfo("ipmi0"), "DEVNAME=ipmi0");
    EXPECT_EQ(deviceInfo("watchdog0"), "DEVNAME=watchdog0");
}

TEST(CuseSession, ReadLoopDecisions)
{
    EXPECT_EQ(classifyReceive(-EINTR, false), ReceiveStep::Again);
    EXPECT_EQ(classifyReceive(-EAGAIN, false), ReceiveStep::Wait);
    EXPECT_EQ(classifyReceive(0, false), ReceiveStep::Ended);
    EXPECT_EQ(classifyReceive(-ENODEV, false), ReceiveStep::Ended);
    EXPECT_EQ(classifyReceive(-EIO, false), ReceiveStep::Ended);
    EXPECT_EQ(classifyReceive(80, false), ReceiveStep::Process);
    EXPECT_EQ(classifyReceive(80, true), ReceiveStep::Ended);
    EXPECT_EQ(receiveEndReason(-ENODEV, "/dev/cuse"), "reading /dev/cuse failed: No such device");
    EXPECT_EQ(receiveEndReason(0, "/dev/cuse"), "the kernel closed the CUSE session");
}

TEST(CuseSession, RegistrationWatchReportsANumberThatIsThere)
{
    const TempDir sys;
    writeCuseDev(sys, "watchdog0", "247:3\n");
    boost::asio::io_context io;
    RegistrationWatch watch(io);
    std::vector<std::optional<DeviceNumber>> seen;
    watch.start(sys.path(), "watchdog0", std::chrono::milliseconds(2000),
                [&seen](std::optional<DeviceNumber> n) { seen.push_back(n); });
    EXPECT_TRUE(seen.empty()); // looked at from the loop, never inside start()
    io.run();
    EXPECT_EQ(seen, (std::vector<std::optional<DeviceNumber>>{DeviceNumber{247, 3}}));
}

TEST(CuseSession, RegistrationWatchGivesUpAtTheDeadline)
{
    const TempDir sys;
    boost::asio::io_context io;
    RegistrationWatch watch(io);
    std::vector<std::optional<DeviceNumber>> seen;
    watch.start(sys.path(), "ipmi0", std::chrono::milliseconds(0),
                [&seen](std::optional<DeviceNumber> n) { seen.push_back(n); });
    io.run();
    EXPECT_EQ(seen, (std::vector<std::optional<DeviceNumber>>{std::nullopt}));
}

TEST(CuseSession, RegistrationWatchCancelledOrRestartedNeverReportsTheOldStart)
{
    const TempDir sys;
    writeCuseDev(sys, "ipmi0", "240:0\n");
    writeCuseDev(sys, "ipmi1", "240:1\n");
    boost::asio::io_context io;
    RegistrationWatch watch(io);
    int cancelled = 0;
    watch.start(sys.path(), "ipmi0", std::chrono::milliseconds(0), [&cancelled](auto) { ++cancelled; });
    watch.cancel();
    io.run();
    EXPECT_EQ(cancelled, 0);

    io.restart();
    int first = 0;
    std::vector<std::optional<DeviceNumber>> second;
    watch.start(sys.path(), "ipmi0", std::chrono::milliseconds(0), [&first](auto) { ++first; });
    watch.start(sys.path(), "ipmi1", std::chrono::milliseconds(0),
                [&second](std::optional<DeviceNumber> n) { second.push_back(n); });
    io.run();
    EXPECT_EQ(first, 0);
    EXPECT_EQ(second, (std::vector<std::optional<DeviceNumber>>{DeviceNumber{240, 1}}));
}

class NoRequests final : public CuseRequestHandler
{
  public:
    void open(fuse_req* /*req*/, fuse_file_info* /*fi*/) override { ADD_FAILURE() << "open"; }
    void release(fuse_req* /*req*/, fuse_file_info* /*fi*/) override { ADD_FAILURE() << "release"; }
    void read(fuse_req* /*req*/, std::size_t /*size*/, fuse_file_info* /*fi*/) override { ADD_FAILURE() << "read"; }
    void write(fuse_req* /*req*/, std::span<const std::uint8_t> /*data*/, fuse_file_info* /*fi*/) override
    {
        ADD_FAILURE() << "write";
    }
    void ioctl(fuse_req* /*req*/, const IoctlCall& /*call*/, fuse_file_info* /*fi*/) override
    {
        ADD_FAILURE() << "ioctl";
    }
    void poll(fuse_req* /*req*/, fuse_file_info* /*fi*/, fuse_pollhandle* /*ph*/) override { ADD_FAILURE() << "poll"; }
};

TEST(CuseSession, StartWithoutCuseSaysWhatToDoAndLeavesNothingRunning)
{
    const TempDir dir;
    boost::asio::io_context io;
    NoRequests handler;
    CuseSessionOptions options;
    options.name = "ipmi0";
    options.cuseDevice = dir.path() / "cuse";
    options.sysfs = dir.path();
    CuseSession session(io, options, handler);
    int callbacks = 0;
    const auto error = session.start([&callbacks](auto) { ++callbacks; }, [&callbacks](auto) { ++callbacks; });
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->errnum, ENOENT);
    EXPECT_NE(error->message.find(options.cuseDevice.string()), std::string::npos) << error->message;
    EXPECT_NE(error->message.find("modprobe cuse"), std::string::npos) << error->message;
    EXPECT_FALSE(session.running());
    EXPECT_FALSE(session.lifetime());
    session.stop();
    session.stop();
    io.run();
    EXPECT_EQ(callbacks, 0);
}

TEST(CuseSession, PollHandleStartsEmptyAndKeepsItWithoutANewOne)
{
    PollHandle handle;
    EXPECT_FALSE(handle.armed());
    handle.replace(nullptr);
    EXPECT_FALSE(handle.armed());
    handle.reset();
    EXPECT_FALSE(handle.armed());
}

} // namespace
} // namespace ipmi::cuse
