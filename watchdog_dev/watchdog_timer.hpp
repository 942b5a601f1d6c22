// The BMC side of ipmi_watchdog: the running state, the Set/Reset Watchdog
// Timer sequences with their retry rules, registration, run-time parameter
// changes, pre-timeout handling, "panic" and the shutdown rules. The device
// front end (watchdog_device.hpp) builds the Linux watchdog API on top.
//
// Everything runs on the loop thread and nothing waits: where the kernel
// sleeps for the BMC's answer under ipmi_watchdog_mutex, we queue the work on
// a Sequencer and finish it from the port's response callback. A caller's
// Done runs exactly once, possibly before the call returns.
//
// "Panic" (preop_panic) for a userspace daemon: we cannot stop the machine as
// a kernel panic does. On the first pre-timeout with preop_panic we log a
// critical message, tell the panic listener, and do what the kernel's panic
// handler does to the timer (if running: timeout := panic_wdt_timeout,
// pretimeout := 0, re-sent). From then on we behave as a dead system would:
// heartbeats, timer changes and magic close are refused with EIO and send
// nothing, so the BMC takes the configured action when the countdown ends.
// Only a shutdown verb (an orderly reboot or power-off) still acts.
#pragma once

#include "base/lifetime.hpp"
#include "watchdog_dev/ipmi_port.hpp"
#include "watchdog_dev/parameters.hpp"
#include "watchdog_dev/sequencer.hpp"
#include "watchdog_dev/set_timer_request.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::watchdog {

// 0 or a negative errno.
using Done = std::function<void(int result)>;

// What _ipmi_set_timeout does after Set Watchdog Timer.
enum class HeartbeatMode : std::uint8_t
{
    None,        // never
    IfNecessary, // only when the Set stopped the timer (IPMI 1.0)
    Force,       // always (starting the timer)
};

// The verb systemd gives at shutdown (systemd-shutdown's argv[1], the
// shutdown target, or `systemctl reboot`/`poweroff`/`halt`/`kexec`).
enum class ShutdownVerb : std::uint8_t
{
    Reboot,   // "reboot": the kernel's SYS_RESTART
    Kexec,    // "kexec": also SYS_RESTART in the kernel
    PowerOff, // "poweroff": SYS_POWER_OFF
    Halt,     // "halt": SYS_HALT
};

// Accepts "reboot", "kexec", "poweroff", "halt", with or without ".target".
[[nodiscard]] std::optional<ShutdownVerb> parseShutdownVerb(std::string_view verb);

// The timeout a reboot leaves running at least, as the kernel's notifier.
inline constexpr int kRebootMinTimeoutSeconds = 120;
// Reset Watchdog Timer answered 0x80 more often than this: give up (EIO).
inline constexpr int kMaxTimerRestores = 3;

class WatchdogTimer
{
  public:
    explicit WatchdogTimer(Parameters params);
    ~WatchdogTimer();
    WatchdogTimer(const WatchdogTimer&) = delete;
    WatchdogTimer& operator=(const WatchdogTimer&) = delete;

    // ipmi_register_watchdog: binds to the port (our IPMI user), reads the
    // BMC version, then starts the timer (start_now, once) or stops a timer
    // the BIOS/BMC left running (Set Watchdog Timer, action none).
    void attach(WatchdogIpmiPort& port, Done done);
    // ipmi_unregister_watchdog: a request in flight completes as if the BMC
    // answered 0xFF; later operations fail with ENODEV until attach().
    void detach();
    [[nodiscard]] bool attached() const { return port_ != nullptr; }

    // Runs job under the watchdog mutex (after every earlier job finished).
    void exclusive(std::function<void(Sequencer::Finish)> job) { sequencer_.submit(std::move(job)); }

    // Steps for use inside exclusive() jobs.
    // _ipmi_set_timeout; EIO after a panic.
    void setTimeout(HeartbeatMode mode, const Done& done);
    // _ipmi_heartbeat; EIO after a panic.
    void heartbeat(const Done& done);

    // The running state (ipmi_watchdog_state): Action::None = stopped.
    [[nodiscard]] Action state() const { return state_; }
    void setState(Action state) { state_ = state; }
    // ipmi_start_timer_on_heartbeat.
    void setStartOnHeartbeat(bool on) { startOnHeartbeat_ = on; }
    [[nodiscard]] bool startOnHeartbeat() const { return startOnHeartbeat_; }
    [[nodiscard]] const Parameters& params() const { return params_; }
    // WDIOC_SETTIMEOUT / WDIOC_SETPRETIMEOUT store without any check.
    void storeTimeout(int seconds) { params_.timeout = seconds; }
    void storePretimeout(int seconds) { params_.pretimeout = seconds; }
    [[nodiscard]] bool panicked() const { return panicked_; }

    // A module-parameter write at run time: validated (see parameters.hpp),
    // stored, and re-sent to the BMC when the kernel would. Returns the error
    // message (done not called) or nullopt (done called with the Set result).
    // As in the kernel, a new `action` takes effect at the next start; the
    // re-sent Set keeps the running state.
    [[nodiscard]] std::optional<std::string> changeParameter(std::string_view name, std::string_view value, Done done);

    // The shutdown rule (the kernel's reboot notifier), applied once:
    // poweroff/halt stop the timer; reboot/kexec with the timer running set
    // timeout >= 120 s, pretimeout 0, action reset.
    void systemShutdown(ShutdownVerb verb, Done done);

    // The BMC flagged a pre-timeout (delivered by the port binding).
    void pretimeout();
    // preop_give_data: a pre-timeout made a byte readable.
    void setGiveDataListener(std::function<void()> onData) { onGiveData_ = std::move(onData); }
    // preop_panic fired (once); the daemon may add its own reaction.
    void setPanicListener(std::function<void()> onPanic) { onPanic_ = std::move(onPanic); }

  private:
    void setTimeoutUnchecked(HeartbeatMode mode, const Done& done);
    void heartbeatAttempt(int restores, const Done& done); // __ipmi_heartbeat
    void panic();
    [[nodiscard]] TimerSettings settings() const;
    [[nodiscard]] int sendToBmc(std::uint8_t cmd, std::span<const std::uint8_t> data, ResponseHandler onResponse);

    Parameters params_;
    WatchdogIpmiPort* port_ = nullptr;
    IpmiVersion version_{};
    Action state_ = Action::None;
    bool startOnHeartbeat_ = false;
    bool pretimeoutSinceHeartbeat_ = false;
    bool panicked_ = false;
    bool shutdownHandled_ = false;
    Sequencer sequencer_;
    // The continuation of the one request in flight, and the lifetime that
    // makes responses arriving after detach() (renewed) or destruction harmless.
    ResponseHandler inFlight_;
    base::Lifetime lifetime_;
    std::function<void()> onGiveData_;
    std::function<void()> onPanic_;
};

} // namespace ipmi::watchdog
