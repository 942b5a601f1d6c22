// Applying settings: each value through the owning room's parser
// (si::discovery::applySiParam, watchdog::applyParameter) or ours, so a
// value means the same in the file and on the command line (see config.hpp).
#include "core/kernel_number.hpp"
#include "cuse/kernel.hpp"
#include "daemon/config.hpp"
#include "watchdog_dev/cuse_watchdog.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <string>
#include <variant>

namespace ipmi::daemon {

namespace {

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
    return core::parseKernelInteger(text);
}

std::optional<std::string> parseBool(std::string_view value, bool& out)
{
    const auto b = core::parseKernelBool(value);
    if (!b) {
        return "'" + std::string(value) + "' is not a boolean (use Y/N, 1/0, on/off)";
    }
    out = *b;
    return std::nullopt;
}

template <typename T>
std::optional<std::string> parseIntList(std::string_view value, long long min, long long max, std::vector<T>& out)
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
    return std::nullopt;
}

template <typename T>
std::optional<std::string> parseIntValue(std::string_view value, long long min, long long max, T& out)
{
    const auto v = parseInteger(value);
    if (!v || *v < min || *v > max) {
        return "'" + std::string(value) + "' is not a number in " + std::to_string(min) + ".." + std::to_string(max);
    }
    out = static_cast<T>(*v);
    return std::nullopt;
}

std::optional<std::string> applySsif(SsifConfig& c, const std::string& key, const std::string& value)
{
    if (key == "addr") {
        return parseIntList(value, 1, 0x7F, c.addrs);
    }
    if (key == "adapter_name" || key == "adapter") {
        c.adapters = splitList(value);
        return std::nullopt;
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
            if (auto e = parseBool(item, b)) {
                return e;
            }
            flags.push_back(b);
        }
        c.alertsBroken = std::move(flags);
        return std::nullopt;
    }
    if (key == "tryacpi") {
        return parseBool(value, c.tryAcpi);
    }
    if (key == "trydmi") {
        return parseBool(value, c.tryDmi);
    }
    return "unknown parameter";
}

std::optional<std::string> applyMsgHandler(MsgHandlerConfig& c, const std::string& key, const std::string& value)
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
        return std::nullopt;
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

std::optional<std::string> parseOwner(const std::string& value, bool isGroup, unsigned& out)
{
    if (const auto n = parseInteger(value); n && *n >= 0 && *n <= 0x7FFFFFFF) {
        out = static_cast<unsigned>(*n);
        return std::nullopt;
    }
    std::array<char, 4096> buf{};
    if (isGroup) {
        struct group g
        {};
        struct group* res = nullptr;
        if (getgrnam_r(value.c_str(), &g, buf.data(), buf.size(), &res) == 0 && res != nullptr) {
            out = res->gr_gid;
            return std::nullopt;
        }
        return "no group named '" + value + "'";
    }
    passwd pw{};
    passwd* res = nullptr;
    if (getpwnam_r(value.c_str(), &pw, buf.data(), buf.size(), &res) == 0 && res != nullptr) {
        out = res->pw_uid;
        return std::nullopt;
    }
    return "no user named '" + value + "'";
}

bool usableDeviceName(std::string_view n)
{
    return !n.empty() && n.size() <= 64 && n.find('/') == std::string_view::npos && n != "." && n != "..";
}

std::optional<std::string> parseMode(const std::string& value, mode_t& out)
{
    if (value.empty() || value.size() > 5 || value.find_first_not_of("01234567") != std::string::npos) {
        return "'" + value + "' is not an octal mode such as 0600";
    }
    const auto mode = static_cast<mode_t>(std::stoul(value, nullptr, 8));
    if ((mode & ~mode_t{0777}) != 0) {
        // Setuid, setgid and sticky mean nothing on a device node: a typo, or worse.
        return fmt::format("'{}' sets setuid, setgid or sticky bits ({:04o}): a device node's mode takes "
                           "permission bits only, 0..0777",
                           value, mode & ~mode_t{0777});
    }
    out = mode;
    return std::nullopt;
}

// A node's owner, group and mode: [device] owner/group/mode for the
// interfaces' own nodes, watchdog_owner/... for the watchdog's, and the same
// keys in each [node.NAME].
constexpr std::string_view kWatchdogPrefix = "watchdog_";

bool isAccessKey(std::string_view key)
{
    return key == "owner" || key == "group" || key == "mode";
}

std::optional<std::string> applyAccess(std::string_view key, const std::string& value, mode_t& mode, uid_t& uid,
                                       gid_t& gid)
{
    if (key == "mode") {
        return parseMode(value, mode);
    }
    unsigned id = 0;
    auto error = parseOwner(value, key == "group", id);
    (key == "group" ? gid : uid) = id;
    return error;
}

// ipmi_devintf's one parameter is [device] major under the kernel's name.
constexpr std::string_view kIpmiMajor = "ipmi_major";

