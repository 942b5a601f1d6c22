// Everything the daemon needs for the IPMI watchdog, wired the way
// ipmi_watchdog wires itself: the timer, the device semantics, the binding to
// the message handler's first (or ifnum_to_use) interface, and the CUSE
// device, created once the watchdog has its IPMI user (the kernel registers
// its misc device at that point too).
//
// All members on the loop thread. Destroy it before the message handler and
// the io_context.
#pragma once

#include "core/message_handler.hpp"
#include "watchdog_dev/core_port.hpp"
#include "watchdog_dev/cuse_watchdog.hpp"
#include "watchdog_dev/watchdog_device.hpp"
#include "watchdog_dev/watchdog_timer.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::watchdog {

struct WatchdogServiceOptions
{
    Parameters params;        // validated with applyParameter(..., Startup)
    CuseWatchdogOptions cuse; // device name "watchdog" by default
};

class WatchdogService
{
  public:
    // onReady(0) once /dev/NAME exists (for READY=1); onReady(-errno) if the
    // watchdog could not get its IPMI user or its device. Called once.
    WatchdogService(boost::asio::io_context& io, core::MessageHandler& handler, WatchdogServiceOptions options,
                    std::function<void(int result)> onReady);
    ~WatchdogService();
    WatchdogService(const WatchdogService&) = delete;
    WatchdogService& operator=(const WatchdogService&) = delete;

    // A run-time parameter write: the error message, or nullopt and done.
    [[nodiscard]] std::optional<std::string> setParameter(std::string_view name, std::string_view value, Done done)
    {
        return timer_.changeParameter(name, value, std::move(done));
    }
    // The shutdown rule for the verb systemd is carrying out.
    void systemShutdown(ShutdownVerb verb, Done done) { timer_.systemShutdown(verb, std::move(done)); }

    [[nodiscard]] WatchdogTimer& timer() { return timer_; }
    [[nodiscard]] WatchdogDevice& device() { return device_; }
    [[nodiscard]] bool bound() const { return binding_.bound(); }
    // The interface the watchdog uses; -1 while it has none.
    [[nodiscard]] int ifnum() const { return binding_.bound() ? binding_.ifnum() : -1; }

  private:
    void registered(int ifnum, int result);
    void finish(int result);

    WatchdogTimer timer_;
    WatchdogDevice device_;
    CuseWatchdog cuse_;
    std::function<void(int)> onReady_;
    bool cuseStarted_ = false;
    CoreBinding binding_; // last: its watcher may call registered() at once
};

} // namespace ipmi::watchdog
