// The watchdog's file operations on the shared CUSE session (see
// cuse_watchdog.hpp).
#include "watchdog_dev/cuse_watchdog.hpp"

#include "cuse/libfuse.hpp"

#include <fcntl.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <span>
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
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                           c == '-' || c == '.';
        if (!plain) {
            return "the watchdog device name '" + std::string(name) +
                   "' may only hold letters, digits, '_', '-' and '.'";
        }
    }
    return std::nullopt;
}

namespace {

cuse::CuseSessionOptions sessionOptions(const CuseWatchdogOptions& o)
{
    cuse::CuseSessionOptions s;
    s.name = o.name;
    s.cuseDevice = o.cuseDevice;
    s.sysfs = o.sysRoot;
    s.programName = "ipmi-cuse-watchdog";
    s.registrationTimeout = o.registrationTimeout;
    s.logger = "watchdog";
    s.fixedNumber = o.fixedNumber;
    return s;
}

} // namespace

CuseWatchdog::CuseWatchdog(boost::asio::io_context& io, WatchdogDevice& device, CuseWatchdogOptions options)
    : device_(device), options_(std::move(options)), session_(io, sessionOptions(options_), *this)
{
}

CuseWatchdog::~CuseWatchdog()
{
    stop();
}

int CuseWatchdog::start(std::function<void(int result)> onReady)
{
    if (session_.running()) {
        return -EBUSY;
    }
    if (auto error = checkDeviceName(options_.name)) {
        session_.log()->error("{}", *error);
        return -EINVAL;
    }
    std::error_code ec;
    const auto node = options_.devRoot / options_.name;
    if (std::filesystem::exists(node, ec)) {
        session_.log()->error("{} already exists (a kernel watchdog driver?); choose another device name, "
                              "e.g. watchdog0",
                              node.string());
        return -EEXIST;
    }
    if (auto error = session_.start([this](std::optional<DeviceNumber> number) { registered(number); },
                                    [this](const std::string& reason) { sessionEnded(reason); })) {
        session_.log()->error("{}", error->message);
        return -error->errnum;
    }
    onReady_ = std::move(onReady);
    device_.setReadableListener([this] { session_.notifyPoll(pollHandle_); });
    return 0;
}

void CuseWatchdog::stop()
{
    if (!session_.running()) {
        return;
    }
    device_.setReadableListener({});
    pollHandle_.reset();
    readers_.clear();
    session_.stop(); // the kernel removes the device; owed replies are never sent now
    number_.reset();
    if (device_.isOpen()) {
        // The client's file is dead with the device: close it as the kernel would.
        device_.release([] {});
    }
}

void CuseWatchdog::registered(std::optional<DeviceNumber> number)
{
    number_ = number;
    int result = 0;
    if (!number_) {
        session_.log()->error("CUSE created no {}/class/cuse/{}/dev", options_.sysRoot.string(), options_.name);
        result = -ENODEV;
    } else if (auto problem = cuse::adjustNode(options_.devRoot / options_.name,
                                               makedev(number_->major, number_->minor), options_.ownership)) {
        session_.log()->error("{}", *problem);
        result = -EPERM;
    } else {
        session_.log()->info("watchdog device /dev/{} is char {}:{} (CUSE)", options_.name, number_->major,
                             number_->minor);
    }
    if (auto ready = std::exchange(onReady_, nullptr)) {
        ready(result);
    }
}

void CuseWatchdog::sessionEnded(const std::string& reason)
{
    session_.log()->error("watchdog CUSE session for /dev/{} ended: {}", options_.name, reason);
    if (auto ready = std::exchange(onReady_, nullptr)) {
        ready(-ENODEV);
    }
}

void CuseWatchdog::open(fuse_req_t req, fuse_file_info* fi)
{
    if (const int rv = device_.open(); rv != 0) {
        cuse::replyError(req, -rv);
        return;
    }
    fi->direct_io = 1;
    fi->nonseekable = 1;
    fuse_reply_open(req, fi);
}

