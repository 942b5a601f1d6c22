// The watchdog's CUSE session on the Asio loop (see cuse_watchdog.hpp).
#define FUSE_USE_VERSION 35

// First: it includes Asio under the pragma that Boost 1.74 needs.
#include "watchdog_dev/cuse_watchdog.hpp"

#include <cuse_lowlevel.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <span>
#include <sstream>
#include <utility>

namespace ipmi::watchdog {

std::optional<std::string> checkDeviceName(std::string_view name)
{
    if (name.empty()) {
        return "the watchdog device name is empty";
    }
    if (name == "." || name == "..") {
        return "the watchdog device name '" + std::string(name) + "' is not a file name";
    }
    // DEVNAME becomes a /dev entry and a sysfs directory: keep it a plain name.
    constexpr std::size_t kMaxName = 64;
    if (name.size() > kMaxName) {
        return "the watchdog device name is longer than 64 characters";
    }
    for (const char c : name) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!plain) {
            return "the watchdog device name '" + std::string(name) +
                   "' may only hold letters, digits, '_', '-' and '.'";
        }
    }
    return std::nullopt;
}

std::optional<DeviceNumber> parseDeviceNumber(std::string_view text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    DeviceNumber number;
    const auto majorText = text.substr(0, colon);
    const auto minorText = text.substr(colon + 1);
    const auto [p1, e1] =
        std::from_chars(majorText.data(), majorText.data() + majorText.size(), number.major);
    const auto [p2, e2] =
        std::from_chars(minorText.data(), minorText.data() + minorText.size(), number.minor);
    if (majorText.empty() || minorText.empty() || e1 != std::errc{} || e2 != std::errc{} ||
        p1 != majorText.data() + majorText.size() || p2 != minorText.data() + minorText.size()) {
        return std::nullopt;
    }
    return number;
}

