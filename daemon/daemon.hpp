// The program's modes: running the daemon, `ipmi-cuse status` and
// `ipmi-cuse control` (shutdown-hook is in shutdown_hook.hpp).
//
// Start-up, in order, each failure ending the program with a message that
// says what to do: configuration (file, then command line); the interfaces
// (the simulator when asked, else hardware from parameters and firmware;
// none at all is not an error but nothing to serve: one line, READY=1 and
// STOPPING=1 to systemd, exit kExitNoInterface);
// /dev/cuse; device names not owned by the kernel's ipmi_devintf; the
// message handler and its interfaces; one CUSE device per usable interface,
// each verified in sysfs; the kernel's other users (panic events, the ACPI
// bridge, poweroff_powercycle) and the IPMI watchdog device (unless
// --watchdog-name none); the control socket; then READY=1 to systemd once
// every ipmiN and the watchdog device exist.
// The running part, and how it stops, is the Daemon of daemon_service.hpp.
#pragma once

#include "daemon/options.hpp"

#include <sysexits.h>

#include <filesystem>
#include <string>
#include <variant>

namespace ipmi::daemon {

// A host without a BMC: no interface found and none configured. The unit
// lists it in SuccessExitStatus= and RestartPreventExitStatus=, so such a
// host has an inactive service, not a failed one restarted five times.
inline constexpr int kExitNoInterface = EX_UNAVAILABLE; // 69

// Exit codes: 0 clean stop, 1 could not run or stopped on an error,
// kExitNoInterface (69) nothing to serve, EX_CONFIG (78) a refused
// configuration; parseCommandLine gives EX_USAGE (64).
[[nodiscard]] int runDaemon(const Options& options);
// `ipmi-cuse status`: asks the daemon at statusSocketFor(options).
[[nodiscard]] int runStatus(const Options& options);

struct StatusSocketProblem
{
    int exitCode = 1;
    std::string message;
};
// The control socket `status` asks: --control-socket after the word; else
// the one the configuration names (-c FILE, then the daemon's options, such
// as --control-socket before the word); else the default.
[[nodiscard]] std::variant<std::filesystem::path, StatusSocketProblem> statusSocketFor(const Options& options);
// `ipmi-cuse control VERB ARGS...`: prints the reply; 1 if it is an error,
// EX_USAGE if the verb or its arguments are malformed.
[[nodiscard]] int runControl(const Options& options);

} // namespace ipmi::daemon