std::optional<std::string> applyDevice(DeviceConfig& c, const std::string& key, const std::string& value)
{
    if (key == "names") {
        auto names = splitList(value);
        for (const auto& n : names) {
            if (!usableDeviceName(n)) {
                return "'" + n + "' is not a usable device name";
            }
        }
        c.names = std::move(names);
        return std::nullopt;
    }
    if (isAccessKey(key)) {
        return applyAccess(key, value, c.mode, c.uid, c.gid);
    }
    if (key == "create_node") {
        c.createNodeIn = value.empty() ? std::nullopt : std::optional<std::filesystem::path>(value);
        return std::nullopt;
    }
    if (key == "cuse_device") {
        if (value.empty()) {
            return "the CUSE device path is empty";
        }
        c.cuseDevice = value;
        return std::nullopt;
    }
    if (key == "in_place_memory") {
        return parseBool(value, c.inPlaceMemory);
    }
    if (key == "poll_hold_us") {
        long long us = 0;
        if (auto e = parseIntValue(value, 0, 100000, us)) {
            return e;
        }
        c.pollHold = std::chrono::microseconds(us);
        return std::nullopt;
    }
    if (key == "major" || key == kIpmiMajor) {
        const auto v = parseInteger(value);
        if (key == kIpmiMajor && v == -1) {
            return "-1 (no device interface at all) would leave ipmi-cuse nothing to serve; stop the service instead";
        }
        if (!v || *v < 0 || *v > cuse::kMaxCharMajor) {
            return fmt::format("'{}' is not a major in 1..{} (0: dynamic; the kernel refuses {} and above)", value,
                               cuse::kMaxCharMajor, cuse::kMaxCharMajor + 1);
        }
        c.major = static_cast<unsigned>(*v);
        return {};
    }
    if (key == "watchdog_minor") {
        return parseIntValue(value, 0, cuse::kMaxMinor, c.watchdogMinor);
    }
    if (key == "cdi") {
        return parseBool(value, c.cdi);
    }
    if (key == "cdi_dir") {
        if (value.empty()) {
            return "the CDI directory is empty (turn the spec off with cdi = N)";
        }
        c.cdiDir = value;
        return {};
    }
    if (key == "cdi_kind") {
        if (auto problem = cdi::kindProblem(value)) {
            return *problem;
        }
        c.cdiKind = value;
        return {};
    }
    if (key.starts_with(kWatchdogPrefix) && isAccessKey(key.substr(kWatchdogPrefix.size()))) {
        return applyAccess(key.substr(kWatchdogPrefix.size()), value, c.watchdogMode, c.watchdogUid, c.watchdogGid);
    }
    if (key == "watchdog_name") {
        if (value.empty() || value == "none") {
            c.watchdogName.clear();
            return std::nullopt;
        }
        if (auto problem = watchdog::checkDeviceName(value)) {
            return "'" + value + "' is not a usable device name: " + *problem;
        }
        c.watchdogName = value;
        return std::nullopt;
    }
    return "unknown parameter";
}

// [node.NAME] KEY = VALUE: the node is made when first named.
std::optional<std::string> applyNode(DeviceConfig& c, const std::string& name, const Setting& s)
{
    if (!usableDeviceName(name)) {
        return "'" + name + "' is not a usable device name";
    }
    auto it = std::find_if(c.nodes.begin(), c.nodes.end(), [&name](const NodeConfig& n) { return n.name == name; });
    if (it == c.nodes.end()) {
        c.nodes.push_back(NodeConfig{.name = name, .origin = s.origin});
        it = std::prev(c.nodes.end());
    }
    NodeConfig& node = *it;
    const std::string& value = s.value;
    if (s.key == "interface") {
        return parseIntValue(value, 0, 255, node.ifnum);
    }
    if (s.key == "policy") {
        auto parsed = cuse::NodePolicy::parse(value);
        if (auto* error = std::get_if<std::string>(&parsed)) {
            return *error;
        }
        node.policy = std::get<cuse::NodePolicy>(std::move(parsed));
        return std::nullopt;
    }
    if (isAccessKey(s.key)) {
        return applyAccess(s.key, value, node.mode, node.uid, node.gid);
    }
    return "unknown parameter";
}

// Names are checked once every setting is in: an interface's own name, the
// watchdog's and the further nodes' must all differ.
std::optional<std::string> checkNodeNames(const DeviceConfig& c)
{
    for (const auto& node : c.nodes) {
        for (int ifnum = 0; ifnum < 256; ++ifnum) {
            if (c.nameFor(ifnum) == node.name) {
                return fmt::format("{}: [node.{}]: /dev/{} is the name of interface {}'s own node", node.origin,
                                   node.name, node.name, ifnum);
            }
        }
        if (node.name == c.watchdogName) {
            return fmt::format("{}: [node.{}]: /dev/{} is the watchdog's name", node.origin, node.name, node.name);
        }
    }
    return std::nullopt;
}

