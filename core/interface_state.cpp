// One registered interface's life cycle, its users, and the two pumps that
// move messages: the transmit side (one message in flight, the high-priority
// queue drained before the normal one, as smi_send/smi_recv_work do) and the
// receive side (responses and BMC-initiated messages handled in arrival
// order; a message whose receiver is at max_msgs_per_user stays at the head
// and is retried on the next tick, as the kernel's requeue does).
//
// Re-entrancy: user callbacks may send, destroy users or remove this very
// interface while a pump runs; the pump only ever touches members, and the
// MessageHandler keeps a removed InterfaceState alive until the loop is idle.
#include "core/interface_state.hpp"

#include "abi/ipmi_msgdefs.hpp"
#include "base/invariant.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>

namespace ipmi::core::detail {

InterfaceState::InterfaceState(MessageHandler& owner, int num, std::unique_ptr<Interface> interface)
    : owner_(owner), params_(owner.params()), num_(num), interface_(std::move(interface)),
      retryTimer_(owner.loop().makeTimer())
{
    // Every channel starts as address 0x20 / SMS LUN 2; channel 0 takes the
    // BMC slave address the lower driver found (e.g. from SMBIOS).
    for (auto& info : addrInfo_) {
        info = AddrInfo{};
    }
    if (interface_->info().slaveAddr != 0) {
        addrInfo_[0].address = interface_->info().slaveAddr;
    }
}

InterfaceState::~InterfaceState() = default;

void InterfaceState::start()
{
    interface_->start(*this);
    fetchGuid();
}

void InterfaceState::shutdown()
{
    if (shutDown_) {
        return;
    }
    shutDown_ = true;
    phase_ = Phase::ShuttingDown;
    retryTimer_->cancel();
    // Every user dies first (ipmi_unregister_smi destroys them before the
    // lower driver is shut down), so nothing below reaches a user.
    const auto users = users_;
    for (const auto& user : users) {
        destroyUser(*user);
        user->handler->onShutdown();
    }
    interface_->shutdown();
    hpXmit_.clear();
    xmit_.clear();
    failAllSeqs();
    waitingEvents_.clear();
    cmdReceivers_.clear();
    pump();
}

SmiInfo InterfaceState::smiInfo() const
{
    return SmiInfo{interface_->info(), deviceId_, guid_};
}

InterfaceStatus InterfaceState::status() const
{
    InterfaceStatus out;
    out.users = nrUsers_;
    out.eventUsers = eventWaiters_;
    out.outstandingRequests = seqsInUse();
    out.waitingEvents = static_cast<int>(waitingEvents_.size());
    out.maintenanceMode = maintenanceMode_;
    out.maintenanceActive = maintenanceEnabled_;
    out.channels = channels_;
    out.stats = stats_;
    out.responses = responses_;
    out.driver = interface_->health();
    return out;
}

// ---- users ----------------------------------------------------------------

std::shared_ptr<UserState> InterfaceState::createUser(UserHandler& handler, UserSlot slot, int& error)
{
    if (phase_ != Phase::Ready) {
        error = phase_ == Phase::ShuttingDown ? -ENODEV : -EINVAL;
        return nullptr;
    }
    const bool counted = slot == UserSlot::Counted;
    if (counted && nrUsers_ + 1 > params_.maxUsers) {
        error = -EBUSY;
        return nullptr;
    }
    auto user = std::make_shared<UserState>();
    user->intf = this;
    user->handler = &handler;
    user->ifnum = num_;
    user->wantsPretimeout = handler.wantsWatchdogPretimeout();
    user->slot = slot;
    users_.push_back(user);
    if (counted) {
        ++nrUsers_;
    }
    if (user->wantsPretimeout) {
        ++pretimeoutWaiters_;
        updateWatch();
    }
    error = 0;
    return user;
}

void InterfaceState::destroyUser(UserState& user)
{
    if (user.intf != this) {
        return;
    }
    if (user.getsEvents) {
        user.getsEvents = false;
        --eventWaiters_;
    }
    if (user.wantsPretimeout) {
        --pretimeoutWaiters_;
    }
    // Outstanding IPMB/LAN requests of this user vanish without an answer;
    // its system-interface requests already queued still go out, and their
    // responses are dropped because the user is gone.
    dropUserSeqs(user);
    dropUserReceivers(user);
    std::erase_if(users_, [&user](const auto& u) { return u.get() == &user; });
    if (user.slot == UserSlot::Counted) {
        --nrUsers_;
    }
    user.intf = nullptr;
    updateWatch();
}

bool InterfaceState::allocCharge(UserState& user, MessageCharge& charge) const
{
    if (*user.nrMsgs >= params_.maxMsgsPerUser) {
        return false;
    }
    ++*user.nrMsgs;
    charge = MessageCharge(user.nrMsgs);
    return true;
}

bool InterfaceState::isLanMedium(unsigned channel) const
{
    const auto medium = channels_[channel & 0x0F].medium;
    return medium == abi::IPMI_CHANNEL_MEDIUM_8023LAN || medium == abi::IPMI_CHANNEL_MEDIUM_ASYNC;
}

void InterfaceState::updateWatch()
{
    unsigned mask = 0;
    if (seqsInUse() > 0) {
        mask |= kWatchCheckMessages;
    }
    if (!cmdReceivers_.empty()) {
        mask |= kWatchCheckCommands;
    }
    if (pretimeoutWaiters_ > 0) {
        mask |= kWatchCheckWatchdog;
    }
    if (mask != watchMask_ && phase_ != Phase::ShuttingDown) {
        watchMask_ = mask;
        interface_->setNeedWatch(mask);
    }
}

// ---- transmit and receive pumps --------------------------------------------

void InterfaceState::smiSend(Outgoing out, bool highPriority)
{
    (highPriority ? hpXmit_ : xmit_).push_back(std::move(out));
    pump();
}

void InterfaceState::smiResponse(SmiBytes response)
{
    if (!inFlight_) {
        spdlog::warn("ipmi{}: response with no request in flight dropped (netfn/lun {:#04x})", num_,
                     response.empty() ? 0 : response[0]);
        return;
    }
    // The next request may go out now, even if handling this one stalls.
    rcvQueue_.push_back(Incoming{std::move(response), std::move(inFlight_)});
    inFlight_.reset();
    rcvStalled_ = false;
    pump();
}

void InterfaceState::smiReceived(SmiBytes message)
{
    rcvQueue_.push_back(Incoming{std::move(message), std::nullopt});
    rcvStalled_ = false;
    pump();
}

void InterfaceState::smiWatchdogPretimeout()
{
    if (phase_ == Phase::ShuttingDown) {
        return;
    }
    const auto users = users_;
    for (const auto& user : users) {
        if (user->intf == this && user->wantsPretimeout) {
            user->handler->onWatchdogPretimeout();
        }
    }
}

void InterfaceState::pump()
{
    pump_.run([this] { drainQueues(); }); // asked from inside, the pass under way picks up what was queued
}

void InterfaceState::drainQueues()
{
    for (;;) {
        if (!rcvStalled_ && !rcvQueue_.empty()) {
            Incoming in = std::move(rcvQueue_.front());
            rcvQueue_.pop_front();
            if (handleIncoming(in) == Handled::Requeue) {
                rcvQueue_.push_front(std::move(in));
                rcvStalled_ = true;
                owner_.needTick();
            }
            continue;
        }
        if (!inFlight_ && phase_ != Phase::ShuttingDown && (!hpXmit_.empty() || !xmit_.empty())) {
            auto& queue = hpXmit_.empty() ? xmit_ : hpXmit_;
            inFlight_ = std::move(queue.front());
            queue.pop_front();
            auto& head = inFlight_->head;
            std::copy_n(inFlight_->data.begin(), std::min(head.size(), inFlight_->data.size()), head.begin());
            interface_->send(std::move(inFlight_->data));
            continue;
        }
        break;
    }
}

InterfaceState::Handled InterfaceState::handleIncoming(Incoming& in)
{
    if (in.request) {
        handleResponse(*in.request, in.rsp);
        return Handled::Done;
    }
    const auto& rsp = in.rsp;
    constexpr std::uint8_t kAppResponse = abi::IPMI_NETFN_APP_RESPONSE << 2;
    if (rsp.size() >= 3 && rsp[0] == kAppResponse && rsp[1] == abi::IPMI_GET_MSG_CMD) {
        return handleGetMessage(rsp);
    }
    if (rsp.size() >= 2 && rsp[0] == kAppResponse && rsp[1] == abi::IPMI_READ_EVENT_MSG_BUFFER_CMD) {
        return handleEvent(rsp);
    }
    spdlog::warn("ipmi{}: BMC message with no owner dropped (netfn/lun {:#04x} cmd {:#04x})", num_,
                 rsp.empty() ? 0 : rsp[0], rsp.size() < 2 ? 0 : rsp[1]);
    return Handled::Done;
}

void InterfaceState::handleResponse(Outgoing& request, SmiBytes& rsp)
{
    if (request.owner == Owner::AutoReply) {
        return;
    }
    if (request.owner == Owner::Sequenced) {
        // Checked before any sanity check of the response, as the kernel does.
        handleSendMessageResponse(request, rsp);
        return;
    }
    const auto& req = request.head;
    if (!interface_->info().responsesVetted &&
        (rsp.size() < 2 || (rsp[0] >> 2) != ((req[0] >> 2) | 1) || rsp[1] != req[1])) {
        spdlog::warn("ipmi{}: BMC returned an incorrect response (netfn/lun {:#04x} cmd {:#04x})", num_,
                     rsp.empty() ? 0 : rsp[0], rsp.size() < 2 ? 0 : rsp[1]);
        rsp = {static_cast<std::uint8_t>(req[0] | 0x04), req[1], abi::IPMI_ERR_UNSPECIFIED};
    }
    switch (request.owner) {
    case Owner::Internal:
        if (request.internal) {
            request.internal(rsp);
        }
        return;
    case Owner::ResponseSend: {
        // The answer to a response we sent: its Send Message completion code
        // goes to the user as a type-4 message.
        base::invariant(request.reply != nullptr, "a user's IPMB/LAN response carries its reply");
        auto reply = std::move(request.reply);
        reply->msg.recvType = abi::IPMI_RESPONSE_RESPONSE_TYPE;
        reply->msg.data.assign(1, rsp.size() >= 3 ? rsp[2] : abi::IPMI_ERR_UNSPECIFIED);
        deliver(std::move(reply), Stat::HandledLocalResponses, Stat::UnhandledLocalResponses);
        return;
    }
    case Owner::User: {
        base::invariant(request.reply != nullptr, "a user's system-interface request carries its reply");
        auto reply = std::move(request.reply);
        auto& msg = reply->msg;
        msg.recvType = abi::IPMI_RESPONSE_RECV_TYPE;
        // Only type, channel and LUN are rewritten; the rest of the address
        // keeps what the user passed in, as the kernel's recv_msg does.
        msg.addr.addr_type = abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
        msg.addr.channel = abi::IPMI_BMC_CHANNEL;
        msg.addr.data[0] = static_cast<char>(rsp[0] & 0x03);
        msg.netfn = static_cast<std::uint8_t>(rsp[0] >> 2);
        msg.cmd = rsp[1];
        msg.data.assign(rsp.begin() + 2, rsp.end());
        deliver(std::move(reply), Stat::HandledLocalResponses, Stat::UnhandledLocalResponses);
        return;
    }
    case Owner::Sequenced:
    case Owner::AutoReply:
        return; // handled above
    case Owner::Local:
        // Answered in request(), never queued: nothing of it can come back.
        base::invariantBroken("a response reached a request the gate refused, which was never sent");
    }
}

void InterfaceState::deliver(std::unique_ptr<PendingReply> reply, Stat handled, Stat unhandled)
{
    const auto user = reply->user;
    if (!user || user->intf != this) {
        inc(unhandled);
        return;
    }
    inc(handled);
    const auto& msg = reply->msg;
    if (msg.recvType == abi::IPMI_RESPONSE_RECV_TYPE && !msg.data.empty()) {
        countResponse(msg.data[0]);
    }
    user->handler->onMessage(std::move(reply->msg));
}

void InterfaceState::countResponse(std::uint8_t cc)
{
    switch (cc) {
    case abi::IPMI_CC_NO_ERROR:
        ++responses_.ok;
        break;
    case abi::IPMI_TIMEOUT_ERR:
        ++responses_.timeout;
        break;
    case abi::IPMI_ERR_UNSPECIFIED:
        ++responses_.unspecified;
        break;
    default:
        ++responses_.other;
        break;
    }
}

// ---- the 1-s tick (ipmi_timeout) ---------------------------------------------

bool InterfaceState::needsTick() const
{
    return phase_ != Phase::ShuttingDown && (eventWaiters_ > 0 || seqsInUse() > 0 || autoMaintenanceTimeoutMs_ > 0 ||
                                             ipmbMaintenanceTimeoutMs_ > 0 || rcvStalled_);
}

bool InterfaceState::tick()
{
    if (phase_ == Phase::ShuttingDown) {
        return false;
    }
    if (eventWaiters_ > 0) {
        requestEvents();
    }
    if (ipmbMaintenanceTimeoutMs_ > 0) {
        ipmbMaintenanceTimeoutMs_ = ipmbMaintenanceTimeoutMs_ <= kTickMs ? 0 : ipmbMaintenanceTimeoutMs_ - kTickMs;
    }
    checkTimeouts(kTickMs);
    maintenanceTick(kTickMs);
    rcvStalled_ = false;
    pump();
    return needsTick();
}

} // namespace ipmi::core::detail
