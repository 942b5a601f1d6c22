// SsifInterface: the flags/events state machine and host messages over
// Transfer (see ssif_interface.hpp); the start-up probe is in ssif_probe.cpp.
#include "ssif/ssif_interface.hpp"

#include "ssif/ssif_commands.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstddef>

namespace ipmi::ssif {

using namespace detail; // NOLINT(google-build-using-namespace): this folder's own command table

namespace {
// ipmi_ssif's side of the shared machine.
constexpr core::FlagsMachine::Style kSsifStyle{
    .shortEventEndsRun = false,
    .recheckAfterTenEvents = true,
    .clearFlagsFirst = true,
    .clearReceiveIrq = false,
};
} // namespace

SsifInterface::SsifInterface(core::EventLoop& loop, std::unique_ptr<Smbus> bus, SsifInterfaceConfig config)
    : loop_(loop), config_(std::move(config)), bus_(loop, std::move(bus)), transfer_(loop, bus_, config_.timing),
      watchTimer_(loop.makeTimer()), flags_(kSsifStyle), faults_(loop, "ssif " + bus_.describe(), config_.faultSettle)
{
    if (config_.info.type.empty()) {
        config_.info.type = "ssif";
    }
    if (config_.info.description.empty()) {
        config_.info.description = "ssif " + bus_.describe();
    }
}

SsifInterface::~SsifInterface()
{
    // No host callbacks from here: the host may already be gone. A host
    // that wants its 0xFF answers calls shutdown() first.
    state_ = State::ShutDown;
    transfer_.cancel();
    watchTimer_->cancel();
    bus_.setAlertHandler({});
}

void SsifInterface::start(core::InterfaceHost& host)
{
    host_ = &host;
    state_ = State::Probing;
    bus_.setAlertHandler([this] { onAlert(); });
    if (config_.dbgProbe) {
        spdlog::info("ssif {}: probing", bus_.describe());
    }
    issue(core::SmiBytes{kAppRequest, abi::IPMI_GET_SYSTEM_INTERFACE_CAPABILITIES_CMD, 0x00},
          &SsifInterface::onCapabilities);
}

void SsifInterface::issue(std::span<const std::uint8_t> request, Handler handler)
{
    setInFlight(handler, request);
    transfer_.start(request, limits_.cmd8Works, !inFlight_.probing, whenDone());
}

void SsifInterface::issueParts(std::vector<WritePart> parts, Handler handler)
{
    setInFlight(handler, parts.empty() ? std::span<const std::uint8_t>() : parts.front().data);
    transfer_.start(std::move(parts), !inFlight_.probing, whenDone());
}

void SsifInterface::setInFlight(Handler handler, std::span<const std::uint8_t> head)
{
    // Probe-time writes are tried once, as the kernel's probe does; later
    // ones are resent within the write budget. What the probe finds out is
    // not a fault: a BMC may refuse a multi-part test on purpose.
    const bool probing = state_ == State::Probing;
    inFlight_ = {.handler = handler,
                 .probing = probing,
                 .head = probing || head.empty() ? core::RequestHead() : core::RequestHead(head)};
}

Transfer::Done SsifInterface::whenDone()
{
    return [this](TransferResult result) { transferDone(std::move(result)); };
}

void SsifInterface::transferDone(TransferResult result)
{
    const InFlight done = inFlight_; // its handler may start the next transfer
    if (result.error != 0 && (config_.dbg & kDebugMessages) != 0) {
        spdlog::info("ssif {}: {}", bus_.describe(), *result.problem);
    }
    if (!done.probing) {
        noteOutcome(done.head, result);
    }
    (this->*done.handler)(std::move(result));
}

void SsifInterface::noteOutcome(const core::RequestHead& request, const TransferResult& result)
{
    if (result.error != 0) {
        // A write that never went through leaves the BMC unreachable
        // (hosed); a read that never got an answer timed out; one that got
        // a malformed answer is a bad response.
        const auto kind = result.failedPart     ? core::FaultKind::Hosed
                          : result.error == EIO ? core::FaultKind::BadResponse
                                                : core::FaultKind::Timeout;
        faults_.failed(kind, request.describe() + ": " + result.problem.value_or("transfer failed"));
    } else if (result.response.size() < 3) {
        faults_.failed(core::FaultKind::BadResponse,
                       fmt::format("{}: an answer of {} bytes", request.describe(), result.response.size()));
    } else {
        faults_.answered();
    }
}

core::InterfaceHealth SsifInterface::health() const
{
    auto h = faults_.health();
    const auto set = [&h](core::DriverStat to, std::uint64_t value) { h.stats[static_cast<std::size_t>(to)] = value; };
    const auto& t = transfer_.counters();
    set(core::DriverStat::Retries, std::uint64_t{t.writeRetries} + t.readRetries);
    set(core::DriverStat::Attentions, stat(SsifStat::Alerts));
    set(core::DriverStat::FlagFetches, stat(SsifStat::FlagFetches));
    set(core::DriverStat::Events, stat(SsifStat::Events));
    set(core::DriverStat::IncomingMessages, stat(SsifStat::IncomingMessages));
    set(core::DriverStat::WatchdogPretimeouts, stat(SsifStat::WatchdogPretimeouts));
    return h;
}

// ---- host messages and the flags/events machine -------------------------

void SsifInterface::send(core::SmiBytes request)
{
    if (state_ == State::ShutDown) {
        return;
    }
    waiting_.push_back(std::move(request));
    startNext();
}

void SsifInterface::requestEvents()
{
    if (!flags_.hasEventBuffer() || state_ == State::ShutDown) {
        return;
    }
    reqEvents_ = true;
    startNext();
}

void SsifInterface::setMaintenanceMode(bool on)
{
    // SSIF has nothing to slow down or speed up for firmware updates.
    static_cast<void>(on);
}

void SsifInterface::startNext()
{
    if (state_ != State::Idle) {
        return;
    }
    if (reqEvents_ && flags_.hasEventBuffer()) {
        reqEvents_ = false;
        flags_.eventsRequested();
        state_ = State::GettingEvents;
        issue(core::readEventBufferRequest(), &SsifInterface::onEvent);
        return;
    }
    // Flags go first, as in the kernel, but not twice in a row while a host
    // message waits: a flag fetch that fails slower than the watch period
    // (a BMC that stopped answering) would otherwise starve the host.
    if (reqFlags_ && !(hostTurn_ && !waiting_.empty())) {
        startFlagFetch();
        return;
    }
    while (!waiting_.empty()) {
        current_ = std::move(waiting_.front());
        waiting_.pop_front();
        if (current_.size() < 2 || current_.size() > limits_.maxRequest || current_.size() > kMaxResponse) {
            // The kernel's start_send() refuses these (E2BIG) and returns a
            // hosed message; keep the host's one-response-per-send rule
            // without calling it back from inside send().
            spdlog::warn("ssif {}: request of {} bytes does not fit (max {})", bus_.describe(), current_.size(),
                         limits_.maxRequest);
            count(SsifStat::SendErrors);
            refusals_.push_back(hosedOrShort(current_));
            if (refusals_.size() == 1) {
                loop_.post(lifetime_.guard([this] { deliverRefusals(); }));
            }
            continue;
        }
        state_ = State::Sending;
        sendStart_ = loop_.now();
        if ((config_.dbg & kDebugMessages) != 0) {
            spdlog::info("ssif {}: send netfn 0x{:02x} cmd 0x{:02x}, {} bytes", bus_.describe(), current_[0] >> 2,
                         current_[1], current_.size());
        }
        issue(current_, &SsifInterface::onUserResponse);
        return;
    }
}

core::SmiBytes SsifInterface::hosedOrShort(const core::SmiBytes& request)
{
    return request.size() >= 2 ? hosed(request) : core::SmiBytes{0x04, 0x00, 0xFF};
}

void SsifInterface::deliverRefusals()
{
    // A host that shuts us down from one of these callbacks gets the rest
    // from shutdown(), before it returns.
    while (!refusals_.empty() && state_ != State::ShutDown) {
        core::SmiBytes reply = std::move(refusals_.front());
        refusals_.pop_front();
        host_->smiResponse(std::move(reply));
    }
}

void SsifInterface::onUserResponse(TransferResult result)
{
    core::SmiBytes reply;
    if (result.error != 0) {
        spdlog::debug("ssif {}: netfn 0x{:02x} cmd 0x{:02x} failed: {}", bus_.describe(), current_[0] >> 2, current_[1],
                      *result.problem);
        // A write that never went through, or a read that never got a good
        // answer (the kernel's send_errors and receive_errors).
        count(result.failedPart ? SsifStat::SendErrors : SsifStat::ReceiveErrors);
        reply = hosed(current_);
    } else {
        // Any answer read goes up as it is, as ipmi_ssif delivers it; one
        // without netfn and cmd gets the message handler's 0xFF here. Two
        // bytes (no completion code) reach the caller with no data, as in
        // the kernel.
        count(SsifStat::SentMessages);
        count(SsifStat::ReceivedMessages);
        reply = result.response.size() < 2 ? hosed(current_) : std::move(result.response);
    }
    const auto took = loop_.now() - sendStart_;
    const auto netFn = static_cast<std::uint8_t>(current_[0] >> 2);
    const std::uint8_t cmd = current_[1];
    current_.clear();
    goIdle();
    host_->smiResponse(std::move(reply));
    if ((config_.dbg & kDebugTiming) != 0) {
        // Logged after the answer went out, so the log's cost stays out of
        // the figure; the fields are what benchmarks/vm parses.
        const auto us = [](auto d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
        const TransferTrace& t = result.trace;
        spdlog::info("ssif {}: netfn 0x{:02x} cmd 0x{:02x} took {} us: write {} us ({} op), first read after {} us, "
                     "read {} us ({} op, {} NAK), in bus calls {} us",
                     bus_.describe(), netFn, cmd, us(took), us(t.writing), t.writes, us(t.firstReadDelay),
                     us(t.reading), t.reads, t.naks, us(t.busTime));
    }
    startNext();
}

void SsifInterface::startFlagFetch()
{
    reqFlags_ = false;
    state_ = State::GettingFlags;
    issue(core::getMessageFlagsRequest(), &SsifInterface::onFlags);
}

void SsifInterface::onFlags(TransferResult result)
{
    if (result.error != 0 || !isAppResponse(result.response, abi::IPMI_GET_MSG_FLAGS_CMD, 4)) {
        spdlog::debug("ssif {}: error getting flags", bus_.describe());
        goIdle();
        startNext();
        return;
    }
    count(SsifStat::FlagFetches);
    flags_.flagsRead(result.response[3]);
    handleFlags();
}

void SsifInterface::handleFlags()
{
    if ((config_.dbg & kDebugState) != 0) {
        spdlog::info("ssif {}: flags 0x{:02x}", bus_.describe(), flags_.flags());
    }
    switch (flags_.next()) {
    case core::FlagsMachine::Fetch::ClearPretimeout:
        count(SsifStat::WatchdogPretimeouts);
        state_ = State::ClearingFlags;
        issue(core::clearPretimeoutRequest(), &SsifInterface::onClearFlags);
        host_->smiWatchdogPretimeout();
        return;
    case core::FlagsMachine::Fetch::Message:
        state_ = State::GettingMessages;
        issue(core::getMessageRequest(), &SsifInterface::onMessage);
        return;
    case core::FlagsMachine::Fetch::Event:
        state_ = State::GettingEvents;
        issue(core::readEventBufferRequest(), &SsifInterface::onEvent);
        return;
    case core::FlagsMachine::Fetch::None:
        goIdle();
        startNext();
        return;
    }
}

// By value, as every Handler: the others move the response on.
void SsifInterface::onClearFlags(TransferResult result) // NOLINT(performance-unnecessary-value-param)
{
    if (result.error != 0 || !isAppResponse(result.response, abi::IPMI_CLEAR_MSG_FLAGS_CMD, 3)) {
        spdlog::warn("ssif {}: error clearing the watchdog flag", bus_.describe());
    }
    // Departure: the kernel goes idle here and leaves messages/events for
    // the next poll; handling them now saves a flag fetch.
    handleFlags();
}

void SsifInterface::onMessage(TransferResult result)
{
    const bool ok = result.error == 0 && isAppResponse(result.response, abi::IPMI_GET_MSG_CMD, 3);
    flags_.messageFetched(ok); // not ok: empty (0x80) or broken, done
    if (!ok) {
        handleFlags();
        return;
    }
    count(SsifStat::IncomingMessages);
    if (flags_.takeRecheck()) {
        reqFlags_ = true; // look again after others had their turn
    }
    host_->smiReceived(std::move(result.response));
    if (state_ == State::GettingMessages) {
        handleFlags();
    }
}

void SsifInterface::onEvent(TransferResult result)
{
    const bool ok = result.error == 0 && isAppResponse(result.response, abi::IPMI_READ_EVENT_MSG_BUFFER_CMD, 3);
    flags_.eventFetched(ok, result.response.size());
    if (!ok) {
        handleFlags();
        return;
    }
    count(SsifStat::Events);
    if (flags_.takeRecheck()) {
        reqFlags_ = true;
    }
    host_->smiReceived(std::move(result.response));
    if (state_ == State::GettingEvents) {
        handleFlags();
    }
}

void SsifInterface::goIdle()
{
    if (state_ == State::ShutDown) {
        return;
    }
    const bool afterHostMessage = state_ == State::Sending;
    hostTurn_ = !afterHostMessage;
    state_ = State::Idle;
    // An attention that arrived while the alert line was already up for a
    // response raised no new edge; the level tells. Only after a host
    // message: right after a flag fetch the level says nothing new, and a
    // BMC stuck asserting it must not keep us fetching flags.
    if (afterHostMessage && alertsActive_ && bus_.alertAsserted()) {
        reqFlags_ = true;
    }
}

void SsifInterface::onAlert()
{
    if (!alertsActive_ || state_ == State::ShutDown) {
        return;
    }
    count(SsifStat::Alerts);
    if (state_ == State::Idle) {
        reqFlags_ = true;
        startNext();
    } else if (transfer_.busy()) {
        transfer_.alert(); // most likely our response is ready
    }
}

// ---- watching ----------------------------------------------------------

void SsifInterface::setNeedWatch(unsigned mask)
{
    watchMask_ = mask;
    armWatch();
}

void SsifInterface::armWatch()
{
    if (state_ == State::Stopped || state_ == State::Probing || state_ == State::ShutDown || alertsActive_ ||
        watchMask_ == 0) {
        watchTimer_->cancel();
        return;
    }
    const auto period = (watchMask_ & (core::kWatchCheckMessages | core::kWatchCheckCommands)) != 0
                            ? core::Clock::duration(kWatchMessages)
                            : core::Clock::duration(kWatchWatchdog);
    watchTimer_->start(period, [this] {
        if (state_ == State::Idle) {
            reqFlags_ = true;
            startNext();
        } else {
            reqFlags_ = true;
        }
        armWatch();
    });
}

void SsifInterface::shutdown()
{
    if (state_ == State::ShutDown) {
        return;
    }
    const bool inFlight = state_ == State::Sending;
    const State before = state_;
    state_ = State::ShutDown;
    transfer_.cancel();
    watchTimer_->cancel();
    faults_.stop();
    bus_.setAlertHandler({});
    lifetime_.end();
    if (host_ == nullptr || before == State::Stopped) {
        return;
    }
    // Every message the host handed us gets its answer before we return,
    // in the order they came: refusals not yet delivered were handed over
    // before the one in flight, which came before those still waiting.
    std::deque<core::SmiBytes> refusals = std::move(refusals_);
    refusals_.clear();
    for (auto& reply : refusals) {
        host_->smiResponse(std::move(reply));
    }
    if (inFlight && !current_.empty()) {
        host_->smiResponse(hosed(current_));
    }
    std::deque<core::SmiBytes> waiting = std::move(waiting_);
    waiting_.clear();
    for (const auto& request : waiting) {
        host_->smiResponse(hosedOrShort(request));
    }
}

} // namespace ipmi::ssif
