// The daemon's configuration: the kernel's module parameters (same names,
// same value syntax, same defaults) for ipmi_si, ipmi_ssif, ipmi_watchdog,
// ipmi_msghandler, ipmi_poweroff and ipmi_devintf (every parameter of Linux
// 6.1's modules), plus what only ipmi-cuse has (device nodes, the simulator,
// the control socket, logging).
//
// config_file.cpp reads the TOML file, config_catalogue.cpp lists the
// settings, config_apply.cpp applies them.
//
// Both the TOML file and the command line produce Settings ("section, key,
// value as text, where it came from"); applySettings() runs each through the
// owning room's parser (si::discovery::applySiParam, watchdog::applyParameter)
// or ours, so a value means the same wherever it is written and a refusal
// names the file and line (or the option) and the parameter.
//
// TOML layout (every section and key optional):
//   [ipmi_si]         type ports addrs irqs regspacings regsizes regshifts
//                     slave_addrs force_kipmid kipmid_max_busy_us trydmi
//                     tryacpi trypci tryplatform hotmod unload_when_empty
//                     kcs_debug bt_debug smic_debug
//   [ipmi_ssif]       addr adapter_name (or adapter) slave_addrs dbg
//                     dbg_probe alerts_broken tryacpi trydmi
//   [ipmi_watchdog]   timeout pretimeout action preaction preop start_now
//                     nowayout ifnum_to_use panic_wdt_timeout
//   [ipmi_msghandler] panic_op max_users max_msgs_per_user
//                     default_max_retries default_retry_ms
//                     default_maintenance_retry_ms maintenance_mode_timeout_ms
//   [ipmi_poweroff]   poweroff_powercycle ifnum_to_use
//   [ipmi_devintf]    ipmi_major (the same as [device] major)
//   [acpi_ipmi]       enabled (the module loaded or not; default not)
//   [device]          names mode owner group create_node cuse_device
//                     watchdog_name ("none" or empty: no watchdog device)
//                     in_place_memory poll_hold_us major watchdog_minor
//                     cdi cdi_dir cdi_kind
//   [daemon]          sim sim_config sim_interface control_socket debug
//                     log_level sysroot startup_timeout_ms
// Lists may be TOML arrays or the kernel's comma-separated strings.
#pragma once

