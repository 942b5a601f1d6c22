// A node's gate, counted and audited: see node_audit.hpp.
#include "daemon/node_audit.hpp"

#include "abi/ipmi_commands.hpp"

#include <utility>

namespace ipmi::daemon {

namespace {

// Names of callers that are gone are not kept for ever.
constexpr std::size_t kMaxNames = 256;

AuditRecord recordOf(const std::string& node, const cuse::Caller& caller, std::string comm)
{
    AuditRecord r;
    r.node = node;
    r.pid = caller.pid;
    r.uid = caller.uid;
    r.gid = caller.gid;
    r.comm = std::move(comm);
    return r;
}

} // namespace

NodeAudit::NodeAudit(AuditLog& log, ProcessNameFn processName) : log_(log), processName_(std::move(processName))
{
}

const std::string& NodeAudit::nameOf(pid_t pid)
{
    auto it = names_.find(pid);
    if (it == names_.end()) {
        if (names_.size() >= kMaxNames) {
            names_.clear();
        }
        it = names_.emplace(pid, processName_(pid)).first;
    }
    return it->second;
}

bool NodeAudit::decided(const cuse::GateDecision& d)
{
    ++counters_.requests;
    if (!d.allowed) {
        ++counters_.refusals;
    }
    const bool changes = !d.readOnly;
    if (!log_.wants(changes, !d.allowed)) {
        return false;
    }
    if (d.allowed && !changes) {
        return true; // scope "all": recorded with its answer only
    }
    AuditRecord r = recordOf(d.node, d.caller, nameOf(d.caller.pid));
    r.netfn = d.netfn;
    r.cmd = d.cmd;
    r.addrType = d.addrType;
    r.channel = d.channel;
    r.slaveAddr = d.slaveAddr;
    r.changesState = changes;
    if (d.allowed) {
        r.event = AuditRecord::Event::Sent;
    } else {
        r.event = AuditRecord::Event::Refused;
        r.completionCode = abi::IPMI_INSUFFICIENT_PRIVILEGE_ERR;
    }
    log_.record(r);
    return d.allowed;
}

void NodeAudit::answered(const cuse::GateAnswer& a)
{
    if (!a.followed) {
        return; // a refusal's own answer (recorded when refused), or not audited
    }
    AuditRecord r = recordOf(a.node, a.caller, nameOf(a.caller.pid));
    r.netfn = static_cast<std::uint8_t>(a.netfn & ~1U);
    r.cmd = a.cmd;
    r.addrType = a.addrType;
    r.event = AuditRecord::Event::Answered;
    r.changesState = !a.readOnly;
    r.completionCode = a.completionCode;
    log_.record(r);
}

void NodeAudit::ioctlRefused(const cuse::GateIoctlRefusal& refusal)
{
    ++counters_.refusedIoctls;
    AuditRecord r = recordOf(refusal.node, refusal.caller, nameOf(refusal.caller.pid));
    r.event = AuditRecord::Event::Refused;
    r.ioctl = refusal.ioctlCmd;
    log_.record(r);
}

} // namespace ipmi::daemon
