// The catalogue of configuration settings: every (section, key, help) the
// TOML file and the command line accept, and the --debug subsystems (see
// config.hpp).
#include "daemon/config.hpp"

#include <algorithm>

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
    {"ipmi_si", "trydmi", "look for interfaces in SMBIOS type 38 (default Y)", true},
    {"ipmi_si", "tryacpi", "look for interfaces in ACPI IPI0001 and SPMI (default Y)", true},
    {"ipmi_si", "trypci", "look for PCI IPMI devices (default Y)", true},
    {"ipmi_si", "tryplatform", "accept platform (hotmod) interfaces (default Y)", true},
    {"ipmi_si", "hotmod", "add/remove interfaces in the kernel's hotmod syntax"},
    {"ipmi_si", "unload_when_empty", "accepted for compatibility", true},
    {"ipmi_si", "kcs_debug", "KCS state machine log bits: 1 errors, 2 messages, 4 states (default 0)"},
    {"ipmi_si", "bt_debug", "BT state machine log bits: 1 errors, 2 messages, 4 states (default 0)"},
    {"ipmi_si", "smic_debug", "SMIC state machine log bits: 1 errors, 2 messages, 4 states (default 0)"},
    {"ipmi_ssif", "addr", "SMBus addresses of SSIF BMCs, comma list"},
    {"ipmi_ssif", "adapter_name", "I2C adapter of each address: name, i2c-N or N"},
    {"ipmi_ssif", "adapter", "the same as adapter_name (ipmi-cuse's earlier name)"},
    {"ipmi_ssif", "slave_addrs", "IPMB address of each SSIF BMC (default 0x20)"},
    {"ipmi_ssif", "dbg", "debug bits per interface: 1 messages, 2 state, 4 timing"},
    {"ipmi_ssif", "dbg_probe", "log the SSIF probing", true},
    {"ipmi_ssif", "alerts_broken", "do not use SMBus alerts, per interface"},
    {"ipmi_ssif", "tryacpi", "look for SSIF BMCs in ACPI (default Y)", true},
    {"ipmi_ssif", "trydmi", "look for SSIF BMCs in SMBIOS (default Y)", true},
    {"ipmi_watchdog", "timeout", "watchdog timeout in seconds (default 10)"},
    {"ipmi_watchdog", "pretimeout", "pre-timeout in seconds before the timeout (default 0)"},
    {"ipmi_watchdog", "action", "reset, power_off, power_cycle or none (default reset)"},
    {"ipmi_watchdog", "preaction", "pre_none, pre_smi or pre_int (default pre_none)"},
    {"ipmi_watchdog", "preop", "preop_none, preop_panic or preop_give_data"},
    {"ipmi_watchdog", "start_now", "start the timer at start-up", true},
    {"ipmi_watchdog", "nowayout", "never stop the timer once started", true},
    {"ipmi_watchdog", "ifnum_to_use", "interface of the watchdog (default the first)"},
    {"ipmi_watchdog", "panic_wdt_timeout", "timeout set on panic, seconds (default 255)"},
    {"ipmi_msghandler", "panic_op", "on panic tell the BMC: none, event or string"},
    {"ipmi_msghandler", "max_users", "open files plus internal users per interface (default 30)"},
    {"ipmi_msghandler", "max_msgs_per_user", "outstanding plus unread messages per user (default 100)"},
    {"ipmi_msghandler", "default_max_retries", "IPMB/LAN retries when the caller says -1 (default 4)"},
    {"ipmi_msghandler", "default_retry_ms", "IPMB/LAN retry time when the caller says 0 (default 2000)"},
    {"ipmi_msghandler", "default_maintenance_retry_ms", "retry time in maintenance mode (default 3000)"},
    {"ipmi_msghandler", "maintenance_mode_timeout_ms", "automatic maintenance mode length (default 30000)"},
    {"ipmi_poweroff", "poweroff_powercycle", "power cycle instead of powering off", true},
    {"ipmi_poweroff", "ifnum_to_use", "interface that powers the machine off (default -1: the first)"},
    {"ipmi_devintf", "ipmi_major",
     "fixed major of the nodes, as --device-major (default 0: dynamic; -1, no device interface, is refused)"},
    {"acpi_ipmi", "enabled",
     "serve the ACPI IPMI operation-region bridge, as the acpi_ipmi module: one user per ACPI interface (default N)",
     true},
    {"device", "names", "device names by interface, comma list (default ipmi0, ipmi1, ...)"},
    {"device", "mode", "mode of the device nodes, octal (default 0600)"},
    {"device", "owner", "owner of the device nodes, name or uid (default root)"},
    {"device", "group", "group of the device nodes, name or gid (default root)"},
    {"device", "create_node", "also create the nodes in this directory (a container's /dev)"},
    {"device", "cuse_device", "the CUSE control device (default /dev/cuse)"},
    {"device", "watchdog_name", "name of the IPMI watchdog device (default watchdog; none: no device)"},
    {"device", "watchdog_owner", "owner of the watchdog node, name or uid (default root)"},
    {"device", "watchdog_group", "group of the watchdog node, name or gid (default root)"},
    {"device", "watchdog_mode", "mode of the watchdog node, octal (default 0600, as the kernel's)"},
    {"device", "in_place_memory", "reach ioctl callers' memory directly, one FUSE round trip per ioctl (default Y)",
     true},
    {"device", "poll_hold_us", "hold a poll() this long for an answer on its way, 0..100000 (default 10000; 0: never)"},
    {"device", "major",
     "fixed major of the nodes and the watchdog, 1..511 (default 0: dynamic); /dev/ipmiN gets minor N"},
    {"device", "watchdog_minor", "minor of the watchdog device under a fixed major (default 130)"},
    {"device", "cdi", "write a CDI spec of the nodes for container runtimes (default Y)", true},
    {"device", "cdi_dir", "directory of the CDI spec (default /var/run/cdi)"},
    {"device", "cdi_kind", "CDI kind vendor/class of the nodes (default ipmi-cuse.org/ipmi)"},
    {"node", "interface", "[node.NAME]: the interface the further node /dev/NAME serves (default 0)"},
    {"node", "policy", "[node.NAME]: its command policy: monitor (default), full, or rules (see the manual)"},
    {"node", "owner", "[node.NAME]: its owner, name or uid (default root)"},
    {"node", "group", "[node.NAME]: its group, name or gid (default root)"},
    {"node", "mode", "[node.NAME]: its mode, octal (default 0600)"},
    {"daemon", "audit", "audit trail: changes (refusals and requests that change state; default), all or off"},
    {"daemon", "audit_rate", "audit records a node may log per second, 1..10000 (default 10)"},
    {"daemon", "sim", "serve the embedded simulated BMC instead of hardware", true},
    {"daemon", "sim_config", "TOML file describing the simulated BMC"},
    {"daemon", "sim_interface", "system interface to the simulated BMC: kcs, bt, smic or ssif"},
    {"daemon", "control_socket", "unix socket for 'ipmi-cuse status' (empty: none)"},
    {"daemon", "debug", "subsystems to log at debug level, comma list"},
    {"daemon", "log_level", "trace, debug, info, warn, error or critical (default info)"},
    {"daemon", "sysroot", "prefix for /sys when discovering hardware and checking names"},
    {"daemon", "startup_timeout_ms", "how long interfaces may take to answer at start-up"},
};

} // namespace

std::string DeviceConfig::nameFor(int ifnum) const
{
    if (ifnum >= 0 && static_cast<std::size_t>(ifnum) < names.size()) {
        return names[static_cast<std::size_t>(ifnum)];
    }
    return "ipmi" + std::to_string(ifnum);
}

const NodeConfig* DeviceConfig::nodeOf(int ifnum, unsigned node) const
{
    unsigned seen = 0;
    for (const auto& n : nodes) {
        if (n.ifnum == ifnum && ++seen == node) {
            return &n;
        }
    }
    return nullptr;
}

unsigned DeviceConfig::nodeCount(int ifnum) const
{
    return static_cast<unsigned>(
        std::count_if(nodes.begin(), nodes.end(), [ifnum](const NodeConfig& n) { return n.ifnum == ifnum; }));
}

const std::vector<std::string>& debugSubsystems()
{
    static const std::vector<std::string> kSubsystems{"daemon", "cuse", "core",     "si",
                                                      "ssif",   "sim",  "watchdog", "fuse"};
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

} // namespace ipmi::daemon