std::optional<DeviceNumber> readCuseDeviceNumber(const std::filesystem::path& sysRoot,
                                                 std::string_view name)
{
    std::ifstream in(sysRoot / "class" / "cuse" / std::string(name) / "dev");
    if (!in) {
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parseDeviceNumber(text.str());
}

// One deferred read: what the interrupt callback needs to find it again.
struct CuseWatchdog::Request
{
    CuseWatchdog* owner;
    std::uint64_t ticket;
};

// libfuse calls these C-style; each catches everything (no exception may
// cross a FUSE callback) and answers EIO if the device threw.
struct CuseCallbacks
{
    static void initDone(void* userdata) noexcept
    {
        try {
            CuseWatchdog::self(userdata).initDone();
        } catch (const std::exception& e) {
            spdlog::critical("watchdog CUSE init: {}", e.what());
        }
    }

    static void open(fuse_req_t req, fuse_file_info* fi) noexcept
    {
        try {
            auto& s = CuseWatchdog::self(fuse_req_userdata(req));
            if (const int rv = s.device_.open(); rv != 0) {
                fuse_reply_err(req, -rv);
                return;
            }
            fi->direct_io = 1;
            fi->nonseekable = 1;
            fuse_reply_open(req, fi);
        } catch (const std::exception& e) {
            spdlog::error("watchdog CUSE open: {}", e.what());
            fuse_reply_err(req, EIO);
        }
    }

    static void read(fuse_req_t req, size_t size, off_t /*off*/, fuse_file_info* fi) noexcept
    {
        try {
            auto& s = CuseWatchdog::self(fuse_req_userdata(req));
            const bool nonblock = (fi->flags & O_NONBLOCK) != 0;
            // Shared with the completion, which may run now or much later.
            struct ReadState
            {
                bool answered = false;
                std::uint64_t ticket = 0;
            };
            auto state = std::make_shared<ReadState>();
            const std::weak_ptr<bool> alive = s.alive_;
            auto* owner = &s;
            const std::uint64_t ticket =
                s.device_.read(size, nonblock, [req, alive, state, owner](long rv) {
                    state->answered = true;
                    if (alive.expired()) {
                        return;
                    }
                    if (state->ticket != 0) {
                        owner->readers_.erase(state->ticket);
                    }
                    if (rv < 0) {
                        fuse_reply_err(req, static_cast<int>(-rv));
                    } else {
                        const std::uint8_t byte = WatchdogDevice::kReadByte;
                        fuse_reply_buf(req, reinterpret_cast<const char*>(&byte),
                                       static_cast<size_t>(rv));
                    }
                });
            if (state->answered || ticket == 0) {
                return;
            }
            state->ticket = ticket;
            auto entry =
                std::make_unique<CuseWatchdog::Request>(CuseWatchdog::Request{owner, ticket});
            auto* raw = entry.get();
            s.readers_.emplace(ticket, std::move(entry));
            fuse_req_interrupt_func(req, &CuseCallbacks::interrupt, raw);
        } catch (const std::exception& e) {
            spdlog::error("watchdog CUSE read: {}", e.what());
            fuse_reply_err(req, EIO);
        }
    }

    static void interrupt(fuse_req_t /*req*/, void* data) noexcept
    {
        // libfuse may call this with the request's lock held: answer later,
        // from the loop, never from inside.
        const auto* request = static_cast<CuseWatchdog::Request*>(data);
        CuseWatchdog* owner = request->owner;
        const std::uint64_t ticket = request->ticket;
        const std::weak_ptr<bool> alive = owner->alive_;
        try {
            boost::asio::post(owner->io_, [owner, ticket, alive] {
                if (!alive.expired()) {
                    owner->device_.interruptRead(ticket);
                }
            });
        } catch (const std::exception& e) {
            spdlog::error("watchdog CUSE interrupt: {}", e.what());
        }
    }

    static void write(fuse_req_t req, const char* buf, size_t size, off_t /*off*/,
                      fuse_file_info* /*fi*/) noexcept
    {
        try {
            auto& s = CuseWatchdog::self(fuse_req_userdata(req));
            const std::weak_ptr<bool> alive = s.alive_;
            const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(buf),
                                                     size);
            s.device_.write(data, [req, alive](long rv) {
                if (alive.expired()) {
                    return;
                }
                if (rv < 0) {
                    fuse_reply_err(req, static_cast<int>(-rv));
                } else {
                    fuse_reply_write(req, static_cast<size_t>(rv));
                }
            });
        } catch (const std::exception& e) {
            spdlog::error("watchdog CUSE write: {}", e.what());
            fuse_reply_err(req, EIO);
        }
    }

    static void ioctl(fuse_req_t req, int cmd, void* arg, fuse_file_info* /*fi*/,
                      unsigned /*flags*/, const void* inBuf, size_t inSize,
                      size_t outSize) noexcept
    {
        // FUSE_IOCTL_COMPAT needs nothing special: compat_ptr_ioctl.
        try {
            auto& s = CuseWatchdog::self(fuse_req_userdata(req));
            const auto command = static_cast<std::uint32_t>(cmd);
            switch (planIoctl(command, inSize, outSize)) {
            case IoctlStep::Unsupported:
                fuse_reply_err(req, ENOTTY);
                return;
            case IoctlStep::Retry: {
                const auto shape = ioctlShape(command).value_or(IoctlShape{});
                const iovec in{arg, shape.in};
                const iovec out{arg, shape.out};
                fuse_reply_ioctl_retry(req, shape.in != 0 ? &in : nullptr, shape.in != 0 ? 1 : 0,
                                       shape.out != 0 ? &out : nullptr, shape.out != 0 ? 1 : 0);
                return;
            }
            case IoctlStep::Run:
                break;
            }
            const std::weak_ptr<bool> alive = s.alive_;
            const std::span<const std::uint8_t> in(static_cast<const std::uint8_t*>(inBuf), inSize);
            s.device_.ioctl(command, in, [req, alive](IoctlReply reply) {
                if (alive.expired()) {
                    return;
                }
                if (reply.result < 0) {
                    fuse_reply_err(req, static_cast<int>(-reply.result));
                } else {
                    fuse_reply_ioctl(req, static_cast<int>(reply.result),
                                     reply.out.empty() ? nullptr : reply.out.data(),
                                     reply.out.size());
                }
            });
        } catch (const std::exception& e) {
            spdlog::error("watchdog CUSE ioctl: {}", e.what());
            fuse_reply_err(req, EIO);
        }
    }

    static void poll(fuse_req_t req, fuse_file_info* /*fi*/, fuse_pollhandle* ph) noexcept
    {
        try {
            auto& s = CuseWatchdog::self(fuse_req_userdata(req));
            if (ph != nullptr) {
                if (s.pollHandle_ != nullptr) {
                    fuse_pollhandle_destroy(s.pollHandle_);
                }
                s.pollHandle_ = ph;
            }
            // Readable after a pre-timeout; never writable, as the kernel's ipmi_poll.
            fuse_reply_poll(req, s.device_.readable() ? (POLLIN | POLLRDNORM) : 0U);
        } catch (const std::exception& e) {
            spdlog::error("watchdog CUSE poll: {}", e.what());
            fuse_reply_err(req, EIO);
        }
    }

    static void release(fuse_req_t req, fuse_file_info* /*fi*/) noexcept
    {
        try {
            auto& s = CuseWatchdog::self(fuse_req_userdata(req));
            const std::weak_ptr<bool> alive = s.alive_;
            // close() waits for this reply (CUSE releases synchronously), so
            // a reopen right after close finds the device free, as in the kernel.
            s.device_.release([req, alive] {
                if (!alive.expired()) {
                    fuse_reply_err(req, 0);
                }
            });
        } catch (const std::exception& e) {
            spdlog::error("watchdog CUSE release: {}", e.what());
            fuse_reply_err(req, 0);
        }
    }
};