void CuseWatchdog::read(fuse_req_t req, std::size_t size, fuse_file_info* fi)
{
    const bool nonblock = (fi->flags & O_NONBLOCK) != 0;
    // Shared with the completion, which may run now or much later.
    struct ReadState
    {
        bool answered = false;
        std::uint64_t ticket = 0;
    };
    auto state = std::make_shared<ReadState>();
    const auto alive = session_.lifetime();
    const std::uint64_t ticket = device_.read(size, nonblock, [this, req, alive, state](long rv) {
        state->answered = true;
        if (!alive) {
            return;
        }
        if (state->ticket != 0) {
            readers_.erase(state->ticket);
        }
        if (rv < 0) {
            cuse::replyError(req, static_cast<int>(-rv));
        } else {
            const std::uint8_t byte = WatchdogDevice::kReadByte;
            fuse_reply_buf(req, reinterpret_cast<const char*>(&byte), static_cast<std::size_t>(rv));
        }
    });
    if (state->answered || ticket == 0) {
        return;
    }
    state->ticket = ticket;
    auto entry = std::make_unique<Request>(Request{this, ticket});
    auto* raw = entry.get();
    readers_.emplace(ticket, std::move(entry));
    fuse_req_interrupt_func(req, &CuseWatchdog::interrupted, raw);
}

void CuseWatchdog::interrupted(fuse_req_t /*req*/, void* data) noexcept
{
    // libfuse may call this with the request's lock held: answer later,
    // from the loop, never from inside.
    const auto* request = static_cast<const Request*>(data);
    CuseWatchdog* owner = request->owner;
    const std::uint64_t ticket = request->ticket;
    const auto alive = owner->session_.lifetime();
    try {
        boost::asio::post(owner->session_.io(), [owner, ticket, alive] {
            if (alive) {
                owner->device_.interruptRead(ticket);
            }
        });
    } catch (const std::exception& e) {
        owner->session_.log()->error("watchdog CUSE interrupt: {}", e.what());
    }
}

void CuseWatchdog::write(fuse_req_t req, std::span<const std::uint8_t> data, fuse_file_info* /*fi*/)
{
    const auto alive = session_.lifetime();
    device_.write(data, [req, alive](long rv) {
        if (!alive) {
            return;
        }
        if (rv < 0) {
            cuse::replyError(req, static_cast<int>(-rv));
        } else {
            fuse_reply_write(req, static_cast<std::size_t>(rv));
        }
    });
}

void CuseWatchdog::ioctl(fuse_req_t req, const cuse::IoctlCall& call, fuse_file_info* /*fi*/)
{
    // FUSE_IOCTL_COMPAT needs nothing special: compat_ptr_ioctl.
    switch (planIoctl(call.cmd, call.in.size(), call.outSize)) {
    case IoctlStep::Unsupported:
        cuse::replyError(req, ENOTTY);
        return;
    case IoctlStep::Retry: {
        const auto shape = ioctlShape(call.cmd).value_or(IoctlShape{});
        const cuse::UserRange in{call.arg, shape.in};
        const cuse::UserRange out{call.arg, shape.out};
        cuse::replyIoctlRetry(req, std::span(&in, shape.in != 0 ? 1 : 0), std::span(&out, shape.out != 0 ? 1 : 0));
        return;
    }
    case IoctlStep::Run:
        break;
    }
    const auto alive = session_.lifetime();
    device_.ioctl(call.cmd, call.in, [req, alive](IoctlReply reply) {
        if (alive) {
            cuse::replyIoctl(req, reply.result, reply.out);
        }
    });
}

void CuseWatchdog::poll(fuse_req_t req, fuse_file_info* /*fi*/, fuse_pollhandle* ph)
{
    // Readable after a pre-timeout; never writable, as the kernel's ipmi_poll.
    cuse::replyPoll(req, pollHandle_, ph, device_.readable());
}

void CuseWatchdog::release(fuse_req_t req, fuse_file_info* /*fi*/)
{
    const auto alive = session_.lifetime();
    // close() waits for this reply (CUSE releases synchronously), so a
    // reopen right after close finds the device free, as in the kernel.
    device_.release([req, alive] {
        if (alive) {
            cuse::replyError(req, 0);
        }
    });
}

} // namespace ipmi::watchdog
