// The in-process user every service in core/services/ talks through: one
// core::User on one interface, with a completion callback per request,
// matched by msgid (the kernel's services pass a completion or a message
// pointer as user_msg_data for the same purpose). A service sends one
// request, waits for its callback, sends the next: the kernel's
// "request and wait" without blocking the loop.
//
// Callbacks run on the loop thread, possibly before send() returns (an
// interface that answers at once delivers re-entrantly). A callback may
// destroy the ServiceUser. When the interface goes away, pending callbacks
// are dropped and the shutdown handler is told.
#pragma once

#include "base/lifetime.hpp"
#include "core/message_handler.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>

namespace ipmi::core::services {

// The response as a service sees it: completion code first, then the data
// (the kernel's recv_msg->msg.data).
struct ServiceResponse
{
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::vector<std::uint8_t> data; // [cc, data...]; never empty

    [[nodiscard]] std::uint8_t cc() const { return data.empty() ? 0xFF : data[0]; }
};

class ServiceUser final : public UserHandler
{
  public:
    using ResponseFn = std::function<void(const ServiceResponse&)>;

    // Creates the user; on failure `error` gets -errno and valid() is false.
    // `slot`: whether it takes one of max_users' slots (message_handler.hpp).
    ServiceUser(MessageHandler& handler, int ifnum, int& error, UserSlot slot = UserSlot::Counted);
    ~ServiceUser() override;
    ServiceUser(const ServiceUser&) = delete;
    ServiceUser& operator=(const ServiceUser&) = delete;

    [[nodiscard]] int ifnum() const { return ifnum_; }
    [[nodiscard]] bool valid() const { return user_ && user_->valid(); }

    // 0 once queued (done will be called exactly once, unless the interface
    // goes away first), else -errno and done is never called.
    int send(const abi::ipmi_addr& addr, std::uint8_t netfn, std::uint8_t cmd, std::span<const std::uint8_t> data,
             const RequestOptions& options, ResponseFn done);
    // The same to the system interface, LUN 0.
    int sendSi(std::uint8_t netfn, std::uint8_t cmd, std::span<const std::uint8_t> data, const RequestOptions& options,
               ResponseFn done);

    // Forgets every pending callback (their responses are dropped).
    void cancelAll() { pending_.clear(); }
    [[nodiscard]] std::size_t pendingCount() const { return pending_.size(); }

    // Our IPMB address on channel 0 (the kernel's intf->addrinfo[0].address).
    [[nodiscard]] std::uint8_t channelZeroAddress() const;

    void setShutdownHandler(std::function<void()> onShutdown) { onShutdown_ = std::move(onShutdown); }

    // UserHandler
    void onMessage(ReceivedMessage msg) override;
    void onShutdown() override;

  private:
    int ifnum_;
    std::unique_ptr<User> user_;
    long nextMsgid_ = 1;
    std::map<long, ResponseFn> pending_;
    std::function<void()> onShutdown_;
    base::Lifetime lifetime_;
};

} // namespace ipmi::core::services