#include "core/message_handler.hpp"
#include "cuse_dev/node_policy.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/cdi_spec.hpp"
#include "si/discovery/si_params.hpp"
#include "sim/config.hpp"
#include "watchdog_dev/parameters.hpp"

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::daemon {

// One parameter as written: "[section] key = value" or --section.key=value.
// A further node's settings are in section "node.NAME" ([node.NAME] in the
// file, --node NAME.KEY=VALUE on the command line).
inline constexpr std::string_view kNodeSectionPrefix = "node.";

struct Setting
{
    std::string section; // "ipmi_si", "device", ...
    std::string key;
    std::string value;  // the kernel's text syntax
    std::string origin; // "FILE:LINE:COL" or "option --ipmi_si.ports"
};

// ipmi_ssif's parameters; lists are indexed by interface like the kernel's.
struct SsifConfig
{
    std::vector<std::uint8_t> addrs;   // addr=
    std::vector<std::string> adapters; // adapter=
    std::vector<long> slaveAddrs;      // slave_addrs=
    std::vector<unsigned> dbg;         // dbg=
    bool dbgProbe = false;             // dbg_probe=
    std::vector<bool> alertsBroken;    // alerts_broken=
    bool tryAcpi = true;               // tryacpi=
    bool tryDmi = true;                // trydmi=
};

// ipmi_msghandler's panic_op: what to tell the BMC when the system panics.
enum class PanicOp : std::uint8_t
{
    None,   // "none"
    Event,  // "event": a panic event
    String, // "string": the event plus the panic string in OEM SEL records
};

struct MsgHandlerConfig
{
    core::MessageHandlerParams params;
    PanicOp panicOp = PanicOp::None;
};

struct PoweroffConfig
{
    bool powercycle = false; // poweroff_powercycle=: cycle instead of power off
    int ifnumToUse = -1;     // ifnum_to_use=: the interface that powers off; -1 the first
};

// acpi_ipmi is a module of its own, loaded or not; its bridge holds a user
// (a max_users slot) on every ACPI-described interface, so it is off unless
// asked for, as the kernel's set-up of ipmi_si, ipmi_devintf and
// ipmi_watchdog leaves it.
struct AcpiIpmiConfig
{
    bool enabled = false; // enabled=
};

// A further node of an interface ([node.NAME], --node NAME.KEY=VALUE): a
// CUSE device of its own with the full ioctl ABI, its own owner and mode, and
// its own command policy (cuse_dev/node_policy.hpp).
struct NodeConfig
{
    std::string name; // /dev/NAME
    int ifnum = 0;
    mode_t mode = 0600;
    uid_t uid = 0;
    gid_t gid = 0;
    cuse::NodePolicy policy = cuse::NodePolicy::monitor(); // what a further node is usually for
    std::string origin;                                    // where it was first named, for messages
};

// How the /dev nodes are named and owned.
struct DeviceConfig
{
    std::vector<std::string> names; // by interface number; missing = "ipmiN"
    mode_t mode = 0600;
    uid_t uid = 0;
    gid_t gid = 0;
    std::optional<std::filesystem::path> createNodeIn; // --create-node DIR
    std::filesystem::path cuseDevice = "/dev/cuse";
    // The IPMI watchdog's device name (/dev/NAME); empty: no watchdog device.
    std::string watchdogName = "watchdog";
    // Its node's owner and mode: root 0600 like the kernel's /dev/watchdog.
    mode_t watchdogMode = 0600;
    uid_t watchdogUid = 0;
    gid_t watchdogGid = 0;
    // Reach ioctl callers' memory in place (cuse/caller_memory.hpp).
    bool inPlaceMemory = true;
    // How long a poll() may wait for an answer on its way (cuse_dev/poll_hold.hpp).
    std::chrono::microseconds pollHold{10000};
    // A fixed major for every node and the watchdog (device_numbers.hpp);
    // 0: a dynamic one for each, as the kernel's ipmi_devintf has.
    unsigned major = 0;
    unsigned watchdogMinor = 130; // under a fixed major; the kernel's watchdog is misc 10:130
    // The CDI spec of the nodes (cdi_spec.hpp); off: none is written.
    bool cdi = true;
    std::filesystem::path cdiDir = cdi::kDefaultDirectory;
    std::string cdiKind = cdi::kDefaultKind;
    // Further nodes, in the order they were first named.
    std::vector<NodeConfig> nodes;
    // The NODE-th further node of interface `ifnum` (1: its first), or null.
    [[nodiscard]] const NodeConfig* nodeOf(int ifnum, unsigned node) const;
    // How many further nodes interface `ifnum` has.
    [[nodiscard]] unsigned nodeCount(int ifnum) const;

    // The node name of interface `ifnum`.
    [[nodiscard]] std::string nameFor(int ifnum) const;
};

enum class SimInterface : std::uint8_t
{
    Kcs,
    Bt,
    Smic,
    Ssif,
};

struct DaemonConfig
{
    bool sim = false; // the embedded BMC instead of hardware; never implied
    std::optional<std::filesystem::path> simConfig;
    // The simulated BMC that sim_config describes, read when the setting is
    // applied so a bad file is refused at start-up like any other setting.
    std::optional<sim::BmcConfig> simBmc;
    SimInterface simInterface = SimInterface::Kcs;
    std::filesystem::path controlSocket = "/run/ipmi-cuse/control"; // empty = none
    std::vector<std::string> debug;                                 // subsystems logging at debug level
    std::string logLevel = "info";
    // The audit trail (audit_log.hpp): what is recorded, and how many
    // records a node may log per second (a burst of five seconds' worth).
    AuditScope audit = AuditScope::Changes;
    unsigned auditRate = 10;
    std::string sysroot; // prefix for /sys (discovery, name checks)
    std::chrono::milliseconds startupTimeout{15000};
    // Stopping (no setting of their own; tests shorten them): how long
    // requests in flight may take to get their answers, and how long a
    // removed interface's device stays so clients can read them.
    std::chrono::milliseconds stopDrain{1000};
    std::chrono::milliseconds stopGrace{300};
    // Who holds a fixed major, and how long a previous instance of ours may
    // take to let go of it (no settings of their own; tests change them).
    std::filesystem::path procDevices = "/proc/devices";
    std::chrono::milliseconds previousInstanceWait{2000};
};

struct Config
{
    si::discovery::SiParams si;
    SsifConfig ssif;
    watchdog::Parameters watchdog;
    MsgHandlerConfig msghandler;
    PoweroffConfig poweroff;
    AcpiIpmiConfig acpiIpmi;
    DeviceConfig device;
    DaemonConfig daemon;
    // One line per kernel parameter given that means nothing in userspace
    // ("ORIGIN: MODULE.PARAM: why"), for the daemon to log once at start-up.
    std::vector<std::string> notes;
};

// The subsystems --debug accepts.
[[nodiscard]] const std::vector<std::string>& debugSubsystems();

// Reads a TOML file into settings. Returns an error naming FILE:LINE:COL
// (syntax errors, unknown sections or keys, values of a type that has no
// kernel spelling such as tables or floats, a mode written as a decimal
// integer), or naming the file if it is not a regular file of at most
// kMaxConfigFileBytes; or nullopt.
inline constexpr long kMaxConfigFileBytes = 1024L * 1024;
[[nodiscard]] std::optional<std::string> readConfigFile(const std::filesystem::path& path, std::vector<Setting>& out);
// The same from text; `sourceName` stands for the path in messages.
[[nodiscard]] std::optional<std::string> parseConfigText(std::string_view text, std::string_view sourceName,
                                                         std::vector<Setting>& out);

// Applies settings in order (later ones win); stops at the first refusal and
// returns its message ("ORIGIN: [section] key: problem"), or nullopt.
[[nodiscard]] std::optional<std::string> applySettings(Config& config, const std::vector<Setting>& settings);

// True if the section/key pair is one we know (for option registration).
[[nodiscard]] bool knownSetting(std::string_view section, std::string_view key);

// Every (section, key, help) pair, in documentation order.
struct SettingInfo
{
    const char* section;
    const char* key;
    const char* help;
    // A yes/no setting: given bare on the command line (--ipmi_watchdog.nowayout,
    // as `modprobe ipmi_watchdog nowayout` reads), it means yes.
    bool boolean = false;
};
[[nodiscard]] const std::vector<SettingInfo>& settingCatalogue();

// The kernel modules whose parameters the catalogue holds, in its order.
inline constexpr std::array<const char*, 6> kKernelModules = {"ipmi_si",         "ipmi_ssif",     "ipmi_watchdog",
                                                              "ipmi_msghandler", "ipmi_poweroff", "ipmi_devintf"};

} // namespace ipmi::daemon
