// The program's modes: the checks before a Daemon runs (daemon_service.hpp),
// and the status and control clients.
// GCC 12 with -fsanitize=address reports a -Wmaybe-uninitialized false
// positive in std::variant's move constructor as inlined into
// parseControlCommand's result; the pragma must precede <variant>.
#if !defined(__clang__) // clang has no such warning (nor the false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "daemon/asio.hpp"

#include "daemon/daemon.hpp"

#include "cuse/device_node.hpp"
#include "cuse/kernel.hpp"
#include "daemon/backends/backends.hpp"
#include "daemon/control_commands.hpp"
#include "daemon/control_socket.hpp"
#include "daemon/daemon_service.hpp"
#include "daemon/device_numbers.hpp"
#include "daemon/logging.hpp"

#include <sysexits.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdint>
#include <iostream>

namespace ipmi::daemon {

namespace {

constexpr std::uint64_t kNotifyBarrierTimeoutUs = 5'000'000;

// Before the names: a previous instance still going away holds both, and
// checkMajorIsFree waits for it.
std::optional<std::string> checkFixedNumbers(const Config& config, std::size_t interfaces, spdlog::logger& log)
{
    const auto& device = config.device;
    if (device.major == 0) {
        return std::nullopt;
    }
    if (auto warning = dynamicRangeWarning(device.major)) {
        log.warn("{}", *warning);
    }
    std::vector<std::string> ours;
    for (std::size_t i = 0; i < interfaces; ++i) {
        const int ifnum = static_cast<int>(i);
        if (auto problem = nodeNumberProblem(device, ifnum)) {
            return problem;
        }
        ours.push_back(device.nameFor(ifnum));
        for (unsigned k = 1; k <= device.nodeCount(ifnum); ++k) {
            if (auto problem = nodeNumberProblem(device, ifnum, k)) {
                return problem;
            }
            ours.push_back(device.nodeOf(ifnum, k)->name);
        }
    }
    if (!device.watchdogName.empty()) {
        ours.push_back(device.watchdogName);
    }
    return checkMajorIsFree(config.daemon.procDevices, device.major, ours, config.daemon.previousInstanceWait);
}

} // namespace

int runDaemon(const Options& options)
{
    Config config;
    if (auto error = loadConfig(options, config)) {
        std::cerr << "ipmi-cuse: " << *error << "\n";
        return EX_CONFIG;
    }
    if (auto error = setupLogging(config.daemon.logLevel, config.daemon.debug)) {
        std::cerr << "ipmi-cuse: " << *error << "\n";
        return EX_CONFIG;
    }
    auto log = subsystemLog("daemon");
    for (const auto& note : config.notes) {
        log->info("{}", note);
    }

    auto planned = planBackends(config);
    if (const auto* none = std::get_if<NoInterface>(&planned)) {
        log->warn("{}", none->message);
        // Type=notify counts an exit before READY=1 as a failure whatever
        // the status: report ready (and stopping) first, then wait until
        // systemd has read it, so the exit is the unit's clean end.
        sd_notify(0, "READY=1\nSTATUS=no IPMI interface found: nothing to serve");
        sd_notify(0, "STOPPING=1");
        (void)sd_notify_barrier(0, kNotifyBarrierTimeoutUs);
        return kExitNoInterface;
    }
    if (auto* error = std::get_if<std::string>(&planned)) {
        log->critical("{}", *error);
        return 1;
    }
    auto& plan = std::get<BackendPlan>(planned);

    // Cheap checks before anything starts: CUSE itself, then the names.
    const auto opened = cuse::openCuseDevice(config.device.cuseDevice);
    if (const auto* error = std::get_if<std::string>(&opened)) {
        log->critical("{}", *error);
        return 1;
    }
    ::close(std::get<int>(opened));
    if (auto error = checkFixedNumbers(config, plan.backends.size(), *log)) {
        log->critical("{}", *error);
        return 1;
    }
    std::vector<std::string> names;
    for (std::size_t i = 0; i < plan.backends.size(); ++i) {
        names.push_back(config.device.nameFor(static_cast<int>(i)));
    }
    for (const auto& node : config.device.nodes) {
        if (node.ifnum >= 0 && static_cast<std::size_t>(node.ifnum) < plan.backends.size()) {
            names.push_back(node.name);
        } else {
            log->warn("[node.{}]: interface {} is not there (yet): /dev/{} comes with it", node.name, node.ifnum,
                      node.name);
        }
    }
    for (const auto& name : names) {
        if (auto busy = cuse::checkNameIsFree(config.daemon.sysroot + "/sys", name)) {
            log->critical("{}", *busy);
            return 1;
        }
    }
    if (config.daemon.sim) {
        log->warn("serving the embedded SIMULATED BMC (--sim): /dev/{} is not real hardware", config.device.nameFor(0));
    }
    Daemon daemon(std::move(config), std::move(plan));
    return daemon.run();
}

std::variant<std::filesystem::path, StatusSocketProblem> statusSocketFor(const Options& options)
{
    if (options.statusSocketGiven || (!options.configFile && options.settings.empty())) {
        return options.statusSocket;
    }
    Config config;
    if (auto error = loadConfig(options, config)) {
        return StatusSocketProblem{EX_CONFIG, *error};
    }
    if (config.daemon.controlSocket.empty()) {
        return StatusSocketProblem{1, "the configuration has no control socket ([daemon] control_socket is empty): "
                                      "no daemon to ask"};
    }
    return config.daemon.controlSocket;
}

int runStatus(const Options& options)
{
    const auto socket = statusSocketFor(options);
    if (const auto* problem = std::get_if<StatusSocketProblem>(&socket)) {
        std::cerr << "ipmi-cuse status: " << problem->message << "\n";
        return problem->exitCode;
    }
    const std::string command = options.statusFormat == "text" ? "status" : "status " + options.statusFormat;
    std::string reply;
    if (auto error = queryControlSocket(std::get<std::filesystem::path>(socket), command, reply)) {
        std::cerr << "ipmi-cuse status: " << *error << "\n";
        return 1;
    }
    std::cout << reply;
    return reply.rfind("error", 0) == 0 ? 1 : 0;
}

int runControl(const Options& options)
{
    const auto parsed = parseControlCommand(options.controlLine);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        std::cerr << "ipmi-cuse control: " << *error << "\n";
        return EX_USAGE;
    }
    std::string reply;
    if (auto failure = queryControlSocket(options.statusSocket, options.controlLine, reply)) {
        std::cerr << "ipmi-cuse control: " << *failure << "\n";
        return 1;
    }
    if (reply.rfind("error", 0) == 0) {
        std::cerr << reply;
        return 1;
    }
    std::cout << reply;
    return 0;
}

} // namespace ipmi::daemon
