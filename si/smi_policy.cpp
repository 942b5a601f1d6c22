// The shared SMI policy: start-up, flags, events and the user queue over one
// Transport. Every path ends in pump(), which starts the next transaction
// when the transport is free: attention first, then requested events, then
// the user queue, then a deferred flag re-check (the kernel's priorities).
#include "core/smi_policy.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace ipmi::core {

namespace {
constexpr std::uint8_t kAppRequest = 0x06 << 2;
constexpr std::uint8_t kStorageNetfn = 0x0A;
constexpr std::uint8_t kGetDeviceId = 0x01;
constexpr std::uint8_t kSetGlobalEnables = 0x2E;
constexpr std::uint8_t kGetGlobalEnables = 0x2F;
constexpr std::uint8_t kClearMessageFlags = 0x30;
constexpr std::uint8_t kGetMessageFlags = 0x31;
constexpr std::uint8_t kGetMessage = 0x33;
constexpr std::uint8_t kReadEventBuffer = 0x35;
constexpr std::uint8_t kGetSdr = 0x23;

constexpr std::uint8_t kFlagReceiveMessage = 0x01;
constexpr std::uint8_t kFlagEventBufferFull = 0x02;
constexpr std::uint8_t kFlagWatchdogPretimeout = 0x08;
constexpr std::uint8_t kFlagOemMask = 0xE0;

constexpr std::uint8_t kEnableReceiveIrq = 0x01;
constexpr std::uint8_t kEnableEventIrq = 0x02;
constexpr std::uint8_t kEnableEventBuffer = 0x04;
constexpr std::uint8_t kEnablesMask = kEnableReceiveIrq | kEnableEventIrq | kEnableEventBuffer;

constexpr unsigned kMaxFetchesInARow = 10;
constexpr std::size_t kEventMessageLength = 19; // netfn, cmd, cc + 16 bytes

constexpr std::uint32_t kDellIana = 0x0002A2;

SmiBytes failed(const SmiBytes& request, std::uint8_t cc)
{
    const std::uint8_t netfn = request.empty() ? 0 : request[0];
    const std::uint8_t cmd = request.size() > 1 ? request[1] : 0;
    return SmiBytes{static_cast<std::uint8_t>(netfn | 0x04), cmd, cc};
}

// A response is good if it has netfn, cmd and cc and answers this request
// ("BMC returned incorrect response" otherwise, in the kernel's words).
SmiBytes checked(const SmiBytes& request, SmiBytes response)
{
    if (response.size() < 3 || request.size() < 2) {
        return failed(request, 0xFF);
    }
    if ((response[0] >> 2) != ((request[0] >> 2) | 1) || response[1] != request[1]) {
        spdlog::warn("smi: BMC returned an incorrect response (netfn/cmd {:#04x}/{:#04x} for {:#04x}/{:#04x})",
                     response[0] >> 2, response[1], request[0] >> 2, request[1]);
        return failed(request, 0xFF);
    }
    return response;
}

std::uint8_t cc(const SmiBytes& response) { return response.size() > 2 ? response[2] : 0xFF; }
} // namespace

SmiPolicy::SmiPolicy(EventLoop& loop, std::unique_ptr<Transport> transport)
    : SmiPolicy(loop, std::move(transport), Options{})
{
}

SmiPolicy::SmiPolicy(EventLoop& loop, std::unique_ptr<Transport> transport, Options options)
    : loop_(loop), transport_(std::move(transport)), options_(options), retryTimer_(loop.makeTimer()),
      pollTimer_(loop.makeTimer()), alive_(std::make_shared<char>())
{
}

SmiPolicy::~SmiPolicy()
{
    if (started_ && !shutDown_) {
        shutdown();
    }
}

const InterfaceInfo& SmiPolicy::info() const { return transport_->info(); }

void SmiPolicy::start(InterfaceHost& host)
{
    if (started_) {
        return;
    }
    host_ = &host;
    started_ = true;
    starting_ = true;
    dellBt_ = false;
    transport_->start(*this);
    issue(Op::DeviceId, {kAppRequest, kGetDeviceId});
}

