// ServiceUser: msgid-matched callbacks over one in-process user.
#include "core/services/service_user.hpp"

#include <cerrno>

namespace ipmi::core::services {

ServiceUser::ServiceUser(MessageHandler& handler, int ifnum, int& error, UserSlot slot) : ifnum_(ifnum)
{
    auto result = handler.createUser(ifnum, *this, slot);
    error = result.error;
    user_ = std::move(result.value);
    if (!user_ && error == 0) {
        error = -ENODEV;
    }
}

ServiceUser::~ServiceUser() = default;

int ServiceUser::send(const abi::ipmi_addr& addr, std::uint8_t netfn, std::uint8_t cmd,
                      std::span<const std::uint8_t> data, const RequestOptions& options, ResponseFn done)
{
    if (!valid()) {
        return -ENODEV;
    }
    const long msgid = nextMsgid_++;
    // Registered first: the answer may arrive before request() returns.
    pending_.emplace(msgid, std::move(done));
    const auto alive = lifetime_.witness();
    const int rv = user_->request(addr, msgid, netfn, cmd, data, options);
    if (rv != 0 && alive) {
        pending_.erase(msgid);
    }
    return rv;
}

int ServiceUser::sendSi(std::uint8_t netfn, std::uint8_t cmd, std::span<const std::uint8_t> data,
                        const RequestOptions& options, ResponseFn done)
{
    return send(systemInterfaceAddress(0), netfn, cmd, data, options, std::move(done));
}

std::uint8_t ServiceUser::channelZeroAddress() const
{
    std::uint8_t address = 0x20;
    if (user_) {
        (void)user_->getMyAddress(0, address);
    }
    return address;
}

void ServiceUser::onMessage(ReceivedMessage msg)
{
    if (msg.recvType != abi::IPMI_RESPONSE_RECV_TYPE) {
        return; // services never ask for events or commands
    }
    auto it = pending_.find(msg.msgid);
    if (it == pending_.end()) {
        return; // cancelled, or answered late after the service gave up
    }
    ResponseFn done = std::move(it->second);
    pending_.erase(it);
    ServiceResponse response{msg.netfn, msg.cmd, std::move(msg.data)};
    if (response.data.empty()) {
        response.data.push_back(abi::IPMI_UNKNOWN_ERR_COMPLETION_CODE);
    }
    msg.charge.release();
    done(response);
}

void ServiceUser::onShutdown()
{
    pending_.clear();
    if (onShutdown_) {
        // The handler may destroy us; copy it out first.
        auto handler = onShutdown_;
        handler();
    }
}

} // namespace ipmi::core::services
