// The reply to the control socket's "status" command: one block per
// interface with its device node, what it is, its users and the counters an
// operator asks for first (requests, timeouts, retries, errors, events), then
// every kernel-named statistic (the names of /sys/.../ipmi statistics).
#pragma once

#include "core/message_handler.hpp"
#include "cuse_dev/cuse_device.hpp"
#include "daemon/node_audit.hpp"

#include <functional>
#include <string>

namespace ipmi::daemon {

// One node of an interface: its policy, opens, and what its gate counted
// (nullopt when the node has no gate: the interface's own node with the
// audit off).
struct NodeSummary
{
    std::string name;
    std::string policy;
    std::uint64_t opens = 0;
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

[[nodiscard]] std::string formatStatus(const core::MessageHandler& handler,
                                       const std::function<DeviceSummary(int)>& deviceOf);

} // namespace ipmi::daemon