void SmiPolicy::send(SmiBytes request)
{
    if (shutDown_) {
        return;
    }
    if (dellBtShortcut(request)) {
        // Answered without the BMC; still asynchronously, like any response.
        std::weak_ptr<char> alive = alive_;
        loop_.post([this, alive, response = failed(request, 0xCA)]() mutable {
            if (alive.lock() && !shutDown_ && host_ != nullptr) {
                host_->smiResponse(std::move(response));
            }
        });
        return;
    }
    userQueue_.push_back(std::move(request));
    pump();
}

void SmiPolicy::requestEvents()
{
    if (!hasEventBuffer_ || shutDown_) {
        return;
    }
    eventsRequested_ = true;
    pump();
}

void SmiPolicy::setNeedWatch(unsigned mask)
{
    needWatch_ = mask;
    if (needWatch_ == 0) {
        pollTimer_->cancel();
        return;
    }
    armFlagPoll();
}

void SmiPolicy::armFlagPoll()
{
    if (shutDown_ || !started_ || needWatch_ == 0 || transport_->reportsAttention() || pollTimer_->pending()) {
        return;
    }
    pollTimer_->start(options_.flagPollInterval, [this] {
        gotAttention_ = true;
        pump();
        armFlagPoll();
    });
}

void SmiPolicy::setMaintenanceMode(bool on)
{
    if (!on) {
        eventsRequested_ = false;
    }
    maintenance_ = on;
}

void SmiPolicy::shutdown()
{
    if (shutDown_) {
        return;
    }
    shutDown_ = true;
    retryTimer_->cancel();
    pollTimer_->cancel();
    // Nothing may be lost: whatever the host is waiting for ends now.
    if (inFlight_ == Op::User && host_ != nullptr) {
        host_->smiResponse(failed(inFlightRequest_, 0xFF));
    }
    inFlight_ = Op::None;
    while (!userQueue_.empty() && host_ != nullptr) {
        SmiBytes request = std::move(userQueue_.front());
        userQueue_.pop_front();
        host_->smiResponse(failed(request, 0xFF));
    }
    userQueue_.clear();
    if (started_) {
        transport_->shutdown();
    }
}

bool SmiPolicy::dellBtShortcut(const SmiBytes& request)
{
    // Dell PowerEdge BT BMCs hang on Get SDR reads of 0x3A bytes; the kernel
    // answers those itself with "cannot return requested length".
    return dellBt_ && request.size() >= 8 && (request[0] >> 2) == kStorageNetfn && request[1] == kGetSdr &&
           request[7] == 0x3A;
}

void SmiPolicy::issue(Op op, SmiBytes request)
{
    inFlight_ = op;
    inFlightRequest_ = request;
    transport_->startTransaction(std::move(request));
}

void SmiPolicy::pump()
{
    if (pumping_) {
        repump_ = true;
        return;
    }
    pumping_ = true;
    do {
        repump_ = false;
        pumpOnce();
    } while (repump_);
    pumping_ = false;
}

void SmiPolicy::pumpOnce()
{
    if (!started_ || shutDown_ || starting_ || inFlight_ != Op::None) {
        return;
    }
    if (gotAttention_) {
        gotAttention_ = false;
        recheckFlags_ = false;
        issue(Op::GetFlags, {kAppRequest, kGetMessageFlags});
        return;
    }
    if (eventsRequested_) {
        eventsRequested_ = false;
        issue(Op::CheckEnables, {kAppRequest, kGetGlobalEnables});
        return;
    }
    if (!userQueue_.empty()) {
        SmiBytes request = std::move(userQueue_.front());
        userQueue_.pop_front();
        issue(Op::User, std::move(request));
        return;
    }
    if (recheckFlags_) {
        recheckFlags_ = false;
        issue(Op::GetFlags, {kAppRequest, kGetMessageFlags});
    }
}

void SmiPolicy::attention()
{
    if (shutDown_) {
        return;
    }
    gotAttention_ = true;
    pump();
}

