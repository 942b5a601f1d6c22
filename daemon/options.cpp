// The command line: see options.hpp.
#include "daemon/options.hpp"

#include "daemon/cli_common.hpp"
#include "daemon/version.hpp"

#include <sysexits.h>

namespace ipmi::daemon {

namespace {

constexpr const char* kDescription =
    "ipmi-cuse: the Linux IPMI driver stack in userspace. Creates /dev/ipmi0, /dev/ipmi1, ... through CUSE,\n"
    "with the kernel's ioctl ABI, on top of KCS/BT/SMIC/SSIF hardware or an embedded simulated BMC (--sim).\n"
    "Parameters keep the names and syntax of the kernel modules ipmi_si, ipmi_ssif, ipmi_watchdog,\n"
    "ipmi_msghandler, ipmi_poweroff and ipmi_devintf; they may also be given in the configuration file\n"
    "(--config), under sections of the same names. The command line wins over the file.";

struct OwnOption
{
    const char* flag;    // CLI11 spelling
    const char* section; // where the value goes
    const char* key;
    const char* help;
};

// ipmi-cuse's own settings under short names (each also exists as
// --SECTION.KEY through the catalogue).
const OwnOption kOwnOptions[] = {
    {"--sim-config", "daemon", "sim_config", "TOML description of the simulated BMC (implies nothing without --sim)"},
    {"--sim-interface", "daemon", "sim_interface",
     "system interface to the simulated BMC: kcs (default), bt, smic, ssif"},
    {"--device-mode", "device", "mode", "mode of the device nodes, octal (default 0600)"},
    {"--device-owner", "device", "owner", "owner of the device nodes, name or uid (default root)"},
    {"--device-group", "device", "group", "group of the device nodes, name or gid (default root)"},
    {"--create-node", "device", "create_node",
     "also create the nodes in DIR (a container's private /dev without devtmpfs)"},
    {"--cuse-device", "device", "cuse_device", "the CUSE control device (default /dev/cuse)"},
    {"--watchdog-name", "device", "watchdog_name",
     "name of the IPMI watchdog device: watchdog (default), watchdog0, ...; none or empty: no watchdog device"},
    {"--in-place-memory", "device", "in_place_memory",
     "reach ioctl callers' memory directly: one FUSE round trip per ioctl (default Y)"},
    {"--poll-hold-us", "device", "poll_hold_us",
     "hold a poll() this long for an answer on its way, 0..100000 (default 10000; 0: never)"},
    {"--device-major", "device", "major",
     "fixed major of the nodes and the watchdog, 1..511 (default 0: dynamic); /dev/ipmiN gets minor N. "
     "Free for local use: 60-63, 120-127"},
    {"--watchdog-owner", "device", "watchdog_owner", "owner of the watchdog node, name or uid (default root)"},
    {"--watchdog-group", "device", "watchdog_group", "group of the watchdog node, name or gid (default root)"},
    {"--watchdog-mode", "device", "watchdog_mode", "mode of the watchdog node, octal (default 0600)"},
    {"--watchdog-minor", "device", "watchdog_minor", "minor of the watchdog device under a fixed major (default 130)"},
    {"--cdi", "device", "cdi", "write a CDI spec of the nodes for container runtimes: Y (default) or N"},
    {"--cdi-dir", "device", "cdi_dir", "directory of the CDI spec (default /var/run/cdi)"},
    {"--cdi-kind", "device", "cdi_kind", "CDI kind vendor/class of the nodes (default ipmi-cuse.org/ipmi)"},
    {"--control-socket", "daemon", "control_socket",
     "unix socket for 'ipmi-cuse status' (default /run/ipmi-cuse/control; empty: none)"},
    {"--debug", "daemon", "debug",
     "subsystems logging at debug level, comma list: daemon, cuse, core, si, ssif, sim, watchdog, fuse, all"},
    {"--audit", "daemon", "audit", "audit trail: changes (refusals and requests that change state; default), all, off"},
    {"--audit-rate", "daemon", "audit_rate", "audit records a node may log per second, 1..10000 (default 10)"},
    {"--log-level", "daemon", "log_level", "trace, debug, info (default), warn, error, critical"},
    {"--sysroot", "daemon", "sysroot", "prefix for /sys when discovering hardware and checking device names"},
    {"--startup-timeout-ms", "daemon", "startup_timeout_ms",
     "how long interfaces may take to answer at start-up (default 15000)"},
};

std::string joinList(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : ",") + i;
    }
    return out;
}

// --node NAME.KEY=VALUE; the name may hold dots, the key may not.
std::optional<Setting> nodeSetting(const std::string& text)
{
    const auto equals = text.find('=');
    if (equals == std::string::npos) {
        return std::nullopt;
    }
    const std::string lhs = text.substr(0, equals);
    const auto dot = lhs.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == lhs.size()) {
        return std::nullopt;
    }
    return Setting{std::string(kNodeSectionPrefix) + lhs.substr(0, dot), lhs.substr(dot + 1), text.substr(equals + 1),
                   "option --node " + lhs};
}

} // namespace

