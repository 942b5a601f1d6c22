// The SI policy: start-up, flags, events and the user queue over one
// Transport. Every path ends in pump(), which starts the next transaction
// when the transport is free: attention first, then requested events, then
// the user queue, then a deferred flag re-check (the kernel's priorities).
#include "si/smi_policy.hpp"

#include "abi/ipmi_msgdefs.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

namespace ipmi::si {

using core::FlagsMachine;
using core::SmiBytes;

namespace {
constexpr std::uint8_t kAppRequest = abi::IPMI_NETFN_APP_REQUEST << 2;

constexpr std::uint8_t kEnablesMask =
    abi::IPMI_BMC_RCV_MSG_INTR | abi::IPMI_BMC_EVT_MSG_INTR | abi::IPMI_BMC_EVT_MSG_BUFF;

constexpr std::uint32_t kDellIana = 0x0002A2;

// ipmi_si's side of the shared machine.
constexpr FlagsMachine::Style kSiStyle{
    .shortEventEndsRun = true,
    .recheckAfterTenEvents = false,
    .clearFlagsFirst = false,
    .clearReceiveIrq = true,
};

SmiBytes failed(std::span<const std::uint8_t> request, std::uint8_t cc)
{
    const std::uint8_t netfn = request.empty() ? 0 : request[0];
    const std::uint8_t cmd = request.size() > 1 ? request[1] : 0;
    return SmiBytes{static_cast<std::uint8_t>(netfn | 0x04), cmd, cc};
}

// What is wrong with a response that does not answer this request ("BMC
// returned incorrect response", in the kernel's words), or nullopt.
std::optional<std::string> mismatch(std::span<const std::uint8_t> request, const SmiBytes& response)
{
    if (request.size() < 2) {
        return "no request to answer";
    }
    if (response.size() < 3) {
        return fmt::format("an answer of {} bytes to netfn {:#04x} cmd {:#04x}", response.size(), request[0] >> 2,
                           request[1]);
    }
    if ((response[0] >> 2) != ((request[0] >> 2) | 1) || response[1] != request[1]) {
        return fmt::format("an incorrect response (netfn/cmd {:#04x}/{:#04x} for {:#04x}/{:#04x})", response[0] >> 2,
                           response[1], request[0] >> 2, request[1]);
    }
    return std::nullopt;
}

std::uint8_t cc(const SmiBytes& response)
{
    return response.size() > 2 ? response[2] : 0xFF;
}

core::InterfaceInfo vetted(core::InterfaceInfo info)
{
    info.responsesVetted = true;
    return info;
}
} // namespace

SmiPolicy::SmiPolicy(core::EventLoop& loop, std::unique_ptr<Transport> transport)
    : SmiPolicy(loop, std::move(transport), Options{})
{
}

SmiPolicy::SmiPolicy(core::EventLoop& loop, std::unique_ptr<Transport> transport, Options options)
    : loop_(loop), transport_(std::move(transport)), info_(vetted(transport_->info())), options_(options),
      retryTimer_(loop.makeTimer()), pollTimer_(loop.makeTimer()), attentionTimer_(loop.makeTimer()), flags_(kSiStyle),
      faults_(loop, "smi " + info_.description, options.faultSettle)
{
}

SmiPolicy::~SmiPolicy()
{
    if (started_ && !shutDown_) {
        shutdown();
    }
}

const core::InterfaceInfo& SmiPolicy::info() const
{
    return info_;
}

void SmiPolicy::start(core::InterfaceHost& host)
{
    if (started_) {
        return;
    }
    host_ = &host;
    started_ = true;
    starting_ = true;
    dellBt_ = false;
    transport_->start(*this);
    issue(Op::DeviceId, {kAppRequest, abi::IPMI_GET_DEVICE_ID_CMD});
}

void SmiPolicy::send(SmiBytes request)
{
    if (shutDown_) {
        return;
    }
    if (dellBtShortcut(request)) {
        // Answered without the BMC; still asynchronously, like any response.
        shortcutAnswers_.push_back(failed(request, abi::CANNOT_RETURN_REQUESTED_LENGTH));
        if (shortcutAnswers_.size() == 1) {
            loop_.post(lifetime_.guard([this] { deliverShortcutAnswers(); }));
        }
        return;
    }
    userQueue_.push_back(std::move(request));
    pump();
}

void SmiPolicy::deliverShortcutAnswers()
{
    // A host that shuts us down from one of these callbacks gets the rest
    // from shutdown(), before it returns.
    while (!shortcutAnswers_.empty() && !shutDown_ && host_ != nullptr) {
        SmiBytes response = std::move(shortcutAnswers_.front());
        shortcutAnswers_.pop_front();
        host_->smiResponse(std::move(response));
    }
}

void SmiPolicy::requestEvents()
{
    if (!flags_.hasEventBuffer() || shutDown_) {
        return;
    }
    eventsRequested_ = true;
    pump();
}

void SmiPolicy::setNeedWatch(unsigned mask)
{
    needWatch_ = mask;
    transport_->watchAttention(mask != 0);
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
    attentionTimer_->cancel();
    faults_.stop();
    // Nothing may be lost: whatever the host is waiting for ends now.
    if (inFlight_ == Op::User && host_ != nullptr) {
        host_->smiResponse(failed(inFlightHead_.view(), abi::IPMI_ERR_UNSPECIFIED));
    }
    inFlight_ = Op::None;
    for (SmiBytes& response : std::exchange(shortcutAnswers_, {})) {
        if (host_ != nullptr) {
            host_->smiResponse(std::move(response));
        }
    }
    while (!userQueue_.empty() && host_ != nullptr) {
        SmiBytes request = std::move(userQueue_.front());
        userQueue_.pop_front();
        host_->smiResponse(failed(request, abi::IPMI_ERR_UNSPECIFIED));
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
    return dellBt_ && request.size() >= 8 && (request[0] >> 2) == abi::IPMI_NETFN_STORAGE_REQUEST &&
           request[1] == abi::STORAGE_CMD_GET_SDR && request[7] == 0x3A;
}

void SmiPolicy::issue(Op op, SmiBytes request)
{
    inFlight_ = op;
    // The transport holds the request; the response is checked against, and
    // failures are built from, its netfn and cmd alone.
    inFlightHead_ = core::RequestHead(request);
    transport_->startTransaction(std::move(request));
}

void SmiPolicy::pump()
{
    pump_.run([this] { pumpOnce(); });
}

void SmiPolicy::pumpOnce()
{
    if (!started_ || shutDown_ || starting_ || inFlight_ != Op::None) {
        return;
    }
    if (gotAttention_ && !attentionTimer_->pending()) {
        gotAttention_ = false;
        recheckFlags_ = false;
        issue(Op::GetFlags, core::getMessageFlagsRequest());
        return;
    }
    if (eventsRequested_) {
        eventsRequested_ = false;
        issue(Op::CheckEnables, core::getGlobalEnablesRequest());
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
        issue(Op::GetFlags, core::getMessageFlagsRequest());
    }
}

void SmiPolicy::attention()
{
    if (shutDown_) {
        return;
    }
    faults_.count(core::DriverStat::Attentions);
    gotAttention_ = true;
    if (!attentionTimer_->pending()) {
        pump();
    }
}

void SmiPolicy::holdAttention()
{
    // The kernel gives up for now and lets the next attention retry. With
    // an attention bit stuck on a BMC that cannot answer, that is one flag
    // fetch after another without end and without time passing; so the
    // next fetch waits a flag poll interval, whatever attention arrives
    // meanwhile (users go first in between).
    gotAttention_ = false;
    attentionTimer_->start(options_.flagPollInterval, [this] { pump(); });
}

SmiBytes SmiPolicy::judged(SmiBytes raw, const std::optional<std::string>& hosed)
{
    auto wrong = mismatch(inFlightHead_.view(), raw);
    if (hosed) {
        faults_.failed(core::FaultKind::Hosed, inFlightHead_.describe() + ": " + *hosed);
    } else if (wrong) {
        spdlog::debug("smi {}: BMC returned {}", info_.description, *wrong);
        faults_.failed(core::FaultKind::BadResponse, "BMC returned " + *wrong);
    } else if (cc(raw) == abi::IPMI_TIMEOUT_ERR) {
        faults_.failed(core::FaultKind::Timeout, inFlightHead_.describe() + ": completion code 0xc3 (timeout)");
    } else {
        faults_.answered();
    }
    return wrong ? failed(inFlightHead_.view(), abi::IPMI_ERR_UNSPECIFIED) : std::move(raw);
}

void SmiPolicy::transactionDone(SmiBytes raw, std::optional<std::string> hosed)
{
    if (shutDown_ || inFlight_ == Op::None) {
        return;
    }
    const Op op = inFlight_;
    inFlight_ = Op::None;
    SmiBytes response = judged(std::move(raw), hosed);

    switch (op) {
    case Op::None:
        break;
    case Op::User:
        host_->smiResponse(std::move(response));
        break;
    case Op::DeviceId:
        onDeviceIdResponse(response);
        break;
    case Op::Startup:
        onStartupResponse(response);
        break;
    case Op::GetFlags:
        if (cc(response) != 0 || response.size() < 4) {
            holdAttention();
            break;
        }
        faults_.count(core::DriverStat::FlagFetches);
        flags_.flagsRead(response[3]);
        handleFlags();
        break;
    case Op::GetMessage:
        if (cc(response) == 0) {
            faults_.count(core::DriverStat::IncomingMessages);
        }
        flags_.messageFetched(cc(response) == 0);
        recheckFlags_ = flags_.takeRecheck() || recheckFlags_; // let users in, then look again
        handleFlags();                                         // before delivering: the host may send from the callback
        if (cc(response) == 0) {
            host_->smiReceived(std::move(response));
        }
        break;
    case Op::ReadEvent:
        if (cc(response) == 0) {
            faults_.count(core::DriverStat::Events);
        }
        flags_.eventFetched(cc(response) == 0, response.size());
        handleFlags();
        if (cc(response) == 0) {
            host_->smiReceived(std::move(response));
        }
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
            issue(Op::SetEnables,
                  core::setGlobalEnablesRequest(static_cast<std::uint8_t>(enables | (response[3] & ~kEnablesMask))));
        } else if (flags_.hasEventBuffer()) {
            startEventFetch();
        }
        break;
    }
    case Op::SetEnables:
        if (cc(response) != 0) {
            spdlog::warn("smi: could not set the BMC global enables: {:#04x}", cc(response));
        }
        if (flags_.hasEventBuffer()) {
            startEventFetch();
        }
        break;
    }
    pump();
}

