// The reply to the control socket's "status" command, in three formats:
// - text: one block per interface with its device node, what it is, its
//   users and the counters an operator asks for first (requests, timeouts,
//   retries, errors, events), how its device answered, its nodes, then the
//   BMC's identity, the interface's state (up, hosed, recovering) with its
//   last error, responses by completion code, the driver's counters and
//   the watchdog, then every kernel-named statistic (the names of
//   /sys/.../ipmi statistics); "end" last. Lines are only ever added, so
//   scripts that read the older ones keep working.
// - json: the same as one object (status_json.cpp), for scripts.
// - openmetrics: the Prometheus text exposition format that node_exporter's
//   textfile collector reads (status_openmetrics.cpp): counters named
//   ipmi_cuse_..._total, gauges, one label set per interface, "# EOF" last.
// Everything is gathered first (takeStatusSnapshot) and rendered from that
// snapshot, so the renderers are pure and tested without a daemon.
#pragma once

#include "core/message_handler.hpp"
#include "cuse_dev/cuse_device.hpp"
#include "daemon/node_audit.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::daemon {

enum class StatusFormat : std::uint8_t
{
    Text,
    Json,
    OpenMetrics,
};

// "text", "json", "openmetrics"; nullopt for anything else.
[[nodiscard]] std::optional<StatusFormat> parseStatusFormat(std::string_view word);
[[nodiscard]] const char* toString(StatusFormat format);

// One node of an interface: its policy, opens, and what its gate counted
// (nullopt when the node has no gate: the interface's own node with the
// audit off).
struct NodeSummary
{
    std::string name;
    std::string policy;
    cuse::CuseDeviceCounters counters;
    std::optional<NodeRequestCounters> gate;
};

// The node serving an interface: its name ("" if none yet), how its FUSE
// requests were answered, and each of its nodes (its own first).
struct DeviceSummary
{
    std::string name;
    cuse::CuseDeviceCounters counters;
    std::vector<NodeSummary> nodes;
};

// Where the interface's hardware is, as configured or discovered.
struct InterfaceOrigin
{
    bool known = false;
    bool simulated = false;
    std::string space;             // "i/o", "mem", "smbus"
    std::uint64_t address = 0;     // port, physical address, or 7-bit I2C address
    std::optional<int> i2cAdapter; // SSIF: /dev/i2c-N when known
    std::string adapterName;       // SSIF: the adapter as the user named it
};

// The IPMI watchdog device.
struct WatchdogSummary
{
    std::string device; // "/dev/watchdog"
    int ifnum = -1;     // the interface it uses; -1 while it has none
    bool open = false;
    bool running = false; // the BMC's timer is running (ipmi_watchdog_state != none)
    std::string action;   // what expiry does: reset, power_off, power_cycle, none
    std::string preaction;
    std::string preop;
    int timeout = 0;    // seconds
    int pretimeout = 0; // seconds
    bool nowayout = false;
    bool panicked = false; // preop_panic fired
};

struct InterfaceSnapshot
{
    int ifnum = -1;
    core::SmiInfo info;
    core::InterfaceStatus status;
    DeviceSummary device;
    InterfaceOrigin origin;
};

struct StatusSnapshot
{
    std::vector<InterfaceSnapshot> interfaces;
    std::optional<WatchdogSummary> watchdog;
    core::Clock::time_point now;                   // the loop's clock, the one health times are on
    std::chrono::system_clock::time_point wallNow; // to turn those into dates
};

[[nodiscard]] StatusSnapshot takeStatusSnapshot(const core::MessageHandler& handler,
                                                const std::function<DeviceSummary(int)>& deviceOf,
                                                const std::function<InterfaceOrigin(int)>& originOf,
                                                std::optional<WatchdogSummary> watchdog, core::Clock::time_point now);

[[nodiscard]] std::string formatStatus(const StatusSnapshot& snapshot, StatusFormat format);

// The parts every format shares.
namespace status_detail {

// The counters an operator asks for first, summed from the kernel's.
struct Headline
{
    std::uint64_t requests = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t retries = 0;
    std::uint64_t errors = 0;
    std::uint64_t events = 0;
};
[[nodiscard]] Headline headline(const core::Statistics& s);

// "0x00a2" style hex, and the BMC's firmware and IPMI versions as ipmitool
// prints them ("1.02", "2.0").
[[nodiscard]] std::string hex(std::uint64_t value, int digits);
[[nodiscard]] std::string firmwareRevision(const core::DeviceId& id);
[[nodiscard]] std::string ipmiVersion(const core::DeviceId& id);
// The interface's kind: its type, or "sim" for the simulator's.
[[nodiscard]] std::string kind(const InterfaceSnapshot& i);
// An address for people: "i/o 0xca2", "mem 0xfed40000", "i2c-0 0x10".
[[nodiscard]] std::string address(const InterfaceSnapshot& i);
// A loop-clock time as UTC ISO 8601, and seconds before the snapshot.
[[nodiscard]] std::string isoTime(const StatusSnapshot& s, core::Clock::time_point t);
[[nodiscard]] double secondsBefore(const StatusSnapshot& s, core::Clock::time_point t);

[[nodiscard]] std::string renderJson(const StatusSnapshot& snapshot);
[[nodiscard]] std::string renderOpenMetrics(const StatusSnapshot& snapshot);

} // namespace status_detail

} // namespace ipmi::daemon
