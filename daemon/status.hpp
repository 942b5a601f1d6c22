// The reply to the control socket's "status" command: one block per
// interface with its device node, what it is, its users and the counters an
// operator asks for first (requests, timeouts, retries, errors, events), then
// every kernel-named statistic (the names of /sys/.../ipmi statistics).
#pragma once

#include "core/message_handler.hpp"
#include "cuse_dev/cuse_device.hpp"

#include <functional>
#include <string>

namespace ipmi::daemon {

// The node serving an interface: its name ("" if none yet) and how its
// FUSE requests were answered.
struct DeviceSummary
{
    std::string name;
    cuse::CuseDeviceCounters counters;
};

[[nodiscard]] std::string formatStatus(const core::MessageHandler& handler,
                                       const std::function<DeviceSummary(int)>& deviceOf);

} // namespace ipmi::daemon