ParsedCommandLine parseCommandLine(int argc, const char* const* argv)
{
    CLI::App app{kDescription, "ipmi-cuse"};
    app.set_version_flag("--version", std::string(kVersionLine));
    app.get_formatter()->column_width(44);

    Options options;
    std::string configFile;
    bool sim = false;
    std::vector<std::string> deviceNames;
    ModuleOptions values; // the short names and --MODULE.PARAM, by "section.key"

    app.add_option("-c,--config", configFile, "configuration file (TOML; see the manual for its sections)");
    app.add_flag("--sim", sim, "serve the embedded simulated BMC instead of hardware (never implied)");
    app.add_option("--device-name", deviceNames,
                   "device name of interface 0, 1, ... (repeat or comma-separate; default ipmi0, ipmi1, ...). "
                   "Use another name when the kernel's ipmi_devintf owns ipmiN")
        ->delimiter(',');
    std::vector<std::string> nodeSettings;
    app.add_option("--node", nodeSettings,
                   "a further node: NAME.KEY=VALUE, KEY one of interface, policy, owner, group, mode (repeat for "
                   "each; e.g. --node ipmi0-monitor.policy=monitor --node ipmi0-monitor.group=ipmi)")
        ->group("ipmi-cuse options")
        ->take_all()
        ->allow_extra_args(false);
    for (const auto& own : kOwnOptions) {
        const std::string id = std::string(own.section) + "." + own.key;
        addValueOption(app, own.flag, values.values[id], own.help, isBooleanSetting(own.section, own.key))
            ->group("ipmi-cuse options");
        values.flagOf[id] = own.flag;
    }
    // [device], [daemon] and [node.NAME] are reachable through the short
    // names above, and --node.
    for (const auto* module : kKernelModules) {
        addModuleOptions(app, module, values);
    }
    // acpi_ipmi has no parameters in the kernel; its one setting here says
    // whether the module counts as loaded.
    addModuleOptions(app, "acpi_ipmi", values);

    auto* status = app.add_subcommand("status", "print the interfaces and counters of a running ipmi-cuse");
    // -c FILE (and the daemon's own options) after the word too: the daemon
    // they describe is the one asked.
    status->fallthrough();
    std::string statusSocket;
    status->add_option("--control-socket", statusSocket,
                       "the daemon's control socket (default: the one -c FILE names, else /run/ipmi-cuse/control)");
    bool statusJson = false;
    status->add_flag("--json", statusJson, "print JSON (--format json)");
    status->add_option("--format", options.statusFormat, "text (default), json, or openmetrics (node_exporter)")
        ->check(CLI::IsMember({"text", "json", "openmetrics"}));

    auto* control =
        app.add_subcommand("control", std::string("send one control verb to a running ipmi-cuse: ") +
                                          "status; version; poweroff-powercycle [N]; panic-event MESSAGE...; " +
                                          "acpi-ipmi ADDRESS_HEX BUFFER_HEX");
    std::string controlSocket = options.statusSocket.string();
    std::vector<std::string> controlWords;
    control->add_option("--control-socket", controlSocket, "the daemon's control socket")->capture_default_str();
    control->add_option("verb", controlWords, "the verb and its arguments")->required();
    control->positionals_at_end();

    auto* hook = app.add_subcommand("shutdown-hook", "the systemd-shutdown hook's work once the daemon has stopped: "
                                                     "VERB halt or poweroff stops the BMC watchdog timer, reboot or "
                                                     "kexec leaves a running one at >= 120 s with action reset, "
                                                     "poweroff then powers the chassis down (or cycles it)");
    std::string shutdownVerb;
    hook->add_option("verb", shutdownVerb, "halt, poweroff, reboot or kexec")->required();

    if (auto exit = parseArguments(app, argc, argv)) {
        return ParsedCommandLine{std::nullopt, exit->exitCode, std::move(exit->out), std::move(exit->err)};
    }

    if (status->parsed()) {
        options.command = Options::Command::Status;
        if (!statusSocket.empty()) {
            options.statusSocket = statusSocket;
            options.statusSocketGiven = true;
        }
        if (statusJson) {
            options.statusFormat = "json";
        }
    }
    if (control->parsed()) {
        options.command = Options::Command::Control;
        options.statusSocket = controlSocket;
        for (const auto& word : controlWords) {
            options.controlLine += (options.controlLine.empty() ? "" : " ") + word;
        }
        return ParsedCommandLine{std::move(options), 0, {}, {}};
    }
    if (hook->parsed()) {
        options.command = Options::Command::ShutdownHook;
        options.shutdownVerb = shutdownVerb;
    }
    if (!configFile.empty()) {
        options.configFile = configFile;
    }
    if (sim) {
        options.settings.push_back(Setting{"daemon", "sim", "Y", "option --sim"});
    }
    for (const auto& text : nodeSettings) {
        auto setting = nodeSetting(text);
        if (!setting) {
            ParsedCommandLine r;
            r.exitCode = EX_USAGE;
            r.err = "--node " + text + ": expected NAME.KEY=VALUE (KEY: interface, policy, owner, group, mode)\n";
            return r;
        }
        options.settings.push_back(std::move(*setting));
    }
    if (!deviceNames.empty()) {
        options.settings.push_back(Setting{"device", "names", joinList(deviceNames), "option --device-name"});
    }
    for (auto& setting : givenSettings(app, values)) {
        options.settings.push_back(std::move(setting));
    }
    return ParsedCommandLine{std::move(options), 0, {}, {}};
}

std::optional<std::string> loadConfig(const Options& options, Config& config)
{
    std::vector<Setting> settings;
    if (options.configFile) {
        if (auto error = readConfigFile(*options.configFile, settings)) {
            return error;
        }
    }
    settings.insert(settings.end(), options.settings.begin(), options.settings.end());
    return applySettings(config, settings);
}

} // namespace ipmi::daemon
