// One CUSE session on the Asio loop, shared by our CUSE devices: see
// cuse_session.hpp.
#include "cuse/cuse_session.hpp"

#include "cuse/libfuse.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <utility>

namespace ipmi::cuse {

namespace {

constexpr int kMaxRequestsPerWakeup = 32; // then yield to the rest of the loop

} // namespace

void PollHandle::replace(fuse_pollhandle* ph)
{
    if (ph == nullptr) {
        return;
    }
    reset();
    handle_ = ph;
}

void PollHandle::reset()
{
    if (handle_ != nullptr) {
        fuse_pollhandle_destroy(handle_);
        handle_ = nullptr;
    }
}

void replyError(fuse_req* req, int err)
{
    fuse_reply_err(req, err);
}

std::vector<iovec> toIovecs(std::span<const UserRange> ranges)
{
    std::vector<iovec> v;
    v.reserve(ranges.size());
    for (const auto& r : ranges) {
        v.push_back(iovec{reinterpret_cast<void*>(static_cast<std::uintptr_t>(r.addr)), r.len});
    }
    return v;
}

void replyIoctlRetry(fuse_req* req, std::span<const UserRange> in, std::span<const UserRange> out)
{
    const auto inIov = toIovecs(in);
    const auto outIov = toIovecs(out);
    fuse_reply_ioctl_retry(req, inIov.empty() ? nullptr : inIov.data(), inIov.size(),
                           outIov.empty() ? nullptr : outIov.data(), outIov.size());
}

void replyIoctl(fuse_req* req, long result, std::span<const std::uint8_t> out)
{
    if (!ioctlReplyCarriesData(result, out.size())) {
        fuse_reply_err(req, static_cast<int>(-result));
        return;
    }
    fuse_reply_ioctl(req, static_cast<int>(result), out.empty() ? nullptr : out.data(), out.size());
}

void replyPoll(fuse_req* req, PollHandle& handle, fuse_pollhandle* ph, bool readable)
{
    handle.replace(ph);
    fuse_reply_poll(req, readable ? (POLLIN | POLLRDNORM) : 0U);
}

std::vector<std::string> sessionArguments(const CuseSessionOptions& options)
{
    std::vector<std::string> args{options.programName};
    if (options.fuseDebug) {
        args.emplace_back("-d");
    }
    return args;
}

std::string deviceInfo(std::string_view name)
{
    return "DEVNAME=" + std::string(name);
}

ReceiveStep classifyReceive(int result, bool sessionExited)
{
    if (result == -EINTR) {
        return ReceiveStep::Again;
    }
    if (result == -EAGAIN) {
        return ReceiveStep::Wait;
    }
    if (result <= 0 || sessionExited) {
        return ReceiveStep::Ended;
    }
    return ReceiveStep::Process;
}

std::string receiveEndReason(int result, const std::filesystem::path& cuseDevice)
{
    if (result < 0) {
        return "reading " + cuseDevice.string() + " failed: " + std::generic_category().message(-result);
    }
    return "the kernel closed the CUSE session";
}

// libfuse calls these C-style, on the loop thread inside
// fuse_session_process_buf; no exception may cross back into its C code.
struct SessionCallbacks
{
    static CuseSession& self(fuse_req_t req) { return *static_cast<CuseSession*>(fuse_req_userdata(req)); }

    template <typename Fn>
    static void guarded(fuse_req_t req, const char* op, int errorReply, Fn&& fn) noexcept
    {
        try {
            fn(self(req).handler_);
            return;
        } catch (const std::exception& e) {
            self(req).log()->error("{}: {} failed: {}", self(req).name(), op, e.what());
        } catch (...) {
            self(req).log()->error("{}: {} failed", self(req).name(), op);
        }
        fuse_reply_err(req, errorReply);
    }

    static void initDone(void* userdata) noexcept
    {
        auto& session = *static_cast<CuseSession*>(userdata);
        try {
            session.initDone();
        } catch (const std::exception& e) {
            session.log()->critical("{}: init_done failed: {}", session.name(), e.what());
        }
    }

    static void open(fuse_req_t req, fuse_file_info* fi) noexcept
    {
        guarded(req, "open", EIO, [&](CuseRequestHandler& h) { h.open(req, fi); });
    }

