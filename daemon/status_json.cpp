// `ipmi-cuse status --json`: the status snapshot as one JSON object (see
// status.hpp and the STATUS section of ipmi-cuse(8) for the keys).
#include "daemon/status.hpp"

#include <nlohmann/json.hpp>

namespace ipmi::daemon::status_detail {

namespace {

using Json = nlohmann::ordered_json;

Json optionalTime(const StatusSnapshot& s, const std::optional<core::Clock::time_point>& t)
{
    return t ? Json(isoTime(s, *t)) : Json(nullptr);
}

Json bmcJson(const core::SmiInfo& info)
{
    if (!info.deviceId) {
        return nullptr;
    }
    const auto& id = *info.deviceId;
    Json bmc{
        {"device_id", id.deviceId},
        {"device_revision", id.deviceRevision & 0x0F},
        {"firmware_revision", firmwareRevision(id)},
        {"ipmi_version", ipmiVersion(id)},
        {"manufacturer_id", id.manufacturerId},
        {"product_id", id.productId},
        {"guid", nullptr},
    };
    if (info.guid) {
        std::string guid;
        for (const auto byte : *info.guid) {
            guid += hex(byte, 2).substr(2);
        }
        bmc["guid"] = guid;
    }
    return bmc;
}

Json healthJson(const StatusSnapshot& s, const core::InterfaceHealth& h)
{
    Json health{
        {"state", core::toString(h.state)},
        {"last_error", nullptr},
        {"episode", nullptr},
    };
    if (h.lastErrorAt) {
        health["last_error"] = Json{
            {"what", h.lastError},
            {"at", isoTime(s, *h.lastErrorAt)},
            {"seconds_ago", secondsBefore(s, *h.lastErrorAt)},
        };
    }
    if (h.episodeStart) {
        health["episode"] = Json{
            {"since", optionalTime(s, h.episodeStart)},
            {"seconds", secondsBefore(s, *h.episodeStart)},
            {"failed_transactions", h.episodeFailures},
        };
    }
    return health;
}

Json countersJson(const InterfaceSnapshot& i)
{
    const auto h = headline(i.status.stats);
    const auto& r = i.status.responses;
    Json counters{
        {"requests", h.requests},
        {"responses", {{"ok", r.ok}, {"timeout", r.timeout}, {"unspecified", r.unspecified}, {"other", r.other}}},
        {"timeouts", h.timeouts},
        {"retries", h.retries},
        {"errors", h.errors},
        {"events", h.events},
    };
    return counters;
}

Json driverJson(const core::InterfaceHealth& h)
{
    if (!h.tracked) {
        return nullptr;
    }
    Json driver = Json::object();
    for (std::size_t k = 0; k < core::kDriverStatCount; ++k) {
        driver[core::toString(static_cast<core::DriverStat>(k))] = h.stats[k];
    }
    return driver;
}

Json nodesJson(const DeviceSummary& device)
{
    Json nodes = Json::array();
    for (const auto& node : device.nodes) {
        Json n{
            {"device", "/dev/" + node.name},
            {"policy", node.policy},
            {"opens", node.counters.opens},
            {"ioctls_in_place", node.counters.ioctlsInPlace},
            {"ioctls_by_retry", node.counters.ioctlsByRetry},
            {"requests", nullptr},
            {"refusals", nullptr},
            {"refused_ioctls", nullptr},
        };
        if (node.gate) {
            n["requests"] = node.gate->requests;
            n["refusals"] = node.gate->refusals;
            n["refused_ioctls"] = node.gate->refusedIoctls;
        }
        nodes.push_back(std::move(n));
    }
    return nodes;
}

Json addressJson(const InterfaceSnapshot& i)
{
    const auto& o = i.origin;
    Json out{
        {"text", address(i)},
        {"space", o.known && !o.simulated ? Json(o.space) : Json(nullptr)},
        {"address", o.known && !o.simulated ? Json(o.address) : Json(nullptr)},
        {"i2c_adapter", o.i2cAdapter ? Json(*o.i2cAdapter) : Json(nullptr)},
        {"slave_address", i.info.info.slaveAddr},
        {"source", core::toString(i.info.info.addrSource)},
    };
    return out;
}

Json interfaceJson(const StatusSnapshot& s, const InterfaceSnapshot& i)
{
    const auto& status = i.status;
    const auto& c = i.device.counters;
    Json statistics = Json::object();
    for (std::size_t k = 0; k < core::kStatCount; ++k) {
        statistics[core::toString(static_cast<core::Stat>(k))] = status.stats[k];
    }
    Json health = healthJson(s, status.driver);
    Json out{
        {"interface", i.ifnum},
        {"device", i.device.name.empty() ? Json(nullptr) : Json("/dev/" + i.device.name)},
        {"kind", kind(i)},
        {"type", i.info.info.type},
        {"simulated", i.info.info.simulated},
        {"description", i.info.info.description},
        {"address", addressJson(i)},
        {"bmc", bmcJson(i.info)},
        {"state", health["state"]},
        {"last_error", health["last_error"]},
        {"episode", health["episode"]},
        {"users", status.users},
        {"event_users", status.eventUsers},
        {"outstanding", status.outstandingRequests},
        {"maintenance", status.maintenanceActive ? "active" : "inactive"},
        {"counters", countersJson(i)},
        {"driver", driverJson(status.driver)},
        {"device_counters",
         {{"ioctls_in_place", c.ioctlsInPlace},
          {"ioctls_by_retry", c.ioctlsByRetry},
          {"polls_held", c.pollsHeld},
          {"held_polls_ready", c.heldPollsReady}}},
        {"nodes", nodesJson(i.device)},
        {"statistics", std::move(statistics)},
    };
    return out;
}

Json watchdogJson(const std::optional<WatchdogSummary>& watchdog)
{
    if (!watchdog) {
        return nullptr;
    }
    const auto& w = *watchdog;
    return Json{
        {"device", w.device},
        {"interface", w.ifnum >= 0 ? Json(w.ifnum) : Json(nullptr)},
        {"state", w.running ? "running" : "stopped"},
        {"action", w.action},
        {"timeout", w.timeout},
        {"pretimeout", w.pretimeout},
        {"preaction", w.preaction},
        {"preop", w.preop},
        {"open", w.open},
        {"nowayout", w.nowayout},
        {"panicked", w.panicked},
    };
}

} // namespace

std::string renderJson(const StatusSnapshot& snapshot)
{
    Json interfaces = Json::array();
    for (const auto& i : snapshot.interfaces) {
        interfaces.push_back(interfaceJson(snapshot, i));
    }
    const Json out{
        {"interfaces", std::move(interfaces)},
        {"watchdog", watchdogJson(snapshot.watchdog)},
    };
    return out.dump(2) + "\n";
}

} // namespace ipmi::daemon::status_detail
