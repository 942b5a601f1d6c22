// /dev/ipmiN's file operations over the shared CUSE session: see
// cuse_device.hpp (and cuse_session.hpp for the session itself).
#include "cuse_dev/cuse_device.hpp"

#include "base/lifetime.hpp"
#include "cuse/cuse_session.hpp"
#include "cuse/libfuse.hpp"
#include "cuse_dev/in_place_ioctl.hpp"
#include "cuse_dev/ioctl_marshal.hpp"
#include "cuse_dev/poll_hold.hpp"

#include <sys/sysmacros.h>

#include <cerrno>
#include <map>
#include <utility>

namespace ipmi::cuse {

namespace {

// A retry in progress: the kernel's next FUSE_IOCTL from the same caller
// thread brings the bytes this plan asked for.
struct PendingIoctl
{
    std::uint32_t cmd = 0;
    std::uint64_t arg = 0;
    RetryPlan plan;
};

// A poll() answered later (see CuseDeviceOptions::pollHold).
struct HeldPoll
{
    fuse_req_t req = nullptr;
    fuse_pollhandle* ph = nullptr;
    std::chrono::steady_clock::time_point deadline;
};

struct OpenFile
{
    explicit OpenFile(boost::asio::io_context& io) : holdTimer(io) {}

    // The hold timer is never cancelled: an answer that comes in time (the
    // usual case) leaves it to expire and find nothing held, and a poll held
    // while it runs is looked at when it expires. Cancelling and re-arming it
    // per message would reprogram the loop's timerfd twice per message.
    bool holdTimerArmed = false;
    base::Lifetime lifetime; // for the timer's handler

    std::unique_ptr<core::IpmiFile> file;
    NodeGate* gate = nullptr; // owned by `file`; null on an unrestricted node
    PollHandle pollHandle;
    std::map<pid_t, PendingIoctl> pending;         // by caller thread id
    bool inPlace = true;                           // false once a caller could not be reached in place
    std::map<std::uint32_t, UserRanges> readAhead; // by ioctl number: what it read last
    std::optional<HeldPoll> heldPoll;
    boost::asio::steady_timer holdTimer;
};

} // namespace

class CuseDevice::Impl final : public CuseRequestHandler
{
  public:
    Impl(boost::asio::io_context& io, CuseDeviceOptions options, OpenFileFn openFile)
        : io_(io), options_(std::move(options)), openFile_(std::move(openFile)),
          policy_(std::make_shared<const NodePolicy>(options_.policy)), session_(io, sessionOptions(options_), *this)
    {
    }

    ~Impl() override { stop(); }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    std::optional<std::string> start(ReadyFn onReady, LostFn onLost);
    void stop();

    const std::string& name() const { return options_.name; }
    bool ready() const { return ready_; }
    std::size_t openFiles() const { return files_.size(); }
    const CuseDeviceCounters& counters() const { return counters_; }

    // CuseRequestHandler, on the loop thread inside fuse_session_process_buf.
    void open(fuse_req_t req, fuse_file_info* fi) override;
    void release(fuse_req_t req, fuse_file_info* fi) override;
    void read(fuse_req_t req, std::size_t size, fuse_file_info* fi) override;
    void write(fuse_req_t req, std::span<const std::uint8_t> data, fuse_file_info* fi) override;
    void ioctl(fuse_req_t req, const IoctlCall& call, fuse_file_info* fi) override;
    void poll(fuse_req_t req, fuse_file_info* fi, fuse_pollhandle* ph) override;

  private:
    static CuseSessionOptions sessionOptions(const CuseDeviceOptions& o)
    {
        return CuseSessionOptions{o.name,      o.cuseDevice,          o.sysfs, "ipmi-cuse",
                                  o.fuseDebug, o.registrationTimeout, "cuse",  o.fixedNumber};
    }
    void registered(std::optional<DeviceNumber> number);
    void sessionEnded(const std::string& reason);
    void finishStart(const std::optional<std::string>& error);
    static OpenFile* fileOf(const fuse_file_info* fi) { return reinterpret_cast<OpenFile*>(fi->fh); }
    std::optional<long> ioctlInPlace(OpenFile& of, const IoctlCall& call, pid_t caller);
    // Runs options_.runPosted, then answers the ioctl, unless that work
    // ended this device.
    void answerIoctl(fuse_req_t req, long result, std::span<const std::uint8_t> out);
    void holdPoll(OpenFile& of, fuse_req_t req, fuse_pollhandle* ph);
    void armHoldTimer(OpenFile& of, std::chrono::steady_clock::time_point when);
    void answerHeldPoll(OpenFile& of);
    void wake(OpenFile& of);

