// The command line (CLI11): `ipmi-cuse [options]` runs the daemon,
// `ipmi-cuse status` asks a running one for its interfaces and counters,
// `ipmi-cuse control VERB ARGS...` sends it one control verb
// (control_commands.hpp), `ipmi-cuse shutdown-hook VERB` does the
// systemd-shutdown hook's work (shutdown_hook.hpp).
//
// Every kernel module parameter is an option named MODULE.PARAM, as on the
// kernel command line (--ipmi_si.ports=0xca2, --ipmi_watchdog.timeout=30);
// ipmi-cuse's own settings have short names (--sim, --device-name, ...).
// Options become Settings (config.hpp) applied after the configuration file,
// so the command line wins.
#pragma once

#include "daemon/config.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ipmi::daemon {

struct Options
{
    enum class Command : std::uint8_t
    {
        Run,          // run the daemon
        Status,       // query a running daemon
        Control,      // send a control verb to a running daemon
        ShutdownHook, // the systemd-shutdown hook's work (shutdown_hook.hpp)
    };
    Command command = Command::Run;
    std::optional<std::filesystem::path> configFile;
    std::vector<Setting> settings;                                 // from the command line, applied last
    std::filesystem::path statusSocket = "/run/ipmi-cuse/control"; // status and control
    bool statusSocketGiven = false;    // status: --control-socket after the word (else the configuration's)
    std::string statusFormat = "text"; // status: text, json or openmetrics
    std::string controlLine;           // control: the verb and its arguments, space-joined
    std::string shutdownVerb;          // shutdown-hook: as given (checked when run)
};

struct ParsedCommandLine
{
    std::optional<Options> options; // nullopt: exit with exitCode after printing
    int exitCode = 0;
    std::string out; // --help / --version text
    std::string err; // what was wrong
};

[[nodiscard]] ParsedCommandLine parseCommandLine(int argc, const char* const* argv);

// The configuration file (if any), then the command line's settings, into
// `config`; nullopt or the message (file and line, or option, and parameter).
[[nodiscard]] std::optional<std::string> loadConfig(const Options& options, Config& config);

} // namespace ipmi::daemon
