// The BMC-facing watchdog logic (see watchdog_timer.hpp). The sequences and
// their errno follow drivers/char/ipmi/ipmi_watchdog.c; the log lines keep
// the kernel's wording so operators can grep for either.
#include "watchdog_dev/watchdog_timer.hpp"

#include "abi/ipmi_commands.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace ipmi::watchdog {

std::optional<ShutdownVerb> parseShutdownVerb(std::string_view verb)
{
    if (verb.ends_with(".target")) {
        verb.remove_suffix(std::string_view(".target").size());
    }
    if (verb == "reboot") {
        return ShutdownVerb::Reboot;
    }
    if (verb == "kexec") {
        return ShutdownVerb::Kexec;
    }
    if (verb == "poweroff") {
        return ShutdownVerb::PowerOff;
    }
    if (verb == "halt") {
        return ShutdownVerb::Halt;
    }
    return std::nullopt;
}

WatchdogTimer::WatchdogTimer(Parameters params) : params_(params)
{
}

WatchdogTimer::~WatchdogTimer() = default;

TimerSettings WatchdogTimer::settings() const
{
    return TimerSettings{
        .state = state_,
        .preaction = params_.preaction,
        .pretimeout = params_.pretimeout,
        .timeout = params_.timeout,
        .ipmi15 = version_.major > 1 || (version_.major == 1 && version_.minor >= 5),
    };
}

void WatchdogTimer::attach(WatchdogIpmiPort& port, Done done)
{
    port_ = &port;
    if (auto version = port.ipmiVersion()) {
        version_ = *version;
    } else {
        spdlog::warn("IPMI Watchdog: Unable to get IPMI version, assuming 1.0");
        version_ = IpmiVersion{1, 0};
    }
    exclusive([this, done = std::move(done)](const Sequencer::Finish& finish) {
        auto complete = [done, finish](int rv) {
            done(rv);
            finish();
        };
        if (params_.startNow) {
            // Only the first registration starts the timer, as in the kernel.
            params_.startNow = false;
            state_ = params_.action;
            spdlog::info("IPMI Watchdog: Starting now! (action {}, timeout {} s)", toString(state_), params_.timeout);
            setTimeoutUnchecked(HeartbeatMode::Force, complete);
        } else {
            // Stop whatever the BIOS or the BMC left running.
            state_ = Action::None;
            setTimeoutUnchecked(HeartbeatMode::None, complete);
        }
    });
}

void WatchdogTimer::detach()
{
    port_ = nullptr;
    lifetime_.renew();
    startOnHeartbeat_ = true; // if it comes back, restart it properly
    if (inFlight_) {
        auto continuation = std::move(inFlight_);
        inFlight_ = nullptr;
        continuation({}); // as a 0xFF answer: the request is lost with the interface
    }
}

int WatchdogTimer::sendToBmc(std::uint8_t cmd, std::span<const std::uint8_t> data, ResponseHandler onResponse)
{
    if (port_ == nullptr) {
        return -ENODEV;
    }
    // Set before send(): a synchronous port answers from inside it.
    inFlight_ = std::move(onResponse);
    const int rv =
        port_->send(abi::IPMI_NETFN_APP_REQUEST, cmd, data, true,
                    lifetime_.guard([this, cmd](std::span<const std::uint8_t> response) {
                        if (!inFlight_) {
                            return;
                        }
                        const std::uint8_t cc = response.empty() ? abi::IPMI_ERR_UNSPECIFIED : response[0];
                        if (cmd == abi::IPMI_RESET_WATCHDOG_TIMER_CMD && cc == abi::IPMI_WATCHDOG_NOT_INITIALIZED_ERR) {
                            spdlog::info("IPMI Watchdog: response: The IPMI controller appears to have "
                                         "been reset, will attempt to reinitialize the watchdog timer");
                        } else if (cc != 0) {
                            spdlog::error("IPMI Watchdog: response: Error {:#x} on cmd {:#x}", cc, cmd);
                        }
                        auto continuation = std::move(inFlight_);
                        inFlight_ = nullptr;
                        continuation(response);
                    }));
    if (rv != 0) {
        inFlight_ = nullptr;
    }
    return rv;
}

void WatchdogTimer::setTimeout(HeartbeatMode mode, const Done& done)
{
    if (panicked_ && port_ != nullptr) {
        done(-EIO); // a panicked system changes nothing any more
        return;
    }
    setTimeoutUnchecked(mode, done);
}

void WatchdogTimer::setTimeoutUnchecked(HeartbeatMode mode, const Done& done)
{
    if (port_ == nullptr) {
        done(-ENODEV);
        return;
    }
    const TimerSettings current = settings();
    const auto data = buildSetWatchdogTimer(current);
    const bool heartbeatNow = setStopsTimer(current);
    // The Set's completion code is only logged (by sendToBmc), never
    // returned: the kernel ignores it too.
    const int rv = sendToBmc(
        abi::IPMI_SET_WATCHDOG_TIMER_CMD, data, [this, mode, heartbeatNow, done](std::span<const std::uint8_t>) {
            if (mode == HeartbeatMode::Force || (heartbeatNow && mode == HeartbeatMode::IfNecessary)) {
                heartbeatAttempt(0, done);
            } else {
                done(0);
            }
        });
    if (rv != 0) {
        spdlog::warn("IPMI Watchdog: set timeout error: {}", rv);
        done(rv);
    }
}