    boost::asio::io_context& io_;
    CuseDeviceOptions options_;
    OpenFileFn openFile_;
    std::shared_ptr<const NodePolicy> policy_; // shared with the files' gates
    ReadyFn onReady_;
    LostFn onLost_;
    bool ready_ = false;
    CuseDeviceCounters counters_;
    std::map<OpenFile*, std::unique_ptr<OpenFile>> files_;
    CuseSession session_; // calls back into this handler; stop() drops the files first
};

std::optional<std::string> CuseDevice::Impl::start(ReadyFn onReady, LostFn onLost)
{
    if (auto busy = checkNameIsFree(options_.sysfs, options_.name)) {
        return *busy;
    }
    if (auto error = session_.start([this](std::optional<DeviceNumber> number) { registered(number); },
                                    [this](const std::string& reason) { sessionEnded(reason); })) {
        return error->message;
    }
    onReady_ = std::move(onReady);
    onLost_ = std::move(onLost);
    return std::nullopt;
}

void CuseDevice::Impl::stop()
{
    // The files go first: their poll handles and held polls belong to the session.
    for (auto& [raw, of] : files_) {
        answerHeldPoll(*of);
    }
    files_.clear();
    session_.stop();
    ready_ = false;
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
    session_.log()->error("{}: session ended: {}", options_.name, reason);
    if (onLost_) {
        onLost_(reason);
    }
}

void CuseDevice::Impl::registered(std::optional<DeviceNumber> number)
{
    if (!number) {
        const auto path = options_.sysfs / "class" / "cuse" / options_.name / "dev";
        stop();
        finishStart("CUSE did not register " + options_.name + ": " + path.string() +
                    " did not appear (CUSE reports registration failures to nobody; "
                    "a device of that name may already exist)");
        return;
    }
    const dev_t dev = makedev(number->major, number->minor);
    auto error = adjustNode(options_.devDir / options_.name, dev, options_.ownership);
    if (!error && options_.createNodeIn) {
        error = createNode(*options_.createNodeIn, options_.name, dev, options_.ownership);
    }
    if (error) {
        stop();
        finishStart(*error);
        return;
    }
    ready_ = true;
    session_.log()->info("{}: registered as {}:{}, mode {:04o}, owner {}:{}", options_.name, number->major,
                         number->minor, options_.ownership.mode, options_.ownership.uid, options_.ownership.gid);
    if (!policy_->unrestricted()) {
        session_.log()->info("{}: command policy {}", options_.name, policy_->text());
    }
    finishStart(std::nullopt);
}

void CuseDevice::Impl::finishStart(const std::optional<std::string>& error)
{
    if (auto ready = std::exchange(onReady_, nullptr)) {
        ready(error);
    }
}

void CuseDevice::Impl::open(fuse_req_t req, fuse_file_info* fi)
{
    OpenResult result = openFile_();
    if (const int* err = std::get_if<int>(&result)) {
        session_.log()->debug("{}: open refused: {}", options_.name, std::generic_category().message(-*err));
        replyError(req, -*err);
        return;
    }
    auto of = std::make_unique<OpenFile>(io_);
    of->file = std::move(std::get<std::unique_ptr<core::IpmiFile>>(result));
    if (!policy_->unrestricted() || options_.observer) {
        auto gate = std::make_unique<NodeGate>(options_.name, policy_, options_.observer);
        of->gate = gate.get();
        of->file->setGate(std::move(gate));
    }
    ++counters_.opens;
    OpenFile* raw = of.get();
    raw->file->setWakeup([this, raw] { wake(*raw); });
    files_.emplace(raw, std::move(of));
    fi->fh = reinterpret_cast<std::uintptr_t>(raw);
    fi->direct_io = 1;
    if (fuse_reply_open(req, fi) != 0) {
        files_.erase(raw); // the open was interrupted: no release will come
    }
}

void CuseDevice::Impl::release(fuse_req_t req, fuse_file_info* fi)
{
    answerHeldPoll(*fileOf(fi));
    files_.erase(fileOf(fi));
    replyError(req, 0);
}

// /dev/ipmiN has no read/write file operations: the VFS answers EINVAL.
void CuseDevice::Impl::read(fuse_req_t req, std::size_t /*size*/, fuse_file_info* /*fi*/)
{
    replyError(req, static_cast<int>(-core::IpmiFile::read()));
}

void CuseDevice::Impl::write(fuse_req_t req, std::span<const std::uint8_t> /*data*/, fuse_file_info* /*fi*/)
{
    replyError(req, static_cast<int>(-core::IpmiFile::write()));
}

void CuseDevice::Impl::ioctl(fuse_req_t req, const IoctlCall& call, fuse_file_info* fi)
{
    OpenFile* of = fileOf(fi);
    const fuse_ctx* ctx = fuse_req_ctx(req);
    const pid_t caller = ctx->pid;
    if (of->gate != nullptr) {
        of->gate->setCaller(Caller{ctx->pid, ctx->uid, ctx->gid});
    }

    const RetryPlan* previous = nullptr;
    auto it = of->pending.find(caller);
    if (it != of->pending.end()) {
        if (it->second.cmd == call.cmd && it->second.arg == call.arg && (!call.in.empty() || call.outSize != 0)) {
            previous = &it->second.plan;
        }
    }
    if (previous == nullptr) {
        if (auto result = ioctlInPlace(*of, call, caller)) {
            ++counters_.ioctlsInPlace;
            of->pending.erase(caller);
            answerIoctl(req, *result, {});
            return;
        }
    }
    IoctlOutcome outcome = marshalIoctl(*of->file, call, previous);

    if (auto* retry = std::get_if<IoctlRetry>(&outcome)) {
        auto& pending = of->pending[caller] = PendingIoctl{call.cmd, call.arg, std::move(retry->plan)};
        replyIoctlRetry(req, pending.plan.in, pending.plan.out);
        return;
    }
    of->pending.erase(caller);
    ++counters_.ioctlsByRetry;
    const auto& reply = std::get<IoctlReply>(outcome);
    // A negative result with data (RECEIVE_MSG_TRUNC's EMSGSIZE) still has
    // its bytes copied out by the kernel.
    answerIoctl(req, reply.result, reply.out);
}

void CuseDevice::Impl::answerIoctl(fuse_req_t req, long result, std::span<const std::uint8_t> out)
{
    if (options_.runPosted) {
        // Posted work may stop this device, or destroy it; then the request
        // is the kernel's to fail, and nothing here may be touched.
        const auto alive = session_.lifetime();
        options_.runPosted();
        if (!alive) {
            return;
        }
    }
    replyIoctl(req, result, out);
}

std::optional<long> CuseDevice::Impl::ioctlInPlace(OpenFile& of, const IoctlCall& call, pid_t caller)
{
    if (!options_.inPlaceMemory || !of.inPlace) {
        return std::nullopt;
    }
    auto result = cuse::ioctlInPlace(*of.file, call, caller, of.readAhead[call.cmd]);
    if (!result) {
        of.inPlace = false;
        session_.log()->debug("{}: caller {} cannot be reached in place; this file uses the FUSE ioctl retry "
                              "protocol from now on",
                              options_.name, caller);
    }
    return result;
}

void CuseDevice::Impl::poll(fuse_req_t req, fuse_file_info* fi, fuse_pollhandle* ph)
{
    OpenFile* of = fileOf(fi);
    if (shouldHoldPoll(options_.pollHold, of->file->readable(), ph != nullptr, of->file->awaitingAnswers(),
                       of->heldPoll.has_value())) {
        holdPoll(*of, req, ph);
        return;
    }
    replyPoll(req, of->pollHandle, ph, of->file->readable());
}

void CuseDevice::Impl::holdPoll(OpenFile& of, fuse_req_t req, fuse_pollhandle* ph)
{
    ++counters_.pollsHeld;
    of.heldPoll = HeldPoll{req, ph, std::chrono::steady_clock::now() + options_.pollHold};
    if (!of.holdTimerArmed) {
        armHoldTimer(of, of.heldPoll->deadline);
    }
}

void CuseDevice::Impl::armHoldTimer(OpenFile& of, std::chrono::steady_clock::time_point when)
{
    of.holdTimerArmed = true;
    of.holdTimer.expires_at(when);
    of.holdTimer.async_wait(of.lifetime.guard([this, raw = &of](const boost::system::error_code&) {
        raw->holdTimerArmed = false;
        if (!raw->heldPoll) {
            return;
        }
        if (raw->heldPoll->deadline <= std::chrono::steady_clock::now()) {
            answerHeldPoll(*raw);
        } else {
            armHoldTimer(*raw, raw->heldPoll->deadline); // held after the timer was set
        }
    }));
}

void CuseDevice::Impl::answerHeldPoll(OpenFile& of)
{
    // Its handle is kept even with a "ready" answer: an edge-triggered epoll
    // whose re-check this was does not poll again before it sleeps, and only
    // a notification through that handle would wake it for the next message.
    if (auto held = std::exchange(of.heldPoll, std::nullopt)) {
        replyPoll(held->req, of.pollHandle, held->ph, of.file->readable());
    }
}

void CuseDevice::Impl::wake(OpenFile& of)
{
    // The held poll first: its caller is inside poll(), registered on the
    // file's wait queue, and a notification sent before the answer would
    // wake it for nothing while it waits for that answer.
    if (of.heldPoll) {
        ++counters_.heldPollsReady;
        answerHeldPoll(of);
    }
    session_.notifyPoll(of.pollHandle); // everyone else waiting on the file
}

CuseDevice::CuseDevice(boost::asio::io_context& io, CuseDeviceOptions options, OpenFileFn openFile)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(openFile)))
{
}

CuseDevice::~CuseDevice() = default;

std::optional<std::string> CuseDevice::start(ReadyFn onReady, LostFn onLost)
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

const CuseDeviceCounters& CuseDevice::counters() const
{
    return impl_->counters();
}

} // namespace ipmi::cuse