void SmiPolicy::transactionDone(SmiBytes raw)
{
    if (shutDown_ || inFlight_ == Op::None) {
        return;
    }
    const Op op = inFlight_;
    inFlight_ = Op::None;
    const SmiBytes request = std::move(inFlightRequest_);
    SmiBytes response = checked(request, std::move(raw));

    switch (op) {
    case Op::None:
        break;
    case Op::User:
        host_->smiResponse(std::move(response));
        break;
    case Op::DeviceId:
    case Op::GetEnablesForIrq:
    case Op::ClearIrqEnable:
    case Op::GetEnablesForEvt:
    case Op::EnableEventBuffer:
    case Op::ClearWatchdogFlag:
        onStartupResponse(op, response);
        break;
    case Op::GetFlags:
        if (cc(response) != 0 || response.size() < 4) {
            break; // the kernel gives up for now; the next attention retries
        }
        flags_ = response[3];
        messagesFetched_ = 0;
        eventsFetched_ = 0;
        handleFlags();
        break;
    case Op::GetMessage:
        if (cc(response) != 0) {
            flags_ &= static_cast<std::uint8_t>(~kFlagReceiveMessage); // queue empty
            handleFlags();
            break;
        }
        if (++messagesFetched_ >= kMaxFetchesInARow) {
            flags_ &= static_cast<std::uint8_t>(~kFlagReceiveMessage);
            recheckFlags_ = true; // let users in, then look again
        }
        handleFlags(); // before delivering: the host may send from the callback
        host_->smiReceived(std::move(response));
        break;
    case Op::ReadEvent:
        if (cc(response) != 0) {
            flags_ &= static_cast<std::uint8_t>(~kFlagEventBufferFull); // buffer empty (0x80)
            handleFlags();
            break;
        }
        if (++eventsFetched_ >= kMaxFetchesInARow || response.size() != kEventMessageLength) {
            flags_ &= static_cast<std::uint8_t>(~kFlagEventBufferFull);
        }
        handleFlags();
        host_->smiReceived(std::move(response));
        break;
    case Op::ClearFlags:
        if (cc(response) != 0) {
            spdlog::warn("smi: error clearing flags: {:#04x}", cc(response));
        }
        // The kernel returns to normal here; carrying on with the flags
        // already read does not lose a message on edge-triggered attention.
        handleFlags();
        break;
    case Op::CheckEnables: {
        if (cc(response) != 0 || response.size() < 4) {
            spdlog::warn("smi: cannot get the BMC global enables: {:#04x}", cc(response));
            break;
        }
        const std::uint8_t enables = wantedEnables();
        if (enables != (response[3] & kEnablesMask)) {
            issue(Op::SetEnables, {kAppRequest, kSetGlobalEnables,
                                   static_cast<std::uint8_t>(enables | (response[3] & ~kEnablesMask))});
        } else if (hasEventBuffer_) {
            startEventFetch();
        }
        break;
    }
    case Op::SetEnables:
        if (cc(response) != 0) {
            spdlog::warn("smi: could not set the BMC global enables: {:#04x}", cc(response));
        }
        if (hasEventBuffer_) {
            startEventFetch();
        }
        break;
    }
    pump();
}

void SmiPolicy::startEventFetch()
{
    flags_ = kFlagEventBufferFull;
    eventsFetched_ = 0;
    issue(Op::ReadEvent, {kAppRequest, kReadEventBuffer});
}

void SmiPolicy::handleFlags()
{
    for (;;) {
        if (flags_ & kFlagWatchdogPretimeout) {
            flags_ &= static_cast<std::uint8_t>(~kFlagWatchdogPretimeout);
            issue(Op::ClearFlags, {kAppRequest, kClearMessageFlags, kFlagWatchdogPretimeout});
            host_->smiWatchdogPretimeout();
            return;
        }
        if (flags_ & kFlagReceiveMessage) {
            issue(Op::GetMessage, {kAppRequest, kGetMessage});
            return;
        }
        if (flags_ & kFlagEventBufferFull) {
            issue(Op::ReadEvent, {kAppRequest, kReadEventBuffer});
            return;
        }
        if ((flags_ & kFlagOemMask) && oemMeansMessage_) {
            flags_ = static_cast<std::uint8_t>((flags_ & ~kFlagOemMask) | kFlagReceiveMessage);
            continue;
        }
        flags_ = 0;
        return;
    }
}

