// Names of the per-interface counters (the kernel's ipmi statistics names).
#include "core/statistics.hpp"

namespace ipmi::core {

const char* toString(Stat stat)
{
    static constexpr std::array<const char*, kStatCount> kNames = {
        "sent_invalid_commands",
        "sent_local_commands",
        "handled_local_responses",
        "unhandled_local_responses",
        "sent_ipmb_commands",
        "sent_ipmb_command_errs",
        "retransmitted_ipmb_commands",
        "timed_out_ipmb_commands",
        "timed_out_ipmb_broadcasts",
        "sent_ipmb_responses",
        "handled_ipmb_responses",
        "invalid_ipmb_responses",
        "unhandled_ipmb_responses",
        "sent_lan_commands",
        "sent_lan_command_errs",
        "retransmitted_lan_commands",
        "timed_out_lan_commands",
        "sent_lan_responses",
        "handled_lan_responses",
        "invalid_lan_responses",
        "unhandled_lan_responses",
        "handled_commands",
        "invalid_commands",
        "unhandled_commands",
        "invalid_events",
        "events",
        "dropped_rexmit_ipmb_commands",
        "dropped_rexmit_lan_commands",
    };
    const auto index = static_cast<std::size_t>(stat);
    return index < kStatCount ? kNames[index] : "invalid";
}

} // namespace ipmi::core
