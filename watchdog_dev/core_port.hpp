// Binds the watchdog to the message handler the way ipmi_watchdog binds to
// ipmi_msghandler: an SMI watcher that, for the first usable interface (or
// ifnum_to_use), creates one in-process IPMI user (it counts against
// max_users like the kernel's watchdog user), registers the timer on it
// (WatchdogTimer::attach: stop, or start_now) and takes the user's watchdog
// pre-timeouts; when that interface goes, the timer is detached.
//
// CorePort is the WatchdogIpmiPort over that user: requests go to the system
// interface (channel 15, LUN 0) at high priority with supplied messages, and
// responses are matched to callers by msgid.
#pragma once

#include "core/message_handler.hpp"
#include "watchdog_dev/ipmi_port.hpp"
#include "watchdog_dev/watchdog_timer.hpp"

#include <functional>
#include <map>
#include <memory>

namespace ipmi::watchdog {

class CorePort final : public WatchdogIpmiPort, private core::UserHandler
{
  public:
    CorePort(core::MessageHandler& handler, WatchdogTimer& timer);
    ~CorePort() override;
    CorePort(const CorePort&) = delete;
    CorePort& operator=(const CorePort&) = delete;

    // Creates the user on ifnum: 0 or -errno (EBUSY at max_users, ...).
    [[nodiscard]] int open(int ifnum);
    // Destroys the user; requests in flight are the timer's to forget.
    void close();
    [[nodiscard]] bool isOpen() const { return user_ != nullptr; }
    [[nodiscard]] int ifnum() const { return ifnum_; }

    int send(std::uint8_t netfn, std::uint8_t cmd, std::span<const std::uint8_t> data, bool highPriority,
             ResponseHandler onResponse) override;
    [[nodiscard]] std::optional<IpmiVersion> ipmiVersion() const override;

  private:
    void onMessage(core::ReceivedMessage msg) override;
    [[nodiscard]] bool wantsWatchdogPretimeout() const override { return true; }
    void onWatchdogPretimeout() override;
    void onShutdown() override;

    core::MessageHandler& handler_;
    WatchdogTimer& timer_;
    std::unique_ptr<core::User> user_;
    int ifnum_ = -1;
    long nextMsgid_ = 1;
    std::map<long, ResponseHandler> pending_;
};

// ipmi_register_watchdog / ipmi_unregister_watchdog driven by the message
// handler's interface watcher.
class CoreBinding
{
  public:
    // onBound(ifnum, result) runs after each registration's Set completed
    // (the daemon creates the CUSE device on the first one).
    CoreBinding(core::MessageHandler& handler, WatchdogTimer& timer,
                std::function<void(int ifnum, int result)> onBound = {});
    ~CoreBinding();
    CoreBinding(const CoreBinding&) = delete;
    CoreBinding& operator=(const CoreBinding&) = delete;

    [[nodiscard]] bool bound() const { return port_.isOpen(); }
    [[nodiscard]] int ifnum() const { return port_.ifnum(); }

  private:
    void interfaceChanged(int ifnum, bool added);

    core::MessageHandler& handler_;
    WatchdogTimer& timer_;
    CorePort port_;
    std::function<void(int, int)> onBound_;
    int watcherId_ = 0;
};

} // namespace ipmi::watchdog