void SmiPolicy::startEventFetch()
{
    flags_.eventsRequested();
    issue(Op::ReadEvent, core::readEventBufferRequest());
}

void SmiPolicy::handleFlags()
{
    switch (flags_.next()) {
    case FlagsMachine::Fetch::ClearPretimeout:
        faults_.count(core::DriverStat::WatchdogPretimeouts);
        issue(Op::ClearFlags, core::clearPretimeoutRequest());
        host_->smiWatchdogPretimeout();
        return;
    case FlagsMachine::Fetch::Message:
        issue(Op::GetMessage, core::getMessageRequest());
        return;
    case FlagsMachine::Fetch::Event:
        issue(Op::ReadEvent, core::readEventBufferRequest());
        return;
    case FlagsMachine::Fetch::None:
        return;
    }
}

std::uint8_t SmiPolicy::wantedEnables() const
{
    // No interrupts in userspace: only the event buffer, plus the receive
    // interrupt bit if the BMC would not let us clear it.
    std::uint8_t enables = 0;
    if (flags_.hasEventBuffer()) {
        enables |= abi::IPMI_BMC_EVT_MSG_BUFF;
    }
    if (flags_.cannotDisableIrq()) {
        enables |= abi::IPMI_BMC_RCV_MSG_INTR;
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
    flags_.setOemMeansMessage(poweredge8g || before15);
    dellBt_ = info_.type == "bt";
}

void SmiPolicy::onDeviceIdResponse(const SmiBytes& response)
{
    const std::uint8_t code = cc(response);
    if (code != 0) {
        if (++deviceIdAttempts_ <= options_.deviceIdRetries) {
            faults_.count(core::DriverStat::Retries);
            retryTimer_->start(options_.deviceIdRetryDelay, [this] {
                issue(Op::DeviceId, {kAppRequest, abi::IPMI_GET_DEVICE_ID_CMD});
            });
            return;
        }
        spdlog::error("smi {}: Get Device ID failed ({:#04x}) after {} retries; serving anyway", info_.description,
                      code, options_.deviceIdRetries);
    } else {
        onDeviceId(response);
    }
    issue(Op::Startup, flags_.startup());
}

void SmiPolicy::onStartupResponse(const SmiBytes& response)
{
    const bool clearingIrq = flags_.startStep() == FlagsMachine::StartStep::ClearIrqEnable;
    std::optional<SmiBytes> next = flags_.startupAnswered(cc(response) == 0, response);
    if (clearingIrq && flags_.cannotDisableIrq()) {
        spdlog::warn("smi {}: the BMC cannot clear the receive-message interrupt enable; compensating",
                     info_.description);
    }
    if (next) {
        issue(Op::Startup, std::move(*next));
        return;
    }
    finishStartup();
}

void SmiPolicy::finishStartup()
{
    starting_ = false;
    armFlagPoll();
}

} // namespace ipmi::si
