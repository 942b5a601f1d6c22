// The CUSE session of one /dev/ipmiN on the Asio loop: see cuse_device.hpp.
#define FUSE_USE_VERSION 314

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

#include "cuse_dev/cuse_device.hpp"

#include "cuse_dev/ioctl_marshal.hpp"

#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <vector>

namespace ipmi::cuse {

namespace {

std::shared_ptr<spdlog::logger> logger()
{
    auto l = spdlog::get("cuse");
    return l ? l : spdlog::default_logger();
}

// A retry in progress: the kernel's next FUSE_IOCTL from the same caller
// thread brings the bytes this plan asked for.
struct PendingIoctl
{
    std::uint32_t cmd = 0;
    std::uint64_t arg = 0;
    RetryPlan plan;
};

struct OpenFile
{
    std::unique_ptr<core::IpmiFile> file;
    fuse_pollhandle* pollHandle = nullptr;
    std::map<pid_t, PendingIoctl> pending; // by caller thread id

    ~OpenFile()
    {
        if (pollHandle != nullptr) {
            fuse_pollhandle_destroy(pollHandle);
        }
    }
};

constexpr int kMaxRequestsPerWakeup = 32; // then yield to the rest of the loop

} // namespace

class CuseDevice::Impl
{
  public:
    Impl(boost::asio::io_context& io, CuseDeviceOptions options, OpenFileFn openFile) :
        io_(io), options_(std::move(options)), openFile_(std::move(openFile)), descriptor_(io), timer_(io)
    {}

    ~Impl() { stop(); }

    std::string start(ReadyFn onReady, LostFn onLost);
    void stop();

    // libfuse callbacks, on the loop thread inside fuse_session_process_buf.
    void initDone();
    void open(fuse_req_t req, fuse_file_info* fi);
    void release(fuse_req_t req, fuse_file_info* fi);
    void ioctl(fuse_req_t req, int cmd, void* arg, fuse_file_info* fi, unsigned flags, const void* inBuf,
               std::size_t inSize, std::size_t outSize);
    void poll(fuse_req_t req, fuse_file_info* fi, fuse_pollhandle* ph);

    const std::string& name() const { return options_.name; }
    bool ready() const { return ready_; }
    std::size_t openFiles() const { return files_.size(); }

  private:
    void armRead();
    void onReadable(const boost::system::error_code& ec);
    void sessionEnded(const std::string& reason);
    void verifyRegistration(std::chrono::steady_clock::time_point deadline);
    void finishStart(const std::string& error);
    void wake(OpenFile* of);
    static OpenFile* fileOf(const fuse_file_info* fi) { return reinterpret_cast<OpenFile*>(fi->fh); }

