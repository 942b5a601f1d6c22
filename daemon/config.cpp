// Configuration settings: the TOML reader, the catalogue of parameters and
// their application (see config.hpp).
#include "daemon/asio.hpp"

#include "daemon/config.hpp"

#include "watchdog_dev/cuse_watchdog.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace ipmi::daemon {

namespace {

const std::vector<SettingInfo> kCatalogue = {
    {"ipmi_si", "type", "interface types, comma list: kcs, smic, bt (kernel default kcs)"},
    {"ipmi_si", "ports", "I/O port addresses of the interfaces, comma list"},
    {"ipmi_si", "addrs", "memory addresses of the interfaces, comma list"},
    {"ipmi_si", "irqs", "interrupt numbers (accepted and reported; ipmi-cuse polls)"},
    {"ipmi_si", "regspacings", "bytes between registers, comma list (default 1)"},
    {"ipmi_si", "regsizes", "register access width in bytes: 1, 2, 4 or 8"},
    {"ipmi_si", "regshifts", "bit shift of the IPMI byte within a register"},
    {"ipmi_si", "slave_addrs", "IPMB address of each BMC (default 0x20)"},
    {"ipmi_si", "force_kipmid", "1: poll from a worker thread, 0: timer-paced polling"},
    {"ipmi_si", "kipmid_max_busy_us", "maximum busy-wait per poll in microseconds (0 = no limit)"},
    {"ipmi_si", "trydmi", "look for interfaces in SMBIOS type 38 (default Y)"},
    {"ipmi_si", "tryacpi", "look for interfaces in ACPI IPI0001 and SPMI (default Y)"},
    {"ipmi_si", "trypci", "look for PCI IPMI devices (default Y)"},
    {"ipmi_si", "tryplatform", "accept platform (hotmod) interfaces (default Y)"},
    {"ipmi_si", "hotmod", "add/remove interfaces in the kernel's hotmod syntax"},
    {"ipmi_si", "unload_when_empty", "accepted for compatibility"},
    {"ipmi_ssif", "addr", "SMBus addresses of SSIF BMCs, comma list"},
    {"ipmi_ssif", "adapter", "I2C adapter of each address: name, i2c-N or N"},
    {"ipmi_ssif", "slave_addrs", "IPMB address of each SSIF BMC (default 0x20)"},
    {"ipmi_ssif", "dbg", "debug bits per interface: 1 messages, 2 state, 4 timing"},
    {"ipmi_ssif", "dbg_probe", "log the SSIF probing"},
    {"ipmi_ssif", "alerts_broken", "do not use SMBus alerts, per interface"},
    {"ipmi_ssif", "tryacpi", "look for SSIF BMCs in ACPI (default Y)"},
    {"ipmi_ssif", "trydmi", "look for SSIF BMCs in SMBIOS (default Y)"},
    {"ipmi_watchdog", "timeout", "watchdog timeout in seconds (default 10)"},
    {"ipmi_watchdog", "pretimeout", "pre-timeout in seconds before the timeout (default 0)"},
    {"ipmi_watchdog", "action", "reset, power_off, power_cycle or none (default reset)"},
    {"ipmi_watchdog", "preaction", "pre_none, pre_smi or pre_int (default pre_none)"},
    {"ipmi_watchdog", "preop", "preop_none, preop_panic or preop_give_data"},
    {"ipmi_watchdog", "start_now", "start the timer at start-up"},
    {"ipmi_watchdog", "nowayout", "never stop the timer once started"},
    {"ipmi_watchdog", "ifnum_to_use", "interface of the watchdog (default the first)"},
    {"ipmi_watchdog", "panic_wdt_timeout", "timeout set on panic, seconds (default 255)"},
    {"ipmi_msghandler", "panic_op", "on panic tell the BMC: none, event or string"},
    {"ipmi_msghandler", "max_users", "open files plus internal users per interface (default 30)"},
    {"ipmi_msghandler", "max_msgs_per_user", "outstanding plus unread messages per user (default 100)"},
    {"ipmi_msghandler", "default_max_retries", "IPMB/LAN retries when the caller says -1 (default 4)"},
    {"ipmi_msghandler", "default_retry_ms", "IPMB/LAN retry time when the caller says 0 (default 2000)"},
    {"ipmi_msghandler", "default_maintenance_retry_ms", "retry time in maintenance mode (default 3000)"},
    {"ipmi_msghandler", "maintenance_mode_timeout_ms", "automatic maintenance mode length (default 30000)"},
    {"ipmi_poweroff", "poweroff_powercycle", "power cycle instead of powering off"},
    {"device", "names", "device names by interface, comma list (default ipmi0, ipmi1, ...)"},
    {"device", "mode", "mode of the device nodes, octal (default 0600)"},
    {"device", "owner", "owner of the device nodes, name or uid (default root)"},
    {"device", "group", "group of the device nodes, name or gid (default root)"},
    {"device", "create_node", "also create the nodes in this directory (a container's /dev)"},
    {"device", "cuse_device", "the CUSE control device (default /dev/cuse)"},
    {"device", "watchdog_name", "name of the IPMI watchdog device (default watchdog; none: no device)"},
    {"daemon", "sim", "serve the embedded simulated BMC instead of hardware"},
    {"daemon", "sim_config", "TOML file describing the simulated BMC"},
    {"daemon", "sim_interface", "system interface to the simulated BMC: kcs, bt, smic or ssif"},
    {"daemon", "control_socket", "unix socket for 'ipmi-cuse status' (empty: none)"},
    {"daemon", "debug", "subsystems to log at debug level, comma list"},
    {"daemon", "log_level", "trace, debug, info, warn, error or critical (default info)"},
    {"daemon", "sysroot", "prefix for /sys when discovering hardware and checking names"},
    {"daemon", "startup_timeout_ms", "how long interfaces may take to answer at start-up"},
};

std::vector<std::string> splitList(std::string_view text)
{
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto end = comma == std::string_view::npos ? text.size() : comma;
        items.emplace_back(text.substr(start, end - start));
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return items;
}

std::optional<long long> parseInteger(std::string_view text)
{
    return watchdog::parseKernelInteger(text);
}

std::string parseBool(std::string_view value, bool& out)
{
    const auto b = si::discovery::parseKernelBool(value);
    if (!b) {
        return "'" + std::string(value) + "' is not a boolean (use Y/N, 1/0, on/off)";
    }
    out = *b;
    return {};
}

template <typename T>
std::string parseIntList(std::string_view value, long long min, long long max, std::vector<T>& out)
{
    std::vector<T> parsed;
    for (const auto& item : splitList(value)) {
        const auto v = parseInteger(item);
        if (!v || *v < min || *v > max) {
            return "'" + item + "' is not a number in " + std::to_string(min) + ".." + std::to_string(max);
        }
        parsed.push_back(static_cast<T>(*v));
    }
    out = std::move(parsed);
    return {};
}

template <typename T>
std::string parseIntValue(std::string_view value, long long min, long long max, T& out)
{
    const auto v = parseInteger(value);
    if (!v || *v < min || *v > max) {
        return "'" + std::string(value) + "' is not a number in " + std::to_string(min) + ".." +
               std::to_string(max);
    }
    out = static_cast<T>(*v);
    return {};
}

std::string applySsif(SsifConfig& c, const std::string& key, const std::string& value)
{
    if (key == "addr") {
        return parseIntList(value, 1, 0x7F, c.addrs);
    }
    if (key == "adapter") {
        c.adapters = splitList(value);
        return {};
    }
    if (key == "slave_addrs") {
        return parseIntList(value, 0, 0xFF, c.slaveAddrs);
    }
    if (key == "dbg") {
        return parseIntList(value, 0, 7, c.dbg);
    }
    if (key == "dbg_probe") {
        return parseBool(value, c.dbgProbe);
    }
    if (key == "alerts_broken") {
        std::vector<bool> flags;
        for (const auto& item : splitList(value)) {
            bool b = false;
            if (auto e = parseBool(item, b); !e.empty()) {
                return e;
            }
            flags.push_back(b);
        }
        c.alertsBroken = std::move(flags);
        return {};
    }
    if (key == "tryacpi") {
        return parseBool(value, c.tryAcpi);
    }
    if (key == "trydmi") {
        return parseBool(value, c.tryDmi);
    }
    return "unknown parameter";
}

std::string applyMsgHandler(MsgHandlerConfig& c, const std::string& key, const std::string& value)
{
    auto& p = c.params;
    if (key == "panic_op") {
        if (value == "none") {
            c.panicOp = PanicOp::None;
        } else if (value == "event") {
            c.panicOp = PanicOp::Event;
        } else if (value == "string") {
            c.panicOp = PanicOp::String;
        } else {
            return "'" + value + "' is not one of none, event, string";
        }
        return {};
    }
    if (key == "max_users") {
        return parseIntValue(value, 1, 100000, p.maxUsers);
    }
    if (key == "max_msgs_per_user") {
        return parseIntValue(value, 1, 1000000, p.maxMsgsPerUser);
    }
    if (key == "default_max_retries") {
        return parseIntValue(value, 0, 1000, p.defaultMaxRetries);
    }
    if (key == "default_retry_ms") {
        return parseIntValue(value, 1, 3600000, p.defaultRetryMs);
    }
    if (key == "default_maintenance_retry_ms") {
        return parseIntValue(value, 1, 3600000, p.defaultMaintenanceRetryMs);
    }
    if (key == "maintenance_mode_timeout_ms") {
        return parseIntValue(value, 1, 3600000, p.maintenanceModeTimeoutMs);
    }
    return "unknown parameter";
}

std::string parseOwner(const std::string& value, bool isGroup, unsigned& out)
{
    if (const auto n = parseInteger(value); n && *n >= 0 && *n <= 0x7FFFFFFF) {
        out = static_cast<unsigned>(*n);
        return {};
    }
    std::array<char, 4096> buf{};
    if (isGroup) {
        struct group g{};
        struct group* res = nullptr;
        if (getgrnam_r(value.c_str(), &g, buf.data(), buf.size(), &res) == 0 && res != nullptr) {
            out = res->gr_gid;
            return {};
        }
        return "no group named '" + value + "'";
    }
    passwd pw{};
    passwd* res = nullptr;
    if (getpwnam_r(value.c_str(), &pw, buf.data(), buf.size(), &res) == 0 && res != nullptr) {
        out = res->pw_uid;
        return {};
    }
    return "no user named '" + value + "'";
}

std::string applyDevice(DeviceConfig& c, const std::string& key, const std::string& value)
{
    if (key == "names") {
        auto names = splitList(value);
        for (const auto& n : names) {
            if (n.empty() || n.size() > 64 || n.find('/') != std::string::npos || n == "." || n == "..") {
                return "'" + n + "' is not a usable device name";
            }
        }
        c.names = std::move(names);
        return {};
    }
    if (key == "mode") {
        if (value.empty() || value.size() > 5 || value.find_first_not_of("01234567") != std::string::npos) {
            return "'" + value + "' is not an octal mode such as 0600";
        }
        c.mode = static_cast<mode_t>(std::stoul(value, nullptr, 8) & 07777);
        return {};
    }
    if (key == "owner") {
        unsigned uid = 0;
        auto e = parseOwner(value, false, uid);
        c.uid = uid;
        return e;
    }
    if (key == "group") {
        unsigned gid = 0;
        auto e = parseOwner(value, true, gid);
        c.gid = gid;
        return e;
    }
    if (key == "create_node") {
        c.createNodeIn = value.empty() ? std::nullopt : std::optional<std::filesystem::path>(value);
        return {};
    }
    if (key == "cuse_device") {
        if (value.empty()) {
            return "the CUSE device path is empty";
        }
        c.cuseDevice = value;
        return {};
    }
    if (key == "watchdog_name") {
        if (value.empty() || value == "none") {
            c.watchdogName.clear();
            return {};
        }
        if (auto problem = watchdog::checkDeviceName(value)) {
            return "'" + value + "' is not a usable device name: " + *problem;
        }
        c.watchdogName = value;
        return {};
    }
    return "unknown parameter";
}

std::string applyDaemon(DaemonConfig& c, const std::string& key, const std::string& value)
{
    if (key == "sim") {
        return parseBool(value, c.sim);
    }
    if (key == "sim_config") {
        c.simConfig = value.empty() ? std::nullopt : std::optional<std::filesystem::path>(value);
        return {};
    }
    if (key == "sim_interface") {
        static const std::array<std::pair<const char*, SimInterface>, 4> kinds{
            {{"kcs", SimInterface::Kcs}, {"bt", SimInterface::Bt}, {"smic", SimInterface::Smic},
             {"ssif", SimInterface::Ssif}}};
        for (const auto& [name, kind] : kinds) {
            if (value == name) {
                c.simInterface = kind;
                return {};
            }
        }
        return "'" + value + "' is not one of kcs, bt, smic, ssif";
    }
    if (key == "control_socket") {
        c.controlSocket = value;
        return {};
    }
    if (key == "debug") {
        std::vector<std::string> subsystems;
        for (const auto& s : splitList(value)) {
            if (s.empty()) {
                continue;
            }
            const auto& known = debugSubsystems();
            if (s != "all" && std::find(known.begin(), known.end(), s) == known.end()) {
                std::string list;
                for (const auto& k : known) {
                    list += k + ", ";
                }
                return "unknown subsystem '" + s + "' (known: " + list + "all)";
            }
            subsystems.push_back(s);
        }
        c.debug = std::move(subsystems);
        return {};
    }
    if (key == "log_level") {
        static const std::array<const char*, 6> kLevels{"trace", "debug", "info", "warn", "error", "critical"};
        if (std::find(kLevels.begin(), kLevels.end(), value) == kLevels.end()) {
            return "'" + value + "' is not one of trace, debug, info, warn, error, critical";
        }
        c.logLevel = value;
        return {};
    }
    if (key == "sysroot") {
        c.sysroot = value;
        return {};
    }
    if (key == "startup_timeout_ms") {
        long long ms = 0;
        auto e = parseIntValue(value, 100, 600000, ms);
        c.startupTimeout = std::chrono::milliseconds(ms);
        return e;
    }
    return "unknown parameter";
}

std::string applyOne(Config& config, const Setting& s)
{
    if (s.section == "ipmi_si") {
        auto r = si::discovery::applySiParam(config.si, s.key, s.value);
        return r ? std::string{} : r.error();
    }
    if (s.section == "ipmi_watchdog") {
        return watchdog::applyParameter(config.watchdog, s.key, s.value, watchdog::ParameterTime::Startup)
            .value_or(std::string{});
    }
    if (s.section == "ipmi_ssif") {
        return applySsif(config.ssif, s.key, s.value);
    }
    if (s.section == "ipmi_msghandler") {
        return applyMsgHandler(config.msghandler, s.key, s.value);
    }
    if (s.section == "ipmi_poweroff" && s.key == "poweroff_powercycle") {
        return parseBool(s.value, config.poweroff.powercycle);
    }
    if (s.section == "device") {
        return applyDevice(config.device, s.key, s.value);
    }
    if (s.section == "daemon") {
        return applyDaemon(config.daemon, s.key, s.value);
    }
    return "unknown parameter";
}

std::string where(std::string_view source, const toml::source_region& region)
{
    return std::string(source) + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

// A TOML value in the kernel's text syntax, or nullopt for types it has none for.
std::optional<std::string> kernelText(const toml::node& node, bool octal)
{
    if (const auto* s = node.as_string()) {
        return s->get();
    }
    if (const auto* i = node.as_integer()) {
        if (octal) {
            std::ostringstream o;
            o << '0' << std::oct << i->get();
            return o.str();
        }
        return std::to_string(i->get());
    }
    if (const auto* b = node.as_boolean()) {
        return b->get() ? "Y" : "N";
    }
    if (const auto* a = node.as_array()) {
        std::string joined;
        bool first = true;
        for (const toml::node& element : *a) {
            const auto item = element.is_array() ? std::nullopt : kernelText(element, octal);
            if (!item) {
                return std::nullopt;
            }
            joined += (first ? "" : ",") + *item;
            first = false;
        }
        return joined;
    }
    return std::nullopt;
}

} // namespace

std::string DeviceConfig::nameFor(int ifnum) const
{
    if (ifnum >= 0 && static_cast<std::size_t>(ifnum) < names.size()) {
        return names[static_cast<std::size_t>(ifnum)];
    }
    return "ipmi" + std::to_string(ifnum);
}

const std::vector<std::string>& debugSubsystems()
{
    static const std::vector<std::string> kSubsystems{"daemon", "cuse", "core", "si", "ssif", "sim", "watchdog", "fuse"};
    return kSubsystems;
}

const std::vector<SettingInfo>& settingCatalogue()
{
    return kCatalogue;
}

bool knownSetting(std::string_view section, std::string_view key)
{
    return std::any_of(kCatalogue.begin(), kCatalogue.end(),
                       [&](const SettingInfo& i) { return section == i.section && key == i.key; });
}

std::string parseConfigText(std::string_view text, std::string_view sourceName, std::vector<Setting>& out)
{
    toml::table doc;
    try {
        doc = toml::parse(text, sourceName);
    } catch (const toml::parse_error& e) {
        return where(sourceName, e.source()) + ": " + std::string(e.description());
    }
    std::vector<Setting> settings;
    for (auto&& [sectionKey, sectionNode] : doc) {
        const std::string section(sectionKey.str());
        const auto* table = sectionNode.as_table();
        const bool knownSection = std::any_of(kCatalogue.begin(), kCatalogue.end(),
                                              [&](const SettingInfo& i) { return section == i.section; });
        if (!knownSection || table == nullptr) {
            return where(sourceName, sectionKey.source()) + ": unknown section '" + section +
                   "' (known: ipmi_si, ipmi_ssif, ipmi_watchdog, ipmi_msghandler, ipmi_poweroff, device, daemon)";
        }
        for (auto&& [key, value] : *table) {
            const std::string name(key.str());
            if (!knownSetting(section, name)) {
                return where(sourceName, key.source()) + ": unknown parameter '" + name + "' in [" + section + "]";
            }
            const auto textValue = kernelText(value, section == "device" && name == "mode");
            if (!textValue) {
                return where(sourceName, value.source()) + ": [" + section + "] " + name +
                       ": use a string, an integer, a boolean or a list of those";
            }
            settings.push_back(Setting{section, name, *textValue, where(sourceName, value.source())});
        }
    }
    out.insert(out.end(), settings.begin(), settings.end());
    return {};
}

std::string readConfigFile(const std::filesystem::path& path, std::vector<Setting>& out)
{
    std::ifstream in(path);
    if (!in) {
        return path.string() + ": cannot read the configuration file";
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseConfigText(text.str(), path.string(), out);
}

std::string applySettings(Config& config, const std::vector<Setting>& settings)
{
    for (const auto& s : settings) {
        if (auto error = applyOne(config, s); !error.empty()) {
            return s.origin + ": [" + s.section + "] " + s.key + ": " + error;
        }
    }
    return {};
}

} // namespace ipmi::daemon
