// `ipmi-cuse status --format openmetrics`: the status snapshot in the
// Prometheus text exposition format, which node_exporter's textfile
// collector reads, ending in OpenMetrics' "# EOF". Every family has its
// HELP and TYPE; counter samples end in _total (their TYPE line names the
// sample, as the text format wants); what has no number (kind, address,
// BMC identity, state) is a gauge of 1 carrying labels, the Prometheus
// convention for _info metrics. Only counter and gauge are used: the text
// format parser refuses OpenMetrics' info and stateset types.
#include "daemon/status.hpp"

#include <fmt/format.h>

#include <functional>
#include <sstream>
#include <utility>

namespace ipmi::daemon::status_detail {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string escaped(std::string_view value)
{
    std::string out;
    for (const char c : value) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
        }
    }
    return out;
}

class Exposition
{
  public:
    using Samples = std::function<void(Exposition&)>;

    // One family: HELP, TYPE, then its samples (`name` is the sample name,
    // with _total for counters); nothing if it has no samples.
    void family(const std::string& name, const char* type, const std::string& help, const Samples& samples)
    {
        name_ = name;
        samples_.str("");
        samples(*this);
        if (!samples_.str().empty()) {
            out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << samples_.str();
        }
    }
    void sample(const Labels& labels, std::uint64_t value) { line(labels, std::to_string(value)); }
    void sample(const Labels& labels, double value) { line(labels, fmt::format("{:.3f}", value)); }

    [[nodiscard]] std::string text() const { return out_.str() + "# EOF\n"; }

  private:
    void line(const Labels& labels, const std::string& value)
    {
        samples_ << name_;
        if (!labels.empty()) {
            samples_ << "{";
            bool first = true;
            for (const auto& [key, v] : labels) {
                samples_ << (first ? "" : ",") << key << "=\"" << escaped(v) << "\"";
                first = false;
            }
            samples_ << "}";
        }
        samples_ << " " << value << "\n";
    }

    std::ostringstream out_;
    std::ostringstream samples_;
    std::string name_;
};

Labels of(const InterfaceSnapshot& i, Labels more = {})
{
    Labels labels{{"interface", std::to_string(i.ifnum)}};
    labels.insert(labels.end(), more.begin(), more.end());
    return labels;
}

// One family with one sample per interface.
void perInterface(Exposition& e, const StatusSnapshot& s, const std::string& name, const char* type,
                  const std::string& help, const std::function<std::uint64_t(const InterfaceSnapshot&)>& value)
{
    e.family(name, type, help, [&](Exposition& x) {
        for (const auto& i : s.interfaces) {
            x.sample(of(i), value(i));
        }
    });
}

void identity(Exposition& e, const StatusSnapshot& s)
{
    e.family("ipmi_cuse_interface_info", "gauge", "What each interface is: kind, address, device node (always 1).",
             [&](Exposition& x) {
                 for (const auto& i : s.interfaces) {
                     x.sample(of(i, {{"kind", kind(i)},
                                     {"address", address(i)},
                                     {"device", i.device.name.empty() ? "" : "/dev/" + i.device.name}}),
                              std::uint64_t{1});
                 }
             });
    e.family("ipmi_cuse_bmc_info", "gauge", "The BMC's Get Device ID answer (always 1).", [&](Exposition& x) {
        for (const auto& i : s.interfaces) {
            if (const auto& id = i.info.deviceId) {
                x.sample(of(i, {{"device_id", hex(id->deviceId, 2)},
                                {"firmware_revision", firmwareRevision(*id)},
                                {"ipmi_version", ipmiVersion(*id)},
                                {"manufacturer_id", hex(id->manufacturerId, 6)},
                                {"product_id", hex(id->productId, 4)}}),
                         std::uint64_t{1});
            }
        }
    });
    e.family(
        "ipmi_cuse_interface_state", "gauge", "1 for the state the interface is in: up, hosed or recovering.",
        [&](Exposition& x) {
            for (const auto& i : s.interfaces) {
                for (const auto state : {core::LinkState::Up, core::LinkState::Hosed, core::LinkState::Recovering}) {
                    x.sample(of(i, {{"state", core::toString(state)}}),
                             std::uint64_t{i.status.driver.state == state ? 1U : 0U});
                }
            }
        });
    e.family("ipmi_cuse_last_error_timestamp_seconds", "gauge",
             "When the interface's last fault was seen (Unix time), if ever.", [&](Exposition& x) {
                 for (const auto& i : s.interfaces) {
                     if (const auto& at = i.status.driver.lastErrorAt) {
                         const auto wall =
                             s.wallNow - std::chrono::duration_cast<std::chrono::system_clock::duration>(s.now - *at);
                         x.sample(of(i), std::chrono::duration<double>(wall.time_since_epoch()).count());
                     }
                 }
             });
}