    boost::asio::io_context& io_;
    CuseDeviceOptions options_;
    OpenFileFn openFile_;
    boost::asio::posix::stream_descriptor descriptor_;
    boost::asio::steady_timer timer_;
    fuse_session* session_ = nullptr;
    fuse_buf buf_{};
    ReadyFn onReady_;
    LostFn onLost_;
    bool ready_ = false;
    bool stopped_ = false;
    std::map<OpenFile*, std::unique_ptr<OpenFile>> files_;
};

namespace {

CuseDevice::Impl* implOf(fuse_req_t req)
{
    return static_cast<CuseDevice::Impl*>(fuse_req_userdata(req));
}

// The callbacks: no exception may cross into libfuse's C code.
template <typename Fn>
void guarded(fuse_req_t req, Fn&& fn)
{
    try {
        fn();
    } catch (const std::exception& e) {
        logger()->error("request failed: {}", e.what());
        fuse_reply_err(req, EIO);
    }
}

void opInitDone(void* userdata)
{
    try {
        static_cast<CuseDevice::Impl*>(userdata)->initDone();
    } catch (const std::exception& e) {
        logger()->critical("init_done failed: {}", e.what());
    }
}

void opOpen(fuse_req_t req, fuse_file_info* fi)
{
    guarded(req, [&] { implOf(req)->open(req, fi); });
}

void opRelease(fuse_req_t req, fuse_file_info* fi)
{
    guarded(req, [&] { implOf(req)->release(req, fi); });
}

// /dev/ipmiN has no read/write file operations: the VFS answers EINVAL.
void opRead(fuse_req_t req, std::size_t /*size*/, off_t /*off*/, fuse_file_info* /*fi*/)
{
    fuse_reply_err(req, static_cast<int>(-core::IpmiFile::read()));
}

void opWrite(fuse_req_t req, const char* /*buf*/, std::size_t /*size*/, off_t /*off*/, fuse_file_info* /*fi*/)
{
    fuse_reply_err(req, static_cast<int>(-core::IpmiFile::write()));
}

void opIoctl(fuse_req_t req, int cmd, void* arg, fuse_file_info* fi, unsigned flags, const void* inBuf,
             std::size_t inSize, std::size_t outSize)
{
    guarded(req, [&] { implOf(req)->ioctl(req, cmd, arg, fi, flags, inBuf, inSize, outSize); });
}

void opPoll(fuse_req_t req, fuse_file_info* fi, fuse_pollhandle* ph)
{
    guarded(req, [&] { implOf(req)->poll(req, fi, ph); });
}

const cuse_lowlevel_ops kOps = [] {
    cuse_lowlevel_ops ops{};
    ops.init_done = opInitDone;
    ops.open = opOpen;
    ops.release = opRelease;
    ops.read = opRead;
    ops.write = opWrite;
    ops.ioctl = opIoctl;
    ops.poll = opPoll;
    return ops;
}();

std::vector<iovec> toIovecs(const std::vector<UserRange>& ranges)
{
    std::vector<iovec> v;
    v.reserve(ranges.size());
    for (const auto& r : ranges) {
        v.push_back(iovec{reinterpret_cast<void*>(static_cast<std::uintptr_t>(r.addr)), r.len});
    }
    return v;
}

} // namespace

std::string CuseDevice::Impl::start(ReadyFn onReady, LostFn onLost)
{
    if (std::string busy = checkNameIsFree(options_.sysfs, options_.name); !busy.empty()) {
        return busy;
    }
    std::string error;
    const int fd = openCuseDevice(options_.cuseDevice, error);
    if (fd < 0) {
        return error;
    }
    const std::string devInfo = "DEVNAME=" + options_.name;
    const char* devInfoArgv[] = {devInfo.c_str()};
    cuse_info ci{};
    ci.dev_major = 0; // dynamic: a fixed major that is taken fails silently
    ci.dev_minor = 0;
    ci.dev_info_argc = 1;
    ci.dev_info_argv = devInfoArgv;
    ci.flags = CUSE_UNRESTRICTED_IOCTL;

    std::array<char*, 2> argv{const_cast<char*>("ipmi-cuse"), const_cast<char*>("-d")};
    fuse_args args = FUSE_ARGS_INIT(options_.fuseDebug ? 2 : 1, argv.data());
    session_ = cuse_lowlevel_new(&args, &ci, &kOps, this);
    fuse_opt_free_args(&args);
    if (session_ == nullptr) {
        ::close(fd);
        return "cannot create the CUSE session for " + options_.name + " (libfuse refused it; see above)";
    }
    const std::string fdPath = "/dev/fd/" + std::to_string(fd);
    if (fuse_session_mount(session_, fdPath.c_str()) != 0) {
        ::close(fd);
        fuse_session_destroy(session_);
        session_ = nullptr;
        return "cannot attach " + options_.cuseDevice.string() + " to the CUSE session";
    }
    boost::system::error_code ec;
    descriptor_.assign(fd, ec);
    if (ec) {
        stop();
        return "cannot watch " + options_.cuseDevice.string() + ": " + ec.message();
    }
    onReady_ = std::move(onReady);
    onLost_ = std::move(onLost);
    stopped_ = false;
    logger()->debug("{}: session started on {} (fd {})", options_.name, options_.cuseDevice.string(), fd);
    armRead();
    return {};
}

void CuseDevice::Impl::stop()
{
    if (stopped_ && session_ == nullptr) {
        return;
    }
    stopped_ = true;
    timer_.cancel();
    boost::system::error_code ec;
    descriptor_.cancel(ec);
    // The session owns the fd and closes it; the descriptor must not.
    if (descriptor_.is_open()) {
        static_cast<void>(descriptor_.release());
    }
    files_.clear();
    if (session_ != nullptr) {
        fuse_session_destroy(session_);
        session_ = nullptr;
        logger()->info("{}: device removed", options_.name);
    }
    std::free(buf_.mem);
    buf_ = fuse_buf{};
    ready_ = false;
}

void CuseDevice::Impl::armRead()
{
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [this](const boost::system::error_code& ec) { onReadable(ec); });
}

