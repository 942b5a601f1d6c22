// The "status" reply: see status.hpp.
#include "daemon/status.hpp"

#include <sstream>

namespace ipmi::daemon {

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

std::string formatStatus(const core::MessageHandler& handler, const std::function<DeviceSummary(int)>& deviceOf)
{
    using core::Stat;
    std::ostringstream out;
    const auto interfaces = handler.interfaces();
    out << "interfaces " << interfaces.size() << "\n";
    for (const int ifnum : interfaces) {
        const auto info = handler.interfaceInfo(ifnum);
        const auto status = handler.interfaceStatus(ifnum);
        if (!info || !status) {
            continue;
        }
        const auto& s = status->stats;
        const DeviceSummary summary = deviceOf(ifnum);
        const std::string& device = summary.name;
        out << "interface " << ifnum << " device " << (device.empty() ? "-" : "/dev/" + device) << " type "
            << info->info.type << (info->info.simulated ? " (simulated)" : "") << " at " << info->info.description
            << "\n";
        out << "  users " << status->users << " event_users " << status->eventUsers << " outstanding "
            << status->outstandingRequests << " maintenance " << (status->maintenanceActive ? "active" : "inactive")
            << "\n";
        out << "  requests " << sum(s, {Stat::SentLocalCommands, Stat::SentIpmbCommands, Stat::SentLanCommands})
            << " timeouts " << sum(s, {Stat::TimedOutIpmbCommands, Stat::TimedOutLanCommands}) << " retries "
            << sum(s, {Stat::RetransmittedIpmbCommands, Stat::RetransmittedLanCommands}) << " errors "
            << sum(s, {Stat::SentInvalidCommands, Stat::SentIpmbCommandErrs, Stat::SentLanCommandErrs,
                       Stat::InvalidIpmbResponses, Stat::InvalidLanResponses, Stat::InvalidCommands,
                       Stat::InvalidEvents, Stat::DroppedRexmitIpmbCommands, Stat::DroppedRexmitLanCommands})
            << " events " << s[static_cast<std::size_t>(Stat::Events)] << "\n";
        const auto& c = summary.counters;
        out << "  ioctls_in_place " << c.ioctlsInPlace << " ioctls_by_retry " << c.ioctlsByRetry << " polls_held "
            << c.pollsHeld << " held_polls_ready " << c.heldPollsReady << "\n";
        for (const auto& node : summary.nodes) {
            out << "  node /dev/" << node.name << " policy " << node.policy << " opens " << node.opens;
            if (node.gate) {
                out << " requests " << node.gate->requests << " refusals " << node.gate->refusals << " refused_ioctls "
                    << node.gate->refusedIoctls;
            }
            out << "\n";
        }
        for (std::size_t i = 0; i < core::kStatCount; ++i) {
            out << "  " << core::toString(static_cast<Stat>(i)) << " " << s[i] << "\n";
        }
    }
    out << "end\n";
    return out.str();
}

} // namespace ipmi::daemon
