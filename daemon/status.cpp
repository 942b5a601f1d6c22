// The "status" reply: the snapshot, the text format and what the formats
// share (see status.hpp).
#include "daemon/status.hpp"

#include <fmt/format.h>

#include <array>
#include <ctime>
#include <sstream>

namespace ipmi::daemon {

std::optional<StatusFormat> parseStatusFormat(std::string_view word)
{
    for (const auto format : {StatusFormat::Text, StatusFormat::Json, StatusFormat::OpenMetrics}) {
        if (word == toString(format)) {
            return format;
        }
    }
    return std::nullopt;
}

const char* toString(StatusFormat format)
{
    switch (format) {
    case StatusFormat::Text:
        return "text";
    case StatusFormat::Json:
        return "json";
    case StatusFormat::OpenMetrics:
        return "openmetrics";
    }
    return "text";
}

StatusSnapshot takeStatusSnapshot(const core::MessageHandler& handler,
                                  const std::function<DeviceSummary(int)>& deviceOf,
                                  const std::function<InterfaceOrigin(int)>& originOf,
                                  std::optional<WatchdogSummary> watchdog, core::Clock::time_point now)
{
    StatusSnapshot snapshot;
    snapshot.now = now;
    snapshot.wallNow = std::chrono::system_clock::now();
    snapshot.watchdog = std::move(watchdog);
    for (const int ifnum : handler.interfaces()) {
        auto info = handler.interfaceInfo(ifnum);
        auto status = handler.interfaceStatus(ifnum);
        if (!info || !status) {
            continue;
        }
        snapshot.interfaces.push_back(
            InterfaceSnapshot{ifnum, std::move(*info), std::move(*status), deviceOf(ifnum), originOf(ifnum)});
    }
    return snapshot;
}

namespace status_detail {

namespace {

std::uint64_t sum(const core::Statistics& s, std::initializer_list<core::Stat> which)
{
    std::uint64_t total = 0;
    for (const auto stat : which) {
        total += s[static_cast<std::size_t>(stat)];
    }
    return total;
}

} // namespace

Headline headline(const core::Statistics& s)
{
    using core::Stat;
    return Headline{
        sum(s, {Stat::SentLocalCommands, Stat::SentIpmbCommands, Stat::SentLanCommands}),
        sum(s, {Stat::TimedOutIpmbCommands, Stat::TimedOutLanCommands}),
        sum(s, {Stat::RetransmittedIpmbCommands, Stat::RetransmittedLanCommands}),
        sum(s, {Stat::SentInvalidCommands, Stat::SentIpmbCommandErrs, Stat::SentLanCommandErrs,
                Stat::InvalidIpmbResponses, Stat::InvalidLanResponses, Stat::InvalidCommands, Stat::InvalidEvents,
                Stat::DroppedRexmitIpmbCommands, Stat::DroppedRexmitLanCommands}),
        s[static_cast<std::size_t>(Stat::Events)],
    };
}

std::string hex(std::uint64_t value, int digits)
{
    return fmt::format("{:#0{}x}", value, digits + 2);
}

std::string firmwareRevision(const core::DeviceId& id)
{
    // Major in the low 7 bits of the first byte, minor in BCD.
    return fmt::format("{}.{:02x}", id.firmwareRevision1 & 0x7F, id.firmwareRevision2);
}

std::string ipmiVersion(const core::DeviceId& id)
{
    return fmt::format("{}.{}", id.ipmiVersion & 0x0F, id.ipmiVersion >> 4);
}

std::string kind(const InterfaceSnapshot& i)
{
    return i.info.info.simulated || i.origin.simulated ? "sim" : i.info.info.type;
}

std::string address(const InterfaceSnapshot& i)
{
    const auto& o = i.origin;
    if (!o.known || o.simulated) {
        return i.info.info.description;
    }
    if (o.space == "smbus") {
        const std::string adapter =
            o.i2cAdapter ? "i2c-" + std::to_string(*o.i2cAdapter) : (o.adapterName.empty() ? "i2c-?" : o.adapterName);
        return adapter + " " + hex(o.address, 2);
    }
    return o.space + " " + fmt::format("{:#x}", o.address);
}

std::string isoTime(const StatusSnapshot& s, core::Clock::time_point t)
{
    const auto wall = s.wallNow - std::chrono::duration_cast<std::chrono::system_clock::duration>(s.now - t);
    const std::time_t seconds = std::chrono::system_clock::to_time_t(wall);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    std::array<char, 32> text{};
    const auto length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(text.data(), length);
}

double secondsBefore(const StatusSnapshot& s, core::Clock::time_point t)
{
    return std::chrono::duration<double>(s.now - t).count();
}

} // namespace status_detail

namespace {

using namespace status_detail; // NOLINT(google-build-using-namespace): this file's own helpers

void textHealth(std::ostream& out, const StatusSnapshot& s, const core::InterfaceHealth& h)
{
    out << "  state " << core::toString(h.state);
    if (h.episodeStart) {
        out << fmt::format(" since {} ({:.1f} s) failed_transactions {}", isoTime(s, *h.episodeStart),
                           secondsBefore(s, *h.episodeStart), h.episodeFailures);
    }
    if (h.lastErrorAt) {
        out << fmt::format(" last_error \"{}\" at {} ({:.1f} s ago)", h.lastError, isoTime(s, *h.lastErrorAt),
                           secondsBefore(s, *h.lastErrorAt));
    }
    out << "\n";
}

void textWatchdog(std::ostream& out, const WatchdogSummary& w)
{
    out << "  watchdog " << w.device << " state " << (w.running ? "running" : "stopped") << " action " << w.action
        << " timeout " << w.timeout << " pretimeout " << w.pretimeout << " preaction " << w.preaction << " preop "
        << w.preop << " open " << (w.open ? "yes" : "no") << " nowayout " << (w.nowayout ? "yes" : "no") << " panicked "
        << (w.panicked ? "yes" : "no") << "\n";
}

void textInterface(std::ostream& out, const StatusSnapshot& snapshot, const InterfaceSnapshot& i)
{
    const auto& s = i.status.stats;
    const auto& status = i.status;
    const std::string& device = i.device.name;
    out << "interface " << i.ifnum << " device " << (device.empty() ? "-" : "/dev/" + device) << " type "
        << i.info.info.type << (i.info.info.simulated ? " (simulated)" : "") << " at " << i.info.info.description
        << "\n";
    out << "  users " << status.users << " event_users " << status.eventUsers << " outstanding "
        << status.outstandingRequests << " maintenance " << (status.maintenanceActive ? "active" : "inactive") << "\n";
    const auto h = headline(s);
    out << "  requests " << h.requests << " timeouts " << h.timeouts << " retries " << h.retries << " errors "
        << h.errors << " events " << h.events << "\n";
    const auto& c = i.device.counters;
    out << "  ioctls_in_place " << c.ioctlsInPlace << " ioctls_by_retry " << c.ioctlsByRetry << " polls_held "
        << c.pollsHeld << " held_polls_ready " << c.heldPollsReady << "\n";
    for (const auto& node : i.device.nodes) {
        const auto& nc = node.counters;
        out << "  node /dev/" << node.name << " policy " << node.policy << " opens " << nc.opens << " ioctls_in_place "
            << nc.ioctlsInPlace << " ioctls_by_retry " << nc.ioctlsByRetry;
        if (node.gate) {
            out << " requests " << node.gate->requests << " refusals " << node.gate->refusals << " refused_ioctls "
                << node.gate->refusedIoctls;
        }
        out << "\n";
    }
    out << "  address " << address(i) << " source " << core::toString(i.info.info.addrSource) << " slave_address "
        << hex(i.info.info.slaveAddr, 2) << "\n";
    if (const auto& id = i.info.deviceId) {
        out << "  bmc device_id " << hex(id->deviceId, 2) << " revision " << (id->deviceRevision & 0x0F) << " firmware "
            << firmwareRevision(*id) << " ipmi " << ipmiVersion(*id) << " manufacturer " << hex(id->manufacturerId, 6)
            << " product " << hex(id->productId, 4) << "\n";
    } else {
        out << "  bmc unknown\n";
    }
    textHealth(out, snapshot, status.driver);
    const auto& r = status.responses;
    out << "  responses ok " << r.ok << " timeout " << r.timeout << " unspecified " << r.unspecified << " other "
        << r.other << "\n";
    if (status.driver.tracked) {
        out << "  driver";
        for (std::size_t k = 0; k < core::kDriverStatCount; ++k) {
            out << " " << core::toString(static_cast<core::DriverStat>(k)) << " " << status.driver.stats[k];
        }
        out << "\n";
    }
    if (snapshot.watchdog && snapshot.watchdog->ifnum == i.ifnum) {
        textWatchdog(out, *snapshot.watchdog);
    }
    for (std::size_t k = 0; k < core::kStatCount; ++k) {
        out << "  " << core::toString(static_cast<core::Stat>(k)) << " " << s[k] << "\n";
    }
}

std::string renderText(const StatusSnapshot& snapshot)
{
    std::ostringstream out;
    out << "interfaces " << snapshot.interfaces.size() << "\n";
    for (const auto& i : snapshot.interfaces) {
        textInterface(out, snapshot, i);
    }
    if (snapshot.watchdog && snapshot.watchdog->ifnum < 0) {
        out << "watchdog (no interface yet)\n";
        textWatchdog(out, *snapshot.watchdog);
    }
    out << "end\n";
    return out.str();
}

} // namespace

std::string formatStatus(const StatusSnapshot& snapshot, StatusFormat format)
{
    switch (format) {
    case StatusFormat::Text:
        break;
    case StatusFormat::Json:
        return renderJson(snapshot);
    case StatusFormat::OpenMetrics:
        return renderOpenMetrics(snapshot);
    }
    return renderText(snapshot);
}

} // namespace ipmi::daemon