    static void release(fuse_req_t req, fuse_file_info* fi) noexcept
    {
        guarded(req, "release", 0, [&](CuseRequestHandler& h) { h.release(req, fi); });
    }

    static void read(fuse_req_t req, std::size_t size, off_t /*off*/, fuse_file_info* fi) noexcept
    {
        guarded(req, "read", EIO, [&](CuseRequestHandler& h) { h.read(req, size, fi); });
    }

    static void write(fuse_req_t req, const char* buf, std::size_t size, off_t /*off*/, fuse_file_info* fi) noexcept
    {
        const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(buf), size);
        guarded(req, "write", EIO, [&](CuseRequestHandler& h) { h.write(req, data, fi); });
    }

    static void ioctl(fuse_req_t req, int cmd, void* arg, fuse_file_info* fi, unsigned flags, const void* inBuf,
                      std::size_t inSize, std::size_t outSize) noexcept
    {
        const IoctlCall call{
            static_cast<std::uint32_t>(cmd), static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(arg)),
            (flags & FUSE_IOCTL_COMPAT) != 0, std::span(static_cast<const std::uint8_t*>(inBuf), inSize), outSize};
        guarded(req, "ioctl", EIO, [&](CuseRequestHandler& h) { h.ioctl(req, call, fi); });
    }

    static void poll(fuse_req_t req, fuse_file_info* fi, fuse_pollhandle* ph) noexcept
    {
        guarded(req, "poll", EIO, [&](CuseRequestHandler& h) { h.poll(req, fi, ph); });
    }
};

const cuse_lowlevel_ops& CuseSession::operations()
{
    static const cuse_lowlevel_ops ops = [] {
        cuse_lowlevel_ops o{};
        o.init_done = &SessionCallbacks::initDone;
        o.open = &SessionCallbacks::open;
        o.release = &SessionCallbacks::release;
        o.read = &SessionCallbacks::read;
        o.write = &SessionCallbacks::write;
        o.ioctl = &SessionCallbacks::ioctl;
        o.poll = &SessionCallbacks::poll;
        return o;
    }();
    return ops;
}

CuseSession::CuseSession(boost::asio::io_context& io, CuseSessionOptions options, CuseRequestHandler& handler)
    : io_(io), options_(std::move(options)), handler_(handler), descriptor_(io), registration_(io),
      buf_(std::make_unique<fuse_buf>())
{
    alive_.end(); // no session yet: nothing may be answered
}

CuseSession::~CuseSession()
{
    stop();
}

std::shared_ptr<spdlog::logger> CuseSession::log() const
{
    auto l = spdlog::get(options_.logger);
    return l ? l : spdlog::default_logger();
}

std::optional<CuseSession::StartError> CuseSession::start(RegisteredFn onRegistered, EndedFn onEnded)
{
    if (session_ != nullptr) {
        return StartError{EBUSY, "the CUSE session of " + options_.name + " is already running"};
    }
    auto opened = openCuseDevice(options_.cuseDevice);
    if (auto* error = std::get_if<std::string>(&opened)) {
        return StartError{errno, std::move(*error)};
    }
    const int fd = std::get<int>(opened);
    const std::string devInfo = deviceInfo(options_.name);
    const char* devInfoArgv[] = {devInfo.c_str()};
    cuse_info ci{};
    ci.dev_major = options_.fixedNumber ? options_.fixedNumber->major : 0; // 0: dynamic
    ci.dev_minor = options_.fixedNumber ? options_.fixedNumber->minor : 0;
    ci.dev_info_argc = 1;
    ci.dev_info_argv = devInfoArgv;
    ci.flags = CUSE_UNRESTRICTED_IOCTL;

    auto words = sessionArguments(options_);
    std::vector<char*> argv;
    argv.reserve(words.size());
    for (auto& word : words) {
        argv.push_back(word.data());
    }
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    session_ = cuse_lowlevel_new(&args, &ci, &operations(), this);
    fuse_opt_free_args(&args);
    if (session_ == nullptr) {
        ::close(fd);
        return StartError{ENOMEM,
                          "cannot create the CUSE session for " + options_.name + " (libfuse refused it; see above)"};
    }
    // "/dev/fd/N" hands libfuse our already open /dev/cuse; the session owns it.
    const std::string fdPath = "/dev/fd/" + std::to_string(fd);
    if (fuse_session_mount(session_, fdPath.c_str()) != 0) {
        ::close(fd);
        fuse_session_destroy(session_);
        session_ = nullptr;
        return StartError{EIO, "cannot attach " + options_.cuseDevice.string() + " to the CUSE session"};
    }
    boost::system::error_code ec;
    descriptor_.assign(fd, ec);
    if (ec) {
        stop();
        return StartError{ec.value(), "cannot watch " + options_.cuseDevice.string() + ": " + ec.message()};
    }
    onRegistered_ = std::move(onRegistered);
    onEnded_ = std::move(onEnded);
    alive_.renew();
    log()->debug("{}: session started on {} (fd {})", options_.name, options_.cuseDevice.string(), fd);
    armRead();
    return std::nullopt;
}