std::optional<std::string> applyDaemon(DaemonConfig& c, const std::string& key, const std::string& value)
{
    if (key == "audit") {
        if (auto scope = parseAuditScope(value)) {
            c.audit = *scope;
            return std::nullopt;
        }
        return "'" + value + "' is not one of changes, all, off";
    }
    if (key == "audit_rate") {
        return parseIntValue(value, 1, 10000, c.auditRate);
    }
    if (key == "sim") {
        return parseBool(value, c.sim);
    }
    if (key == "sim_config") {
        c.simConfig.reset();
        c.simBmc.reset();
        if (value.empty()) {
            return std::nullopt;
        }
        auto loaded = sim::loadBmcConfig(value);
        if (auto* error = std::get_if<sim::ConfigError>(&loaded)) {
            return "the simulated BMC's configuration: " + error->message;
        }
        c.simConfig = value;
        c.simBmc = std::get<sim::BmcConfig>(std::move(loaded));
        return std::nullopt;
    }
    if (key == "sim_interface") {
        static const std::array<std::pair<const char*, SimInterface>, 4> kinds{{{"kcs", SimInterface::Kcs},
                                                                                {"bt", SimInterface::Bt},
                                                                                {"smic", SimInterface::Smic},
                                                                                {"ssif", SimInterface::Ssif}}};
        for (const auto& [name, kind] : kinds) {
            if (value == name) {
                c.simInterface = kind;
                return std::nullopt;
            }
        }
        return "'" + value + "' is not one of kcs, bt, smic, ssif";
    }
    if (key == "control_socket") {
        c.controlSocket = value;
        return std::nullopt;
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
                return fmt::format("unknown subsystem '{}' (known: {}all)", s, list);
            }
            subsystems.push_back(s);
        }
        c.debug = std::move(subsystems);
        return std::nullopt;
    }
    if (key == "log_level") {
        static const std::array<const char*, 6> kLevels{"trace", "debug", "info", "warn", "error", "critical"};
        if (std::find(kLevels.begin(), kLevels.end(), value) == kLevels.end()) {
            return "'" + value + "' is not one of trace, debug, info, warn, error, critical";
        }
        c.logLevel = value;
        return std::nullopt;
    }
    if (key == "sysroot") {
        c.sysroot = value;
        return std::nullopt;
    }
    if (key == "startup_timeout_ms") {
        long long ms = 0;
        auto e = parseIntValue(value, 100, 600000, ms);
        c.startupTimeout = std::chrono::milliseconds(ms);
        return e;
    }
    return "unknown parameter";
}

std::optional<std::string> applyOne(Config& config, const Setting& s)
{
    if (s.section == "ipmi_si") {
        auto r = si::discovery::applySiParam(config.si, s.key, s.value);
        if (!r) {
            return r.error();
        }
        return std::nullopt;
    }
    if (s.section == "ipmi_watchdog") {
        return watchdog::applyParameter(config.watchdog, s.key, s.value, watchdog::ParameterTime::Startup);
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
    if (s.section == "ipmi_poweroff" && s.key == "ifnum_to_use") {
        return parseIntValue(s.value, -1, 255, config.poweroff.ifnumToUse);
    }
    if (s.section == "ipmi_devintf" && s.key == kIpmiMajor) {
        return applyDevice(config.device, s.key, s.value);
    }
    if (s.section == "acpi_ipmi" && s.key == "enabled") {
        return parseBool(s.value, config.acpiIpmi.enabled);
    }
    if (s.section == "device") {
        return applyDevice(config.device, s.key, s.value);
    }
    if (s.section == "daemon") {
        return applyDaemon(config.daemon, s.key, s.value);
    }
    if (s.section.starts_with(kNodeSectionPrefix)) {
        return applyNode(config.device, s.section.substr(kNodeSectionPrefix.size()), s);
    }
    return "unknown parameter";
}

// Kernel parameters taken for compatibility that change nothing here: the
// operator hears so once, naming where the setting was written.
struct UserspaceNote
{
    std::string_view section;
    std::string_view key;
    std::string_view why;
};
constexpr std::array<UserspaceNote, 1> kUserspaceNotes{{
    {"ipmi_si", "unload_when_empty",
     "accepted, no effect: there is no module to unload (ipmi-cuse exits when it finds no interface; "
     "hotmod works through 'ipmi-cuse control hotmod' while it runs)"},
}};

void noteUserspaceMeaning(std::vector<std::string>& notes, const Setting& s)
{
    for (const auto& note : kUserspaceNotes) {
        if (s.section != note.section || s.key != note.key) {
            continue;
        }
        const std::string name = s.section + "." + s.key;
        std::erase_if(notes, [&name](const std::string& n) { return n.find(": " + name + ": ") != std::string::npos; });
        notes.push_back(fmt::format("{}: {}: {}", s.origin, name, note.why));
    }
}

} // namespace

std::optional<std::string> applySettings(Config& config, const std::vector<Setting>& settings)
{
    for (const auto& s : settings) {
        if (auto error = applyOne(config, s)) {
            return s.origin + ": [" + s.section + "] " + s.key + ": " + *error;
        }
        noteUserspaceMeaning(config.notes, s);
    }
    return checkNodeNames(config.device);
}

} // namespace ipmi::daemon
