// `ipmi-cuse shutdown-hook VERB`: see shutdown_hook.hpp.
#include "daemon/asio.hpp"

#include "daemon/shutdown_hook.hpp"

#include "abi/ipmi_commands.hpp"
#include "core/message_handler.hpp"
#include "core/services/service_user.hpp"
#include "daemon/asio_event_loop.hpp"
#include "daemon/backends/backends.hpp"
#include "daemon/logging.hpp"
#include "daemon/poweroff_hook.hpp"

#include <sysexits.h>

#include <algorithm>
#include <chrono>

namespace ipmi::daemon {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint8_t kTimerRunning = 1U << 6; // Get Watchdog Timer byte 1
constexpr std::uint8_t kTimerUseMask = 0x07;
// Registration, Get Device ID and two watchdog commands on a slow KCS.
constexpr std::chrono::seconds kWatchdogTimeLimit{20};

// Runs the loop until `done` or the deadline; false on the deadline.
bool runUntil(boost::asio::io_context& io, const bool& done, Clock::time_point deadline)
{
    auto guard = boost::asio::make_work_guard(io);
    io.restart();
    while (!done) {
        const auto now = Clock::now();
        if (now >= deadline) {
            return false;
        }
        io.run_one_for(deadline - now);
    }
    return true;
}

// The watchdog rule over one interface; the line to print, or the problem.
ShutdownHookResult applyWatchdogRule(boost::asio::io_context& io, AsioEventLoop& loop, const Backend& backend,
                                     watchdog::ShutdownVerb verb, const Config& config)
{
    const auto deadline = Clock::now() + kWatchdogTimeLimit;
    auto made = backend.make(loop);
    if (auto* error = std::get_if<std::string>(&made)) {
        return {1, backend.description + ": " + *error};
    }
    core::MessageHandler handler(loop, config.msghandler.params);
    int usable = -1;
    bool registered = false;
    const int watcher = handler.addWatcher([&](int ifnum, bool added) {
        if (added && !registered) {
            usable = ifnum;
            registered = true;
        }
    });
    handler.addInterface(std::get<std::unique_ptr<core::Interface>>(std::move(made)));
    const bool ok = runUntil(io, registered, deadline);
    handler.removeWatcher(watcher);
    if (!ok) {
        return {1, backend.description + " did not answer Get Device ID; watchdog not touched"};
    }
    bool ipmi15 = false;
    if (const auto info = handler.interfaceInfo(usable); info && info->deviceId) {
        const std::uint8_t bcd = info->deviceId->ipmiVersion;
        ipmi15 = (bcd & 0x0FU) > 1 || ((bcd & 0x0FU) == 1 && (bcd >> 4) >= 5);
    }
    int error = 0;
    core::services::ServiceUser user(handler, usable, error);
    if (!user.valid()) {
        return {1, "no IPMI user on interface " + std::to_string(usable) + " (" + std::to_string(error) + ")"};
    }
    core::RequestOptions requestOptions;
    requestOptions.highPriority = true;
    requestOptions.supplied = true;

    auto exchange = [&](std::uint8_t cmd, std::span<const std::uint8_t> data,
                        core::services::ServiceResponse& response) -> std::optional<std::string> {
        bool answered = false;
        const int rv = user.sendSi(abi::IPMI_NETFN_APP_REQUEST, cmd, data, requestOptions,
                                   [&](const core::services::ServiceResponse& r) {
                                       response = r;
                                       answered = true;
                                   });
        if (rv != 0) {
            return "the request could not be sent (" + std::to_string(rv) + ")";
        }
        if (!runUntil(io, answered, deadline)) {
            user.cancelAll();
            return "no answer from the BMC";
        }
        return std::nullopt;
    };

    core::services::ServiceResponse get;
    if (auto problem = exchange(abi::IPMI_GET_WATCHDOG_TIMER_CMD, {}, get)) {
        return {1, "Get Watchdog Timer: " + *problem + "; watchdog not touched"};
    }
    const auto answer = shutdownTimerSettings(verb, config.watchdog, get.data, ipmi15);
    if (const auto* problem = std::get_if<std::string>(&answer)) {
        return {1, *problem + "; watchdog not touched"};
    }
    const auto& settings = std::get<std::optional<watchdog::TimerSettings>>(answer);
    if (!settings) {
        return {0, "watchdog timer not running, left alone"};
    }
    const auto request = watchdog::buildSetWatchdogTimer(*settings);
    core::services::ServiceResponse set;
    if (auto failure = exchange(abi::IPMI_SET_WATCHDOG_TIMER_CMD, request, set)) {
        return {1, "Set Watchdog Timer: " + *failure};
    }
    if (set.cc() != 0) {
        char cc[8];
        std::snprintf(cc, sizeof cc, "0x%02x", set.cc());
        return {1, std::string("Set Watchdog Timer: completion code ") + cc};
    }
    if (settings->state == watchdog::Action::None) {
        return {0, "watchdog timer stopped"};
    }
    return {0, "watchdog timer set to reset after " + std::to_string(settings->timeout) + " s"};
}

ShutdownHookResult powerOff(AsioEventLoop& loop, const Backend& backend, const Config& config)
{
    auto made = backend.make(loop);
    if (auto* error = std::get_if<std::string>(&made)) {
        return {1, backend.description + ": " + *error};
    }
    core::services::PowerOffHookOptions options;
    options.powerCycle =
        PowerCycleSetting::readPersisted(powerCycleFile(config)).value_or(config.poweroff.powercycle ? 1 : 0);
    options.handlerParams = config.msghandler.params;
    const auto outcome = runPowerOffHook(loop, std::get<std::unique_ptr<core::Interface>>(std::move(made)), options);
    if (!outcome.commanded) {
        return {1, "power-off failed: " + outcome.problem.value_or("not commanded")};
    }
    return {0, std::string(outcome.powerCycled ? "power cycle" : "power down") + " commanded (" +
                   core::services::toString(outcome.method) + ")"};
}

} // namespace