void counters(Exposition& e, const StatusSnapshot& s)
{
    perInterface(e, s, "ipmi_cuse_users", "gauge", "Users of the interface (open files and in-process users).",
                 [](const InterfaceSnapshot& i) { return static_cast<std::uint64_t>(i.status.users); });
    perInterface(e, s, "ipmi_cuse_outstanding_requests", "gauge", "IPMB and LAN requests waiting for an answer.",
                 [](const InterfaceSnapshot& i) { return static_cast<std::uint64_t>(i.status.outstandingRequests); });
    const std::pair<const char*, std::uint64_t Headline::*> headlines[] = {
        {"requests", &Headline::requests}, {"timeouts", &Headline::timeouts}, {"retries", &Headline::retries},
        {"errors", &Headline::errors},     {"events", &Headline::events},
    };
    // Not a structured binding: clang before 16 refuses a lambda that captures one.
    for (const auto& entry : headlines) {
        const auto member = entry.second;
        perInterface(e, s, fmt::format("ipmi_cuse_{}_total", entry.first), "counter",
                     fmt::format("The message handler's {}, summed from its statistics.", entry.first),
                     [member](const InterfaceSnapshot& i) { return headline(i.status.stats).*member; });
    }
    e.family("ipmi_cuse_responses_total", "counter", "Responses delivered to users, by completion code.",
             [&](Exposition& x) {
                 for (const auto& i : s.interfaces) {
                     const auto& r = i.status.responses;
                     x.sample(of(i, {{"completion_code", "0x00"}}), r.ok);
                     x.sample(of(i, {{"completion_code", "0xc3"}}), r.timeout);
                     x.sample(of(i, {{"completion_code", "0xff"}}), r.unspecified);
                     x.sample(of(i, {{"completion_code", "other"}}), r.other);
                 }
             });
    for (std::size_t k = 0; k < core::kDriverStatCount; ++k) {
        const auto stat = static_cast<core::DriverStat>(k);
        e.family(fmt::format("ipmi_cuse_driver_{}_total", core::toString(stat)), "counter",
                 fmt::format("The interface driver's {} (KCS, BT, SMIC or SSIF).", core::toString(stat)),
                 [&](Exposition& x) {
                     for (const auto& i : s.interfaces) {
                         if (i.status.driver.tracked) {
                             x.sample(of(i), i.status.driver.stats[k]);
                         }
                     }
                 });
    }
    for (std::size_t k = 0; k < core::kStatCount; ++k) {
        const auto stat = static_cast<core::Stat>(k);
        perInterface(
            e, s, fmt::format("ipmi_cuse_msghandler_{}_total", core::toString(stat)), "counter",
            fmt::format("The message handler's {} (the kernel's statistic of that name).", core::toString(stat)),
            [k](const InterfaceSnapshot& i) { return i.status.stats[k]; });
    }
}

void nodes(Exposition& e, const StatusSnapshot& s)
{
    using Value = std::function<std::optional<std::uint64_t>(const NodeSummary&)>;
    const std::pair<const char*, Value> perNode[] = {
        {"opens", [](const NodeSummary& n) { return std::optional<std::uint64_t>(n.counters.opens); }},
        {"requests",
         [](const NodeSummary& n) { return n.gate ? std::optional<std::uint64_t>(n.gate->requests) : std::nullopt; }},
        {"refusals",
         [](const NodeSummary& n) { return n.gate ? std::optional<std::uint64_t>(n.gate->refusals) : std::nullopt; }},
    };
    for (const auto& entry : perNode) {
        const auto& value = entry.second;
        e.family(fmt::format("ipmi_cuse_node_{}_total", entry.first), "counter",
                 fmt::format("The {} of each device node.", entry.first), [&](Exposition& x) {
                     for (const auto& i : s.interfaces) {
                         for (const auto& node : i.device.nodes) {
                             if (const auto v = value(node)) {
                                 x.sample(of(i, {{"node", "/dev/" + node.name}, {"policy", node.policy}}), *v);
                             }
                         }
                     }
                 });
    }
}

void watchdog(Exposition& e, const StatusSnapshot& s)
{
    if (!s.watchdog) {
        return;
    }
    const auto& w = *s.watchdog;
    const Labels labels{{"device", w.device}, {"interface", w.ifnum >= 0 ? std::to_string(w.ifnum) : ""}};
    const std::pair<const char*, std::uint64_t> gauges[] = {
        {"ipmi_cuse_watchdog_running", w.running ? 1U : 0U},
        {"ipmi_cuse_watchdog_open", w.open ? 1U : 0U},
        {"ipmi_cuse_watchdog_timeout_seconds", static_cast<std::uint64_t>(w.timeout)},
        {"ipmi_cuse_watchdog_pretimeout_seconds", static_cast<std::uint64_t>(w.pretimeout)},
    };
    for (const auto& [name, value] : gauges) {
        const std::uint64_t v = value;
        e.family(name, "gauge", fmt::format("The IPMI watchdog: {}.", std::string_view(name).substr(19)),
                 [&labels, v](Exposition& x) { x.sample(labels, v); });
    }
}

} // namespace

std::string renderOpenMetrics(const StatusSnapshot& snapshot)
{
    Exposition e;
    identity(e, snapshot);
    counters(e, snapshot);
    nodes(e, snapshot);
    watchdog(e, snapshot);
    return e.text();
}

} // namespace ipmi::daemon::status_detail
