// ipmi-cuse: parse the command line and run the chosen mode (daemon.hpp).
#include "daemon/daemon.hpp"
#include "daemon/options.hpp"

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
        if (parsed.options->command == ipmi::daemon::Options::Command::Status) {
            return ipmi::daemon::runStatus(*parsed.options);
        }
        return ipmi::daemon::runDaemon(*parsed.options);
    } catch (const std::exception& e) {
        std::cerr << "ipmi-cuse: internal error: " << e.what() << "\n";
        return 1;
    }
}