void CuseSession::stop()
{
    if (session_ == nullptr) {
        return;
    }
    registration_.cancel();
    boost::system::error_code ec;
    descriptor_.cancel(ec);
    // The session owns the fd and closes it; the descriptor must not.
    if (descriptor_.is_open()) {
        static_cast<void>(descriptor_.release());
    }
    alive_.end(); // replies owed to requests of this session are never sent now
    onRegistered_ = nullptr;
    onEnded_ = nullptr;
    fuse_session_destroy(session_); // closes /dev/cuse: the kernel removes the device
    session_ = nullptr;
    std::free(buf_->mem); // NOLINT(cppcoreguidelines-no-malloc): libfuse's buffer
    *buf_ = fuse_buf{};
    log()->info("{}: device removed", options_.name);
}

void CuseSession::notifyPoll(PollHandle& handle)
{
    if (handle.handle_ == nullptr || session_ == nullptr) {
        return;
    }
    const int rc = fuse_lowlevel_notify_poll(handle.handle_);
    if (rc != 0 && rc != -ENOENT) {
        log()->warn("{}: poll notification failed: {}", options_.name, std::generic_category().message(-rc));
    }
    handle.reset();
}

void CuseSession::armRead()
{
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [this](const boost::system::error_code& ec) { onReadable(ec); });
}

void CuseSession::onReadable(const boost::system::error_code& ec)
{
    if (ec == boost::asio::error::operation_aborted || session_ == nullptr) {
        return;
    }
    if (ec) {
        ended("waiting on " + options_.cuseDevice.string() + " failed: " + ec.message());
        return;
    }
    // A callback may stop the session, or even destroy its owner.
    const auto alive = alive_.witness();
    for (int i = 0; i < kMaxRequestsPerWakeup; ++i) {
        const int res = fuse_session_receive_buf(session_, buf_.get());
        switch (classifyReceive(res, fuse_session_exited(session_) != 0)) {
        case ReceiveStep::Again:
            continue;
        case ReceiveStep::Wait:
            armRead();
            return;
        case ReceiveStep::Ended:
            ended(receiveEndReason(res, options_.cuseDevice));
            return;
        case ReceiveStep::Process:
            break;
        }
        fuse_session_process_buf(session_, buf_.get());
        if (!alive) {
            return;
        }
    }
    armRead();
}

void CuseSession::ended(const std::string& reason)
{
    registration_.cancel();
    const bool beforeRegistration = std::exchange(onRegistered_, nullptr) != nullptr;
    if (auto onEnded = std::exchange(onEnded_, nullptr)) {
        onEnded(beforeRegistration ? reason + fixedNumberRefusal(options_) : reason);
    }
}

std::string fixedNumberRefusal(const CuseSessionOptions& options)
{
    if (!options.fixedNumber) {
        return {};
    }
    const auto& number = *options.fixedNumber;
    const auto holders = readCharMajorHolders(options.procDevices, number.major);
    return "; the kernel refuses char " + std::to_string(number.major) + ":" + std::to_string(number.minor) +
           " when that number is taken: " +
           (holders ? describeMajorHolders(number.major, *holders, options.procDevices)
                    : options.procDevices.string() + " cannot be read");
}

void CuseSession::initDone()
{
    registration_.start(options_.sysfs, options_.name, options_.registrationTimeout,
                        [this](std::optional<DeviceNumber> number) {
                            if (auto onRegistered = std::exchange(onRegistered_, nullptr)) {
                                onRegistered(number);
                            }
                        });
}

} // namespace ipmi::cuse
