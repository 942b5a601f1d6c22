// The program's two modes: running the daemon, and `ipmi-cuse status`.
//
// Start-up, in order, each failure ending the program with a message that
// says what to do: configuration (file, then command line); the interfaces
// (the simulator when asked, else hardware from parameters and firmware;
// none is "Unable to find any System Interface(s)" pointing at --sim);
// /dev/cuse; device names not owned by the kernel's ipmi_devintf; the
// message handler and its interfaces; one CUSE device per usable interface,
// each verified in sysfs; the control socket; then READY=1 to systemd.
// SIGTERM/SIGINT remove the interfaces (waiting clients get their answers),
// then the devices, then stop the loop.
#pragma once

#include "daemon/options.hpp"

namespace ipmi::daemon {

// Exit codes: 0 clean stop, 1 could not run, 2 bad command line/configuration.
[[nodiscard]] int runDaemon(const Options& options);
[[nodiscard]] int runStatus(const Options& options);

} // namespace ipmi::daemon