void WatchdogTimer::heartbeat(const Done& done)
{
    if (port_ == nullptr) {
        done(-ENODEV);
        return;
    }
    if (panicked_) {
        done(-EIO); // a panicked system sends no more heartbeats
        return;
    }
    if (startOnHeartbeat_) {
        startOnHeartbeat_ = false;
        state_ = params_.action;
        setTimeoutUnchecked(HeartbeatMode::Force, done);
    } else if (pretimeoutSinceHeartbeat_) {
        // Some BMCs refuse a Reset after a pre-timeout until the timer is set
        // again; the action stays as it is.
        pretimeoutSinceHeartbeat_ = false;
        setTimeoutUnchecked(HeartbeatMode::IfNecessary, done);
    } else {
        heartbeatAttempt(0, done);
    }
}

void WatchdogTimer::heartbeatAttempt(int restores, const Done& done)
{
    // A Reset would restart a stopped timer.
    if (state_ == Action::None) {
        done(0);
        return;
    }
    const int rv = sendToBmc(abi::IPMI_RESET_WATCHDOG_TIMER_CMD, {},
                             [this, restores, done](std::span<const std::uint8_t> response) {
                                 const std::uint8_t cc = response.empty() ? abi::IPMI_ERR_UNSPECIFIED : response[0];
                                 if (cc == abi::IPMI_WATCHDOG_NOT_INITIALIZED_ERR) {
                                     if (restores + 1 > kMaxTimerRestores) {
                                         spdlog::error("IPMI Watchdog: Unable to restore the IPMI watchdog's "
                                                       "settings, giving up");
                                         done(-EIO);
                                         return;
                                     }
                                     setTimeoutUnchecked(HeartbeatMode::None, [this, restores, done](int setRv) {
                                         if (setRv != 0) {
                                             spdlog::error("IPMI Watchdog: Unable to send the command to set the "
                                                           "watchdog's settings, giving up");
                                             done(setRv);
                                             return;
                                         }
                                         heartbeatAttempt(restores + 1, done);
                                     });
                                     return;
                                 }
                                 done(cc == 0 ? 0 : -EINVAL);
                             });
    if (rv != 0) {
        spdlog::warn("IPMI Watchdog: heartbeat send failure: {}", rv);
        done(rv);
    }
}

std::optional<std::string> WatchdogTimer::changeParameter(std::string_view name, std::string_view value, Done done)
{
    if (auto error = applyParameter(params_, name, value, ParameterTime::Runtime)) {
        spdlog::warn("IPMI Watchdog: {}", *error);
        return error;
    }
    spdlog::info("IPMI Watchdog: parameter {} set to {}", name, formatParameter(params_, name).value_or(""));
    if (!parameterResendsTimer(name) || port_ == nullptr) {
        done(0);
        return std::nullopt;
    }
    exclusive([this, done = std::move(done)](const Sequencer::Finish& finish) {
        setTimeout(HeartbeatMode::IfNecessary, [done, finish](int rv) {
            done(rv);
            finish();
        });
    });
    return std::nullopt;
}

void WatchdogTimer::systemShutdown(ShutdownVerb verb, Done done)
{
    if (port_ == nullptr || shutdownHandled_) {
        done(0);
        return;
    }
    shutdownHandled_ = true;
    exclusive([this, verb, done = std::move(done)](const Sequencer::Finish& finish) {
        auto complete = [done, finish](int rv) {
            done(rv);
            finish();
        };
        if (verb == ShutdownVerb::PowerOff || verb == ShutdownVerb::Halt) {
            spdlog::info("IPMI Watchdog: system is powering off or halting: stopping the timer");
            state_ = Action::None;
            setTimeoutUnchecked(HeartbeatMode::None, complete);
        } else if (state_ != Action::None) {
            // Long enough for the reboot to complete, short enough to catch a hang.
            params_.timeout = std::max(params_.timeout, kRebootMinTimeoutSeconds);
            params_.pretimeout = 0;
            state_ = Action::Reset;
            spdlog::info("IPMI Watchdog: system is rebooting: timer set to reset after {} s", params_.timeout);
            setTimeoutUnchecked(HeartbeatMode::None, complete);
        } else {
            complete(0);
        }
    });
}

void WatchdogTimer::pretimeout()
{
    if (params_.preaction != PreAction::None) {
        if (params_.preop == PreOp::Panic) {
            if (!panicked_) {
                panic();
            }
        } else if (params_.preop == PreOp::GiveData && onGiveData_) {
            onGiveData_();
        }
    }
    pretimeoutSinceHeartbeat_ = true;
}

void WatchdogTimer::panic()
{
    panicked_ = true;
    spdlog::critical("IPMI Watchdog: pre-timeout with preop_panic: the system is considered "
                     "dead; no further heartbeats; the BMC will {} when the timer expires",
                     toString(state_));
    if (onPanic_) {
        onPanic_();
    }
    if (state_ == Action::None || port_ == nullptr) {
        return;
    }
    // The kernel's panic handler: give the "panic" panic_wdt_timeout seconds.
    params_.timeout = params_.panicWdtTimeout;
    params_.pretimeout = 0;
    exclusive([this](const Sequencer::Finish& finish) {
        setTimeoutUnchecked(HeartbeatMode::IfNecessary, [finish](int rv) {
            if (rv != 0) {
                spdlog::warn("IPMI Watchdog: Unable to extend the watchdog timeout");
            }
            finish();
        });
    });
}

} // namespace ipmi::watchdog
