// `ipmi-cuse shutdown-hook VERB`: what the kernel's ipmi_watchdog and
// ipmi_poweroff do from their reboot notifiers, run by the systemd-shutdown
// hook after the daemon has stopped, on the one interface the configuration
// names (ipmi_watchdog.ifnum_to_use, else the first), built by the same
// backend code as the daemon's:
//   halt, poweroff  the BMC watchdog timer is stopped (Set Watchdog Timer,
//                   action none);
//   reboot, kexec   a running timer is set to at least 120 s, pretimeout 0,
//                   action reset; a stopped one is left alone;
//   poweroff        then the chassis is powered down or power cycled
//                   (daemon/poweroff_hook.hpp), with the
//                   poweroff_powercycle the daemon last persisted, else the
//                   configuration's.
// Whether the timer runs is read from the BMC (Get Watchdog Timer): the
// daemon that knew is gone, and registering a fresh watchdog would stop the
// timer first (ipmi_watchdog's registration rule), defeating the reboot rule.
// The Set carries the bytes watchdog_dev's buildSetWatchdogTimer makes.
// Without a watchdog device (watchdog_name none) the timer is left alone,
// as the kernel leaves it without ipmi_watchdog. Whether poweroff powers
// the chassis down is the hook script's choice (IPMI_CUSE_POWEROFF in
// /etc/default/ipmi-cuse: otherwise it passes halt). With --sim, or when
// no interface is found, nothing is done: there is no BMC to act on.
#pragma once

#include "daemon/options.hpp"
#include "watchdog_dev/set_timer_request.hpp"
#include "watchdog_dev/watchdog_timer.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace ipmi::daemon {

struct ShutdownHookResult
{
    int exitCode = 0;
    std::string line; // what was done, or the problem
};

[[nodiscard]] ShutdownHookResult runShutdownHook(const Options& options);

// Where the daemon persists poweroff_powercycle for the hook: beside the
// control socket (default /run/ipmi-cuse/poweroff_powercycle, the runtime
// directory the service keeps), or the default without a control socket.
[[nodiscard]] std::filesystem::path powerCycleFile(const Config& config);

// The Set Watchdog Timer settings the reboot notifier would send, given the
// Get Watchdog Timer response ([cc, use, actions, pretimeout, flags, initial
// countdown lsb, msb, present lsb, msb]): nullopt if the timer is not
// running (nothing to send), or the problem if the response is unusable.
using ShutdownTimerAnswer = std::variant<std::optional<watchdog::TimerSettings>, std::string>;
[[nodiscard]] ShutdownTimerAnswer shutdownTimerSettings(watchdog::ShutdownVerb verb, const watchdog::Parameters& params,
                                                        std::span<const std::uint8_t> getResponse, bool ipmi15);

} // namespace ipmi::daemon