void CuseDevice::Impl::onReadable(const boost::system::error_code& ec)
{
    if (ec == boost::asio::error::operation_aborted || stopped_) {
        return;
    }
    if (ec) {
        sessionEnded("waiting on " + options_.cuseDevice.string() + " failed: " + ec.message());
        return;
    }
    for (int i = 0; i < kMaxRequestsPerWakeup; ++i) {
        const int res = fuse_session_receive_buf(session_, &buf_);
        if (res == -EAGAIN || res == -EINTR) {
            break;
        }
        if (res <= 0 || fuse_session_exited(session_) != 0) {
            sessionEnded(res < 0 ? "reading " + options_.cuseDevice.string() + " failed: " +
                                       std::generic_category().message(-res)
                                 : "the kernel closed the CUSE session");
            return;
        }
        fuse_session_process_buf(session_, &buf_);
        if (stopped_) {
            return; // a callback stopped us
        }
    }
    armRead();
}

void CuseDevice::Impl::sessionEnded(const std::string& reason)
{
    const bool wasReady = ready_;
    stop();
    if (!wasReady) {
        finishStart("CUSE did not register " + options_.name + ": " + reason +
                    " (is the name already taken by another CUSE device?)");
        return;
    }
    logger()->error("{}: session ended: {}", options_.name, reason);
    if (onLost_) {
        onLost_(reason);
    }
}

void CuseDevice::Impl::initDone()
{
    // The kernel registers the device when it receives the CUSE_INIT reply,
    // which libfuse sends just before this call; check from the loop.
    const auto deadline = std::chrono::steady_clock::now() + options_.registrationTimeout;
    boost::asio::post(io_, [this, deadline] { verifyRegistration(deadline); });
}

void CuseDevice::Impl::verifyRegistration(std::chrono::steady_clock::time_point deadline)
{
    if (stopped_ || ready_) {
        return;
    }
    const auto dev = registeredDevice(options_.sysfs, options_.name);
    if (!dev) {
        if (std::chrono::steady_clock::now() >= deadline) {
            const auto path = options_.sysfs / "class" / "cuse" / options_.name / "dev";
            stop();
            finishStart("CUSE did not register " + options_.name + ": " + path.string() +
                        " did not appear (CUSE reports registration failures to nobody; "
                        "a device of that name may already exist)");
            return;
        }
        timer_.expires_after(std::chrono::milliseconds(20));
        timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
            if (!ec) {
                verifyRegistration(deadline);
            }
        });
        return;
    }
    std::string error = adjustNode(options_.devDir / options_.name, *dev, options_.ownership);
    if (error.empty() && options_.createNodeIn) {
        error = createNode(*options_.createNodeIn, options_.name, *dev, options_.ownership);
    }
    if (!error.empty()) {
        stop();
        finishStart(error);
        return;
    }
    ready_ = true;
    logger()->info("{}: registered as {}:{}, mode {:04o}, owner {}:{}", options_.name, major(*dev),
                   minor(*dev), options_.ownership.mode, options_.ownership.uid, options_.ownership.gid);
    finishStart({});
}

void CuseDevice::Impl::finishStart(const std::string& error)
{
    if (auto ready = std::exchange(onReady_, nullptr)) {
        ready(error);
    }
}

void CuseDevice::Impl::open(fuse_req_t req, fuse_file_info* fi)
{
    OpenResult result = openFile_();
    if (const int* err = std::get_if<int>(&result)) {
        logger()->debug("{}: open refused: {}", options_.name, std::generic_category().message(-*err));
        fuse_reply_err(req, -*err);
        return;
    }
    auto of = std::make_unique<OpenFile>();
    of->file = std::move(std::get<std::unique_ptr<core::IpmiFile>>(result));
    OpenFile* raw = of.get();
    raw->file->setWakeup([this, raw] { wake(raw); });
    files_.emplace(raw, std::move(of));
    fi->fh = reinterpret_cast<std::uintptr_t>(raw);
    fi->direct_io = 1;
    if (fuse_reply_open(req, fi) != 0) {
        files_.erase(raw); // the open was interrupted: no release will come
    }
}