std::uint8_t SmiPolicy::wantedEnables() const
{
    // No interrupts in userspace: only the event buffer, plus the receive
    // interrupt bit if the BMC would not let us clear it.
    std::uint8_t enables = 0;
    if (hasEventBuffer_) {
        enables |= kEnableEventBuffer;
    }
    if (cannotDisableIrq_) {
        enables |= kEnableReceiveIrq;
    }
    return enables;
}

void SmiPolicy::onDeviceId(const SmiBytes& response)
{
    deviceId_ = response;
    if (response.size() < 12) {
        return;
    }
    // [netfn][cmd][cc][device id][revision][fw1][fw2][ipmi version][support][mfr x3][product x2]
    const std::uint8_t device = response[3];
    const std::uint8_t revision = response[4];
    const std::uint8_t version = response[7];
    const std::uint32_t manufacturer = response[9] | (response[10] << 8) | ((response[11] & 0x0F) << 16);
    if (manufacturer != kDellIana) {
        return;
    }
    const bool poweredge8g = device == 0x20 && revision == 0x80 && version == 0x51;
    const bool before15 = (version & 0x0F) < 1 || ((version & 0x0F) == 1 && (version >> 4) < 5);
    oemMeansMessage_ = poweredge8g || before15;
    dellBt_ = transport_->info().type == "bt";
}

void SmiPolicy::onStartupResponse(Op op, const SmiBytes& response)
{
    const std::uint8_t code = cc(response);
    switch (op) {
    case Op::DeviceId:
        if (code != 0) {
            if (++deviceIdAttempts_ <= options_.deviceIdRetries) {
                retryTimer_->start(options_.deviceIdRetryDelay, [this] {
                    issue(Op::DeviceId, {kAppRequest, kGetDeviceId});
                });
                return;
            }
            spdlog::error("smi {}: Get Device ID failed ({:#04x}) after {} retries; serving anyway",
                          transport_->info().description, code, options_.deviceIdRetries);
        } else {
            onDeviceId(response);
        }
        issue(Op::GetEnablesForIrq, {kAppRequest, kGetGlobalEnables});
        return;
    case Op::GetEnablesForIrq:
        if (code == 0 && response.size() >= 4 && (response[3] & kEnableReceiveIrq)) {
            issue(Op::ClearIrqEnable, {kAppRequest, kSetGlobalEnables,
                                       static_cast<std::uint8_t>(response[3] & ~kEnableReceiveIrq)});
            return;
        }
        issue(Op::GetEnablesForEvt, {kAppRequest, kGetGlobalEnables});
        return;
    case Op::ClearIrqEnable:
        if (code != 0) {
            spdlog::warn("smi {}: the BMC cannot clear the receive-message interrupt enable; compensating",
                         transport_->info().description);
            cannotDisableIrq_ = true;
        }
        issue(Op::GetEnablesForEvt, {kAppRequest, kGetGlobalEnables});
        return;
    case Op::GetEnablesForEvt:
        if (code != 0 || response.size() < 4) {
            issue(Op::ClearWatchdogFlag, {kAppRequest, kClearMessageFlags, kFlagWatchdogPretimeout});
            return;
        }
        if (response[3] & kEnableEventBuffer) {
            hasEventBuffer_ = true;
            issue(Op::ClearWatchdogFlag, {kAppRequest, kClearMessageFlags, kFlagWatchdogPretimeout});
            return;
        }
        issue(Op::EnableEventBuffer, {kAppRequest, kSetGlobalEnables,
                                      static_cast<std::uint8_t>(response[3] | kEnableEventBuffer)});
        return;
    case Op::EnableEventBuffer:
        hasEventBuffer_ = code == 0;
        issue(Op::ClearWatchdogFlag, {kAppRequest, kClearMessageFlags, kFlagWatchdogPretimeout});
        return;
    case Op::ClearWatchdogFlag:
        finishStartup();
        return;
    default:
        return;
    }
}

void SmiPolicy::finishStartup()
{
    starting_ = false;
    armFlagPoll();
}

} // namespace ipmi::core
