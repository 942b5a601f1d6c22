// What a node's gate tells the daemon (cuse_dev/node_gate.hpp): counted for
// `ipmi-cuse status`, and turned into audit records (audit_log.hpp). A
// request that changes state is recorded when it goes to the BMC, so the
// record exists even if the host goes down with it, and again with the
// BMC's completion code when its answer is delivered; a refusal is recorded
// once, with 0xD4.
#pragma once

#include "cuse_dev/node_gate.hpp"
#include "daemon/audit_log.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace ipmi::daemon {

struct NodeRequestCounters
{
    std::uint64_t requests = 0; // judged by the node's gate
    std::uint64_t refusals = 0; // ... answered with 0xD4 by its policy
    std::uint64_t refusedIoctls = 0;
};

class NodeAudit final : public cuse::NodeObserver
{
  public:
    using ProcessNameFn = std::function<std::string(pid_t)>;

    // `log` is shared by every node and outlives them.
    NodeAudit(
        AuditLog& log, ProcessNameFn processName = [](pid_t pid) { return daemon::processName(pid); });

    bool decided(const cuse::GateDecision& decision) override;
    void answered(const cuse::GateAnswer& answer) override;
    void ioctlRefused(const cuse::GateIoctlRefusal& refusal) override;

    [[nodiscard]] const NodeRequestCounters& counters() const { return counters_; }

  private:
    // The caller's command name, looked up once per pid while it is asked
    // for (a client sends many requests; /proc is read for the first).
    const std::string& nameOf(pid_t pid);

    AuditLog& log_;
    ProcessNameFn processName_;
    NodeRequestCounters counters_;
    std::map<pid_t, std::string> names_;
};

} // namespace ipmi::daemon
