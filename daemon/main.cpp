// ipmi-cuse: parse the command line and run the chosen mode (daemon.hpp).
#include "daemon/daemon.hpp"
#include "daemon/options.hpp"
#include "daemon/shutdown_hook.hpp"

#include <iostream>

int main(int argc, char** argv)
{
    try {
        const auto parsed = ipmi::daemon::parseCommandLine(argc, argv);
        if (!parsed.options) {
            std::cout << parsed.out;
            std::cerr << parsed.err;
            return parsed.exitCode;
        }
        using Command = ipmi::daemon::Options::Command;
        switch (parsed.options->command) {
        case Command::Status:
            return ipmi::daemon::runStatus(*parsed.options);
        case Command::Control:
            return ipmi::daemon::runControl(*parsed.options);
        case Command::ShutdownHook: {
            const auto result = ipmi::daemon::runShutdownHook(*parsed.options);
            (result.exitCode == 0 ? std::cout : std::cerr) << "ipmi-cuse shutdown-hook: " << result.line << "\n";
            return result.exitCode;
        }
        case Command::Run:
            break;
        }
        return ipmi::daemon::runDaemon(*parsed.options);
    } catch (const std::exception& e) {
        std::cerr << "ipmi-cuse: internal error: " << e.what() << "\n";
        return 1;
    }
}
