// ipmi-cuse-locate: see locate.hpp.
#include "daemon/locate.hpp"

#include <iostream>

int main(int argc, char** argv)
{
    try {
        const auto parsed = ipmi::daemon::parseLocateCommandLine(argc, argv);
        if (!parsed.config) {
            std::cout << parsed.out;
            std::cerr << parsed.err;
            return parsed.exitCode;
        }
        return ipmi::daemon::runLocate(*parsed.config, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "ipmi-cuse-locate: internal error: " << e.what() << "\n";
        return 1;
    }
}
