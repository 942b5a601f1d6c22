// One CUSE session on the daemon's single Asio loop: the plumbing every CUSE
// device of ours shares (/dev/ipmiN in cuse_dev/cuse_device.hpp, the IPMI
// watchdog in watchdog_dev/cuse_watchdog.hpp), so that each device keeps only
// what its file operations mean.
//
// The session is set up the way libfuse's cuse_lowlevel_setup() does it,
// minus daemonizing and libfuse's signal handlers: our own open of /dev/cuse,
// a session from cuse_lowlevel_new() with a dynamic major unless a fixed
// number is asked for (the kernel's cuse_process_init_reply registers it
// with register_chrdev_region, and when that range overlaps another
// registration it aborts the connection: the session ends before any
// registration, which ended() then explains from /proc/devices), DEVNAME=NAME and CUSE_UNRESTRICTED_IOCTL (both ABIs
// declare _IOR ioctls that pass data in, and IPMI's structs carry user pointers), and the fd handed over with
// fuse_session_mount("/dev/fd/N"). The fd is watched by a posix::stream_descriptor (async_wait for readability, then
// fuse_session_receive_buf / fuse_session_process_buf), never by
// fuse_session_loop and never on a thread of its own.
//
// Requests go to a CuseRequestHandler. CUSE reports a failed registration
// (name taken, ...) to nobody, so after CUSE_INIT the session watches for
// SYSFS/class/cuse/NAME/dev and reports the number it finds there, or that
// none came. All members run on the loop thread.
#pragma once

#include "base/lifetime.hpp"
#include "cuse/ioctl_request.hpp"
#include "cuse/kernel.hpp"

// Boost 1.74's epoll reactor (instantiated by stream_descriptor) trips GCC's
// -Wnull-dereference inside Boost itself; the pragma must precede the first
// inclusion of the Asio headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#pragma GCC diagnostic pop

#include <spdlog/logger.h>
#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct fuse_req;
struct fuse_file_info;
struct fuse_pollhandle;
struct fuse_session;
struct fuse_buf;
struct cuse_lowlevel_ops;

namespace ipmi::cuse {

struct CuseSessionOptions
{
    std::string name; // DEVNAME: /dev/NAME, /sys/class/cuse/NAME
    std::filesystem::path cuseDevice = "/dev/cuse";
    std::filesystem::path sysfs = "/sys";
    std::string programName = "ipmi-cuse"; // argv[0] of libfuse's messages
    bool fuseDebug = false;                // libfuse's own request trace ("-d")
    std::chrono::milliseconds registrationTimeout{2000};
    std::string logger = "cuse"; // the spdlog logger (default one if absent)
    // major:minor to register with; nullopt: a dynamic major, minor 0.
    std::optional<DeviceNumber> fixedNumber;
    std::filesystem::path procDevices = "/proc/devices"; // who holds a refused major
};

// A device's file operations. Called on the loop thread from inside
// fuse_session_process_buf. Each call answers `req` exactly once, at once or
// later while CuseSession::lifetime() has not expired (after that the request
// is the kernel's to fail). An exception a call throws is logged and answered
// EIO by the session (release: 0, its errno reaches nobody).
class CuseRequestHandler
{
  public:
    virtual ~CuseRequestHandler() = default;
    virtual void open(fuse_req* req, fuse_file_info* fi) = 0;
    virtual void release(fuse_req* req, fuse_file_info* fi) = 0;
    virtual void read(fuse_req* req, std::size_t size, fuse_file_info* fi) = 0;
    virtual void write(fuse_req* req, std::span<const std::uint8_t> data, fuse_file_info* fi) = 0;
    virtual void ioctl(fuse_req* req, const IoctlCall& call, fuse_file_info* fi) = 0;
    virtual void poll(fuse_req* req, fuse_file_info* fi, fuse_pollhandle* ph) = 0;
};

// The poll handle the kernel left with the last poll() that asked for one.
// A notification wakes that poller once; it then polls again and leaves a
// new handle. Must not outlive the session the handle came from.
class PollHandle
{
  public:
    PollHandle() = default;
    ~PollHandle() { reset(); }
    PollHandle(const PollHandle&) = delete;
    PollHandle& operator=(const PollHandle&) = delete;

    // Keeps `ph` instead of the previous handle; nullptr keeps the previous.
    void replace(fuse_pollhandle* ph);
    void reset();
    [[nodiscard]] bool armed() const { return handle_ != nullptr; }