const cuse_lowlevel_ops& CuseWatchdog::operations()
{
    static const cuse_lowlevel_ops ops = [] {
        cuse_lowlevel_ops o{};
        o.init_done = &CuseCallbacks::initDone;
        o.open = &CuseCallbacks::open;
        o.read = &CuseCallbacks::read;
        o.write = &CuseCallbacks::write;
        o.release = &CuseCallbacks::release;
        o.ioctl = &CuseCallbacks::ioctl;
        o.poll = &CuseCallbacks::poll;
        return o;
    }();
    return ops;
}

CuseWatchdog& CuseWatchdog::self(void* userdata) { return *static_cast<CuseWatchdog*>(userdata); }

CuseWatchdog::CuseWatchdog(boost::asio::io_context& io, WatchdogDevice& device,
                           CuseWatchdogOptions options) :
    io_(io), device_(device), options_(std::move(options)), watch_(io),
    alive_(std::make_shared<bool>(true))
{}

CuseWatchdog::~CuseWatchdog() { stop(); }

int CuseWatchdog::start(std::function<void(int result)> onReady)
{
    if (session_ != nullptr) {
        return -EBUSY;
    }
    if (auto error = checkDeviceName(options_.name)) {
        spdlog::error("{}", *error);
        return -EINVAL;
    }
    std::error_code ec;
    const auto node = options_.devRoot / options_.name;
    if (std::filesystem::exists(node, ec)) {
        spdlog::error("{} already exists (a kernel watchdog driver?); choose another device name, "
                      "e.g. watchdog0",
                      node.string());
        return -EEXIST;
    }
    const int fd = ::open(options_.cuseDevice.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int err = errno;
        spdlog::error("cannot open {}: {} (is the cuse module loaded, and are we root?)",
                      options_.cuseDevice.string(), std::strerror(err));
        return -err;
    }
    const std::string devName = "DEVNAME=" + options_.name;
    const char* devInfo[] = {devName.c_str()};
    cuse_info info{};
    info.dev_major = 0; // dynamic: never misc 10:130, which a kernel driver may hold
    info.dev_minor = 0;
    info.dev_info_argc = 1;
    info.dev_info_argv = devInfo;
    info.flags = CUSE_UNRESTRICTED_IOCTL;

    std::string arg0 = "ipmi-cuse-watchdog";
    char* argv[] = {arg0.data()};
    fuse_args args = FUSE_ARGS_INIT(1, argv);
    session_ = cuse_lowlevel_new(&args, &info, &operations(), this);
    fuse_opt_free_args(&args);
    if (session_ == nullptr) {
        ::close(fd);
        spdlog::error("cannot create the watchdog's CUSE session");
        return -ENOMEM;
    }
    // "/dev/fd/N" hands libfuse our already open /dev/cuse.
    const std::string mountpoint = "/dev/fd/" + std::to_string(fd);
    if (fuse_session_mount(session_, mountpoint.c_str()) != 0) {
        fuse_session_destroy(session_);
        session_ = nullptr;
        ::close(fd);
        return -EIO;
    }
    // The session owns fd; Asio watches a duplicate of it.
    const int watchFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    boost::system::error_code assignError;
    if (watchFd >= 0) {
        watch_.assign(watchFd, assignError);
    }
    if (watchFd < 0 || assignError) {
        const int err = watchFd < 0 ? errno : assignError.value();
        if (watchFd >= 0) {
            ::close(watchFd);
        }
        fuse_session_destroy(session_);
        session_ = nullptr;
        return -err;
    }
    onReady_ = std::move(onReady);
    device_.setReadableListener([this] { notifyPoll(); });
    waitReadable();
    return 0;
}

