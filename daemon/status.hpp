// The reply to the control socket's "status" command: one block per
// interface with its device node, what it is, its users and the counters an
// operator asks for first (requests, timeouts, retries, errors, events), then
// every kernel-named statistic (the names of /sys/.../ipmi statistics).
#pragma once

#include "core/message_handler.hpp"

#include <functional>
#include <string>

namespace ipmi::daemon {

// `deviceOf(ifnum)` names the node serving the interface ("" if none yet).
[[nodiscard]] std::string formatStatus(const core::MessageHandler& handler,
                                       const std::function<std::string(int)>& deviceOf);

} // namespace ipmi::daemon