void CuseDevice::Impl::release(fuse_req_t req, fuse_file_info* fi)
{
    files_.erase(fileOf(fi));
    fuse_reply_err(req, 0);
}

void CuseDevice::Impl::ioctl(fuse_req_t req, int cmd, void* arg, fuse_file_info* fi, unsigned flags,
                             const void* inBuf, std::size_t inSize, std::size_t outSize)
{
    OpenFile* of = fileOf(fi);
    const auto ucmd = static_cast<std::uint32_t>(cmd);
    const auto uarg = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(arg));
    const pid_t caller = fuse_req_ctx(req)->pid;

    const RetryPlan* previous = nullptr;
    auto it = of->pending.find(caller);
    if (it != of->pending.end()) {
        if (it->second.cmd == ucmd && it->second.arg == uarg && (inSize != 0 || outSize != 0)) {
            previous = &it->second.plan;
        }
    }
    const IoctlCall call{ucmd, uarg, (flags & FUSE_IOCTL_COMPAT) != 0,
                         std::span(static_cast<const std::uint8_t*>(inBuf), inSize), outSize};
    IoctlOutcome outcome = marshalIoctl(*of->file, call, previous);

    if (auto* retry = std::get_if<IoctlRetry>(&outcome)) {
        const auto in = toIovecs(retry->plan.in);
        const auto out = toIovecs(retry->plan.out);
        of->pending[caller] = PendingIoctl{ucmd, uarg, std::move(retry->plan)};
        fuse_reply_ioctl_retry(req, in.data(), in.size(), out.data(), out.size());
        return;
    }
    of->pending.erase(caller);
    const auto& reply = std::get<IoctlReply>(outcome);
    if (reply.result < 0 && reply.out.empty()) {
        fuse_reply_err(req, static_cast<int>(-reply.result));
        return;
    }
    // A negative result with data (RECEIVE_MSG_TRUNC's EMSGSIZE) still has
    // its bytes copied out by the kernel.
    fuse_reply_ioctl(req, static_cast<int>(reply.result), reply.out.data(), reply.out.size());
}

void CuseDevice::Impl::poll(fuse_req_t req, fuse_file_info* fi, fuse_pollhandle* ph)
{
    OpenFile* of = fileOf(fi);
    if (ph != nullptr) {
        if (of->pollHandle != nullptr) {
            fuse_pollhandle_destroy(of->pollHandle);
        }
        of->pollHandle = ph;
    }
    fuse_reply_poll(req, of->file->readable() ? (POLLIN | POLLRDNORM) : 0U);
}

void CuseDevice::Impl::wake(OpenFile* of)
{
    if (of->pollHandle == nullptr || session_ == nullptr) {
        return;
    }
    const int rc = fuse_lowlevel_notify_poll(of->pollHandle);
    if (rc != 0 && rc != -ENOENT) {
        logger()->warn("{}: poll notification failed: {}", options_.name,
                       std::generic_category().message(-rc));
    }
    fuse_pollhandle_destroy(of->pollHandle);
    of->pollHandle = nullptr;
}

CuseDevice::CuseDevice(boost::asio::io_context& io, CuseDeviceOptions options, OpenFileFn openFile) :
    impl_(std::make_unique<Impl>(io, std::move(options), std::move(openFile)))
{}

CuseDevice::~CuseDevice() = default;

std::string CuseDevice::start(ReadyFn onReady, LostFn onLost)
{
    return impl_->start(std::move(onReady), std::move(onLost));
}

void CuseDevice::stop()
{
    impl_->stop();
}

const std::string& CuseDevice::name() const
{
    return impl_->name();
}

bool CuseDevice::ready() const
{
    return impl_->ready();
}

std::size_t CuseDevice::openFiles() const
{
    return impl_->openFiles();
}

} // namespace ipmi::cuse