void CuseWatchdog::stop()
{
    if (session_ == nullptr) {
        return;
    }
    boost::system::error_code ec;
    watch_.cancel(ec);
    watch_.close(ec);
    device_.setReadableListener({});
    // Replies owed to requests of this session are never sent now.
    alive_ = std::make_shared<bool>(true);
    if (pollHandle_ != nullptr) {
        fuse_pollhandle_destroy(pollHandle_);
        pollHandle_ = nullptr;
    }
    readers_.clear();
    fuse_session_destroy(session_); // closes /dev/cuse: the kernel removes the device
    session_ = nullptr;
    number_.reset();
    if (device_.isOpen()) {
        // The client's file is dead with the device: close it as the kernel would.
        device_.release([] {});
    }
    spdlog::info("watchdog device /dev/{} removed", options_.name);
}

void CuseWatchdog::waitReadable()
{
    const std::weak_ptr<bool> alive = alive_;
    watch_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                      [this, alive](const boost::system::error_code& ec) {
                          if (ec || alive.expired()) {
                              return;
                          }
                          drain();
                      });
}

void CuseWatchdog::drain()
{
    const std::weak_ptr<bool> alive = alive_;
    fuse_buf buf{};
    bool ended = false;
    for (;;) {
        const int res = fuse_session_receive_buf(session_, &buf);
        if (res == -EINTR) {
            continue;
        }
        if (res == -EAGAIN) {
            break;
        }
        if (res <= 0 || fuse_session_exited(session_) != 0) {
            ended = true;
            break;
        }
        fuse_session_process_buf(session_, &buf);
        if (alive.expired() || session_ == nullptr) {
            std::free(buf.mem); // NOLINT(cppcoreguidelines-no-malloc): libfuse's buffer
            return;
        }
    }
    std::free(buf.mem); // NOLINT(cppcoreguidelines-no-malloc): libfuse's buffer
    if (ended) {
        spdlog::error("watchdog CUSE session for /dev/{} ended", options_.name);
        if (onReady_) {
            auto ready = std::move(onReady_);
            onReady_ = nullptr;
            ready(-ENODEV);
        }
        return;
    }
    waitReadable();
}

void CuseWatchdog::initDone()
{
    number_ = readCuseDeviceNumber(options_.sysRoot, options_.name);
    int result = 0;
    if (!number_) {
        spdlog::error("CUSE created no {}/class/cuse/{}/dev", options_.sysRoot.string(),
                      options_.name);
        result = -ENODEV;
    } else {
        spdlog::info("watchdog device /dev/{} is char {}:{} (CUSE)", options_.name,
                     number_->major, number_->minor);
    }
    if (onReady_) {
        auto ready = std::move(onReady_);
        onReady_ = nullptr;
        ready(result);
    }
}

void CuseWatchdog::notifyPoll()
{
    if (pollHandle_ == nullptr) {
        return;
    }
    fuse_lowlevel_notify_poll(pollHandle_);
    fuse_pollhandle_destroy(pollHandle_);
    pollHandle_ = nullptr;
}

} // namespace ipmi::watchdog