ShutdownTimerAnswer shutdownTimerSettings(watchdog::ShutdownVerb verb, const watchdog::Parameters& params,
                                          std::span<const std::uint8_t> getResponse, bool ipmi15)
{
    watchdog::TimerSettings settings;
    settings.preaction = params.preaction;
    settings.pretimeout = params.pretimeout;
    settings.timeout = params.timeout;
    settings.ipmi15 = ipmi15;
    if (verb == watchdog::ShutdownVerb::PowerOff || verb == watchdog::ShutdownVerb::Halt) {
        settings.state = watchdog::Action::None; // stopped whatever it was doing, as the kernel does
        return settings;
    }
    if (getResponse.empty() || getResponse[0] != 0) {
        std::string problem = "Get Watchdog Timer failed";
        if (!getResponse.empty()) {
            char cc[8];
            std::snprintf(cc, sizeof cc, "0x%02x", getResponse[0]);
            problem += std::string(" (completion code ") + cc + ")";
        }
        return problem;
    }
    if (getResponse.size() < 7) {
        return "Get Watchdog Timer answered " + std::to_string(getResponse.size()) + " bytes, expected 9";
    }
    const bool running = (getResponse[1] & kTimerRunning) != 0;
    const bool ours = (getResponse[1] & kTimerUseMask) == watchdog::kTimerUseSmsOs;
    if (!running || !ours) {
        return std::nullopt; // the kernel acts only on its own running timer
    }
    const int initialTenths = getResponse[5] | (getResponse[6] << 8);
    settings.state = watchdog::Action::Reset;
    settings.pretimeout = 0;
    settings.timeout = std::max((initialTenths + 9) / 10, watchdog::kRebootMinTimeoutSeconds);
    return settings;
}

std::filesystem::path powerCycleFile(const Config& config)
{
    const auto& socket = config.daemon.controlSocket;
    if (socket.empty() || !socket.has_parent_path()) {
        return kDefaultPowerCycleFile;
    }
    return socket.parent_path() / "poweroff_powercycle";
}

ShutdownHookResult runShutdownHook(const Options& options)
{
    const auto verb = watchdog::parseShutdownVerb(options.shutdownVerb);
    if (!verb) {
        return {EX_USAGE, "unknown verb '" + options.shutdownVerb + "' (known: halt, poweroff, reboot, kexec)"};
    }
    Config config;
    if (auto error = loadConfig(options, config)) {
        return {EX_CONFIG, *error};
    }
    if (config.daemon.sim) {
        return {0, options.shutdownVerb + ": nothing done (--sim: the simulated BMC has no watchdog timer or "
                                          "chassis of this machine)"};
    }
    if (auto error = setupLogging(config.daemon.logLevel, config.daemon.debug)) {
        return {1, *error};
    }
    auto planned = planBackends(config);
    if (std::holds_alternative<NoInterface>(planned)) {
        // The service ran and found nothing to serve: no BMC to act on.
        return {0, options.shutdownVerb + ": nothing done (no IPMI interface found)"};
    }
    if (auto* error = std::get_if<std::string>(&planned)) {
        return {1, *error};
    }
    auto& plan = std::get<BackendPlan>(planned);
    // Each module's ifnum_to_use picks its own interface, as the kernel's
    // ipmi_watchdog and ipmi_poweroff do; -1 is the first.
    const auto backendFor = [&plan](std::string_view parameter,
                                    int wanted) -> std::variant<const Backend*, ShutdownHookResult> {
        const std::size_t index = wanted >= 0 ? static_cast<std::size_t>(wanted) : 0;
        if (index >= plan.backends.size()) {
            return ShutdownHookResult{1, std::string(parameter) + "=" + std::to_string(wanted) + " but only " +
                                             std::to_string(plan.backends.size()) + " interface(s) are configured"};
        }
        return &plan.backends[index];
    };
    const auto watchdogBackend = backendFor("ipmi_watchdog.ifnum_to_use", config.watchdog.ifnumToUse);
    if (const auto* refused = std::get_if<ShutdownHookResult>(&watchdogBackend)) {
        return *refused;
    }

    boost::asio::io_context io;
    AsioEventLoop loop(io);
    // Without a watchdog device the daemon never registered the timer: as
    // without ipmi_watchdog, nothing stops or re-arms it at shutdown.
    auto result = config.device.watchdogName.empty()
                      ? ShutdownHookResult{0, "no watchdog device (watchdog_name none), BMC watchdog timer left alone"}
                      : applyWatchdogRule(io, loop, *std::get<const Backend*>(watchdogBackend), *verb, config);
    result.line = options.shutdownVerb + ": " + result.line;
    if (*verb != watchdog::ShutdownVerb::PowerOff) {
        return result;
    }
    // Powering off matters more than the watchdog: tried even if that failed.
    const auto powerBackend = backendFor("ipmi_poweroff.ifnum_to_use", config.poweroff.ifnumToUse);
    if (const auto* refused = std::get_if<ShutdownHookResult>(&powerBackend)) {
        return {refused->exitCode, result.line + "; " + refused->line};
    }
    const auto power = powerOff(loop, *std::get<const Backend*>(powerBackend), config);
    return {std::max(result.exitCode, power.exitCode), result.line + "; " + power.line};
}

} // namespace ipmi::daemon