  private:
    friend class CuseSession;
    fuse_pollhandle* handle_ = nullptr;
};

// --- Replies both devices give the same way.

// errno (positive).
void replyError(fuse_req* req, int err);
// FUSE_IOCTL_RETRY: fetch `in` from the caller, give room for `out`, call again.
void replyIoctlRetry(fuse_req* req, std::span<const UserRange> in, std::span<const UserRange> out);
// An ioctl's final answer: `result` to the caller (negative = -errno) and
// `out` stored at the out-ranges; see ioctlReplyCarriesData().
void replyIoctl(fuse_req* req, long result, std::span<const std::uint8_t> out);
// poll(): keeps `ph` in `handle`; POLLIN|POLLRDNORM if readable, never writable.
void replyPoll(fuse_req* req, PollHandle& handle, fuse_pollhandle* ph, bool readable);

// --- The plain decisions behind the session, testable without /dev/cuse.

// iovecs naming the caller's ranges, as FUSE_IOCTL_RETRY wants them.
[[nodiscard]] std::vector<iovec> toIovecs(std::span<const UserRange> ranges);
// A final ioctl answer goes out as data (fuse_reply_ioctl: the kernel stores
// the bytes, then returns the result, even a negative one such as
// RECEIVE_MSG_TRUNC's EMSGSIZE) unless it is a bare error.
[[nodiscard]] constexpr bool ioctlReplyCarriesData(long result, std::size_t outSize)
{
    return result >= 0 || outSize != 0;
}
// libfuse's argv for the session: the program name, then "-d" if wanted.
[[nodiscard]] std::vector<std::string> sessionArguments(const CuseSessionOptions& options);
// The CUSE dev_info line that names the device.
[[nodiscard]] std::string deviceInfo(std::string_view name);

// What a session with a fixed number adds when it ends before the device
// was registered: the number and who holds its major; "" for a dynamic one.
[[nodiscard]] std::string fixedNumberRefusal(const CuseSessionOptions& options);

// What one fuse_session_receive_buf() result means for the read loop.
enum class ReceiveStep : std::uint8_t
{
    Process, // a request is in the buffer
    Again,   // interrupted by a signal: read again
    Wait,    // nothing more now: wait for readability
    Ended,   // the kernel closed the session, or reading failed
};
[[nodiscard]] ReceiveStep classifyReceive(int result, bool sessionExited);
// Why the session ended, for the operator, given the Ended result.
[[nodiscard]] std::string receiveEndReason(int result, const std::filesystem::path& cuseDevice);

// Waits for SYSFS/class/cuse/NAME/dev after CUSE_INIT: checks from the loop
// at once, then every 20 ms until `timeout` has passed, and calls `done`
// once with the number, or nullopt if it never came. cancel() and
// destruction: `done` never runs.
class RegistrationWatch
{
  public:
    using DoneFn = std::function<void(std::optional<DeviceNumber> number)>;

    explicit RegistrationWatch(boost::asio::io_context& io) : io_(io), timer_(io) {}
    void start(std::filesystem::path sysfs, std::string name, std::chrono::milliseconds timeout, DoneFn done);
    void cancel();

  private:
    void check();

    boost::asio::io_context& io_;
    boost::asio::steady_timer timer_;
    std::filesystem::path sysfs_;
    std::string name_;
    std::chrono::steady_clock::time_point deadline_;
    DoneFn done_;
    base::Lifetime generation_; // renewed by start(): posts of an older start() do nothing
};

class CuseSession
{
  public:
    // After CUSE_INIT: the registered number, or nullopt if none appeared in
    // time. Called at most once per start().
    using RegisteredFn = std::function<void(std::optional<DeviceNumber> number)>;
    // The kernel ended the session, or reading it failed. The session no
    // longer reads requests; its owner decides when to stop() it.
    using EndedFn = std::function<void(const std::string& reason)>;

    struct StartError
    {
        int errnum = 0;      // errno-style cause, for callers that report numbers
        std::string message; // for the operator: names the path and what to do
    };

    CuseSession(boost::asio::io_context& io, CuseSessionOptions options, CuseRequestHandler& handler);
    ~CuseSession();
    CuseSession(const CuseSession&) = delete;
    CuseSession& operator=(const CuseSession&) = delete;

    // Opens /dev/cuse and starts serving. nullopt, or why it could not start
    // (then no callback ever runs).
    [[nodiscard]] std::optional<StartError> start(RegisteredFn onRegistered, EndedFn onEnded);
    // Destroys the session: the kernel removes the device and fails what is
    // still pending. Idempotent. The handler's own per-file state that holds
    // poll handles must be dropped first.
    void stop();

    [[nodiscard]] bool running() const { return session_ != nullptr; }
    // Expires when stop() runs: deferred replies check it before answering.
    [[nodiscard]] base::Lifetime::Witness lifetime() const { return alive_.witness(); }
    [[nodiscard]] const std::string& name() const { return options_.name; }
    [[nodiscard]] const CuseSessionOptions& options() const { return options_; }
    [[nodiscard]] std::shared_ptr<spdlog::logger> log() const;
    [[nodiscard]] boost::asio::io_context& io() { return io_; }

    // Wakes the poller behind `handle` (if any) and forgets the handle.
    void notifyPoll(PollHandle& handle);

  private:
    friend struct SessionCallbacks;
    static const cuse_lowlevel_ops& operations();

    void armRead();
    void onReadable(const boost::system::error_code& ec);
    void ended(const std::string& reason);
    void initDone();

    boost::asio::io_context& io_;
    CuseSessionOptions options_;
    CuseRequestHandler& handler_;
    boost::asio::posix::stream_descriptor descriptor_;
    RegistrationWatch registration_;
    fuse_session* session_ = nullptr;
    std::unique_ptr<fuse_buf> buf_;
    RegisteredFn onRegistered_;
    EndedFn onEnded_;
    base::Lifetime alive_; // lives from start() to stop()
};

} // namespace ipmi::cuse
