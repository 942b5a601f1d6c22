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

#include "cuse/kernel.hpp"
#include "cuse_dev/device_node.hpp"
#include "daemon/backends/backends.hpp"
#include "daemon/control_commands.hpp"
#include "daemon/control_socket.hpp"
#include "daemon/daemon_service.hpp"
#include "daemon/logging.hpp"

#include <unistd.h>

#include <iostream>

namespace ipmi::daemon {

int runDaemon(const Options& options)
{
    Config config;
    if (auto error = loadConfig(options, config)) {
        std::cerr << "ipmi-cuse: " << *error << "\n";
        return 2;
    }
    if (auto error = setupLogging(config.daemon.logLevel, config.daemon.debug)) {
        std::cerr << "ipmi-cuse: " << *error << "\n";
        return 2;
    }
    auto log = subsystemLog("daemon");

    auto planned = planBackends(config);
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
    for (std::size_t i = 0; i < plan.backends.size(); ++i) {
        const auto name = config.device.nameFor(static_cast<int>(i));
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

int runStatus(const Options& options)
{
    std::string reply;
    if (auto error = queryControlSocket(options.statusSocket, "status", reply)) {
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
        return 1;
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
