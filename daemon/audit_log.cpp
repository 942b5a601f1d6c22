// The audit trail (audit_log.hpp).
#include "daemon/audit_log.hpp"

#include "abi/ipmi.hpp"
#include "daemon/logging.hpp"

#include <fmt/format.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include <algorithm>
#include <fstream>
#include <utility>

namespace ipmi::daemon {

namespace {

std::string_view eventWord(AuditRecord::Event event)
{
    switch (event) {
    case AuditRecord::Event::Refused:
        return "refused";
    case AuditRecord::Event::Sent:
        return "sent";
    case AuditRecord::Event::Answered:
        return "answered";
    }
    return "?";
}

std::string destination(const AuditRecord& r)
{
    switch (r.addrType) {
    case abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE:
        return "the BMC";
    case abi::IPMI_IPMB_ADDR_TYPE:
    case abi::IPMI_IPMB_BROADCAST_ADDR_TYPE:
        return r.slaveAddr ? fmt::format("IPMB 0x{:02x} on channel {}", *r.slaveAddr, r.channel)
                           : fmt::format("IPMB on channel {}", r.channel);
    case abi::IPMI_LAN_ADDR_TYPE:
        return fmt::format("LAN channel {}", r.channel);
    default:
        return fmt::format("address type {}", r.addrType);
    }
}

} // namespace

AuditLog::AuditLog(AuditScope scope, AuditLimits limits, Writer write, Clock clock)
    : scope_(scope), limits_(limits), write_(std::move(write)), clock_(std::move(clock))
{
}

bool AuditLog::wants(bool changesState, bool refused) const
{
    switch (scope_) {
    case AuditScope::Off:
        return false;
    case AuditScope::Changes:
        return changesState || refused;
    case AuditScope::All:
        return true;
    }
    return false;
}

void AuditLog::record(const AuditRecord& record)
{
    if (!wants(record.changesState, record.event == AuditRecord::Event::Refused)) {
        return;
    }
    const auto now = clock_();
    auto it = buckets_.find(record.node);
    if (it == buckets_.end()) {
        it = buckets_.emplace(record.node, Bucket{static_cast<double>(limits_.burst), now, 0}).first;
    }
    Bucket& bucket = it->second;
    const std::chrono::duration<double> elapsed = now - bucket.last;
    bucket.last = now;
    bucket.tokens = std::min<double>(limits_.burst, bucket.tokens + elapsed.count() * limits_.perSecond);
    if (bucket.tokens < 1.0) {
        ++bucket.dropped;
        ++suppressedTotal_;
        return;
    }
    bucket.tokens -= 1.0;
    write_(entryOf(record, std::exchange(bucket.dropped, 0)));
}

AuditEntry AuditLog::entryOf(const AuditRecord& r, std::uint64_t droppedBefore)
{
    AuditEntry e;
    // A refusal or a change to the BMC's state is what an operator looks
    // for; the rest (scope "all") is information.
    e.priority = (r.event == AuditRecord::Event::Refused || r.changesState) ? LOG_NOTICE : LOG_INFO;
    std::string outcome(eventWord(r.event));
    if (r.completionCode) {
        outcome += fmt::format(", completion code 0x{:02x}", *r.completionCode);
    }
    if (r.ioctl) {
        e.message = fmt::format("{}: uid {} gid {} pid {} ({}) ioctl 0x{:08x}: refused, EPERM", r.node, r.uid, r.gid,
                                r.pid, r.comm, *r.ioctl);
    } else {
        e.message = fmt::format("{}: uid {} gid {} pid {} ({}) netfn 0x{:02x} cmd 0x{:02x} to {}: {}", r.node, r.uid,
                                r.gid, r.pid, r.comm, r.netfn, r.cmd, destination(r), outcome);
    }
    if (droppedBefore > 0) {
        e.message += fmt::format(" ({} earlier records of this node not logged: rate limit)", droppedBefore);
    }
    e.fields = {
        {"IPMI_NODE", r.node},
        {"IPMI_EVENT", std::string(eventWord(r.event))},
        {"IPMI_CALLER_PID", std::to_string(r.pid)},
        {"IPMI_CALLER_UID", std::to_string(r.uid)},
        {"IPMI_CALLER_GID", std::to_string(r.gid)},
        {"IPMI_CALLER_COMM", r.comm},
        {"IPMI_CHANGES_STATE", r.changesState ? "1" : "0"},
    };
    if (r.ioctl) {
        e.fields.emplace_back("IPMI_IOCTL", fmt::format("0x{:08x}", *r.ioctl));
    } else {
        e.fields.emplace_back("IPMI_NETFN", fmt::format("0x{:02x}", r.netfn));
        e.fields.emplace_back("IPMI_CMD", fmt::format("0x{:02x}", r.cmd));
        e.fields.emplace_back("IPMI_ADDR_TYPE", std::to_string(r.addrType));
        e.fields.emplace_back("IPMI_CHANNEL", std::to_string(r.channel));
    }
    if (r.slaveAddr) {
        e.fields.emplace_back("IPMI_SLAVE_ADDR", fmt::format("0x{:02x}", *r.slaveAddr));
    }
    if (r.completionCode) {
        e.fields.emplace_back("IPMI_COMPLETION_CODE", fmt::format("0x{:02x}", *r.completionCode));
    }
    if (droppedBefore > 0) {
        e.fields.emplace_back("IPMI_AUDIT_SUPPRESSED", std::to_string(droppedBefore));
    }
    return e;
}

AuditLog::Writer journalAuditWriter()
{
    if (!stderrIsJournal()) {
        return [log = subsystemLog("audit")](const AuditEntry& e) { log->info("{}", e.message); };
    }
    return [](const AuditEntry& e) {
        std::vector<std::string> lines;
        lines.reserve(e.fields.size() + 3);
        lines.push_back("MESSAGE=" + e.message);
        lines.push_back("PRIORITY=" + std::to_string(e.priority));
        lines.emplace_back("SYSLOG_IDENTIFIER=ipmi-cuse");
        for (const auto& [name, value] : e.fields) {
            lines.push_back(fmt::format("{}={}", name, value));
        }
        std::vector<iovec> iov;
        iov.reserve(lines.size());
        for (auto& line : lines) {
            iov.push_back(iovec{line.data(), line.size()});
        }
        const int rc = sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
        if (rc < 0) {
            subsystemLog("audit")->info("{}", e.message); // the journal went away: keep the record
        }
    };
}

std::string processName(pid_t pid, std::string_view proc)
{
    std::ifstream in(fmt::format("{}/{}/comm", proc, pid));
    std::string name;
    if (!std::getline(in, name) || name.empty()) {
        return "?";
    }
    return name;
}

std::optional<AuditScope> parseAuditScope(std::string_view text)
{
    if (text == "off") {
        return AuditScope::Off;
    }
    if (text == "changes") {
        return AuditScope::Changes;
    }
    if (text == "all") {
        return AuditScope::All;
    }
    return std::nullopt;
}

} // namespace ipmi::daemon
