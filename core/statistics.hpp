// Per-interface counters, the kernel's IPMI_STAT_* (enum ipmi_stat_indexes),
// in the same order and with the same names as /sys/.../ipmi statistics, so
// operators can compare with the kernel driver.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ipmi::core {

enum class Stat : std::uint8_t
{
    SentInvalidCommands,       // commands from users that were invalid
    SentLocalCommands,         // commands sent to the local BMC
    HandledLocalResponses,     // local BMC responses delivered to a user
    UnhandledLocalResponses,   // local BMC responses nobody took
    SentIpmbCommands,          // commands sent out on IPMB
    SentIpmbCommandErrs,       // Send Message failures for IPMB commands
    RetransmittedIpmbCommands, // each IPMB retransmission
    TimedOutIpmbCommands,      // IPMB commands that ran out of retries
    TimedOutIpmbBroadcasts,    // broadcasts that timed out (expected)
    SentIpmbResponses,         // responses we sent on IPMB
    HandledIpmbResponses,      // IPMB responses delivered to a user
    InvalidIpmbResponses,      // malformed IPMB responses
    UnhandledIpmbResponses,    // IPMB responses nobody waited for (late)
    SentLanCommands,
    SentLanCommandErrs,
    RetransmittedLanCommands,
    TimedOutLanCommands,
    SentLanResponses,
    HandledLanResponses,
    InvalidLanResponses,
    UnhandledLanResponses,
    HandledCommands,           // incoming commands delivered to a user
    InvalidCommands,           // malformed incoming commands
    UnhandledCommands,         // incoming commands nobody registered for
    InvalidEvents,             // malformed events
    Events,                    // well-formed events received
    DroppedRexmitIpmbCommands, // IPMB retransmissions that failed
    DroppedRexmitLanCommands,  // LAN retransmissions that failed
    Count                      // sentinel
};

inline constexpr std::size_t kStatCount = static_cast<std::size_t>(Stat::Count);

using Statistics = std::array<std::uint64_t, kStatCount>;

// The kernel's spelling ("sent_invalid_commands", ...).
[[nodiscard]] const char* toString(Stat stat);

} // namespace ipmi::core
