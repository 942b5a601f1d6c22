// Asynchronous events (Read Event Message Buffer replies): every user with
// events on gets its own copy, as netfn 0x07 cmd 0x35 msgid 0 with the
// 16-byte SEL record as data. While nobody listens, up to 25 events wait and
// the first user that turns events on gets all of them; later ones are
// dropped with a single warning. While anyone listens the interface is asked
// to fetch events on every 1-s tick, except in maintenance mode.
#include "core/interface_state.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>

namespace ipmi::core::detail {

namespace {

constexpr std::size_t kEventResponseSize = 19; // netfn, cmd, cc + 16-byte record

ReceivedMessage makeEvent(const SmiBytes& rsp)
{
    ReceivedMessage msg;
    msg.addr = systemInterfaceAddress(rsp[0] & 0x03);
    msg.recvType = abi::IPMI_ASYNC_EVENT_RECV_TYPE;
    msg.msgid = 0;
    msg.netfn = static_cast<std::uint8_t>(rsp[0] >> 2);
    msg.cmd = rsp[1];
    msg.data.assign(rsp.begin() + 3, rsp.end());
    return msg;
}

} // namespace

InterfaceState::Handled InterfaceState::handleEvent(const SmiBytes& rsp)
{
    if (rsp.size() < kEventResponseSize) {
        inc(Stat::InvalidEvents);
        return Handled::Done;
    }
    if (rsp[2] != 0) {
        return Handled::Done; // e.g. 0x80: the buffer was empty
    }
    std::vector<std::shared_ptr<UserState>> receivers;
    for (const auto& user : users_) {
        if (user->getsEvents) {
            receivers.push_back(user);
        }
    }
    if (!receivers.empty()) {
        // One stuck reader holds the event (and everything behind it) until
        // it drains, as the kernel's message limit does.
        for (const auto& user : receivers) {
            if (*user->nrMsgs >= params_.maxMsgsPerUser) {
                return Handled::Requeue;
            }
        }
        inc(Stat::Events);
        for (const auto& user : receivers) {
            auto reply = std::make_unique<PendingReply>();
            reply->user = user;
            reply->msg = makeEvent(rsp);
            if (user->intf == this && allocCharge(*user, reply->msg.charge)) {
                deliver(std::move(reply), Stat::HandledLocalResponses, Stat::UnhandledLocalResponses);
            }
        }
        return Handled::Done;
    }
    inc(Stat::Events);
    if (waitingEvents_.size() < kMaxEventsInQueue) {
        waitingEvents_.push_back(makeEvent(rsp));
    } else if (!eventMsgPrinted_) {
        spdlog::warn("ipmi{}: event queue full, discarding incoming events", num_);
        eventMsgPrinted_ = true;
    }
    return Handled::Done;
}

int InterfaceState::setGetsEvents(const std::shared_ptr<UserState>& user, bool on)
{
    if (!user || user->intf != this) {
        return -ENODEV;
    }
    if (user->getsEvents == on) {
        return 0;
    }
    user->getsEvents = on;
    if (on) {
        if (++eventWaiters_ == 1) {
            owner_.needTick();
        }
    } else {
        --eventWaiters_;
    }
    if (deliveringEvents_.running()) {
        return 0; // the delivery under way hands out what is queued
    }
    // The first listener takes the whole backlog.
    while (user->getsEvents && user->intf == this && !waitingEvents_.empty()) {
        auto backlog = std::move(waitingEvents_);
        waitingEvents_.clear();
        if (eventMsgPrinted_) {
            spdlog::info("ipmi{}: event queue no longer full", num_);
            eventMsgPrinted_ = false;
        }
        deliveringEvents_.run([&] {
            for (auto& event : backlog) {
                auto reply = std::make_unique<PendingReply>();
                reply->user = user;
                reply->msg = std::move(event);
                ++*user->nrMsgs;
                reply->msg.charge = MessageCharge(user->nrMsgs);
                deliver(std::move(reply), Stat::HandledLocalResponses, Stat::UnhandledLocalResponses);
            }
        });
    }
    return 0;
}

void InterfaceState::requestEvents()
{
    if (maintenanceEnabled_ || phase_ == Phase::ShuttingDown) {
        return;
    }
    interface_->requestEvents();
}

} // namespace ipmi::core::detail
