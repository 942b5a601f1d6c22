// What a hardware interface driver (si/, ssif/) counts on the wire and how
// healthy its BMC looks, for `ipmi-cuse status`: the userspace counterpart
// of ipmi_si's and ipmi_ssif's sysfs statistics (hosed_count,
// complete_transactions, attentions, flag_fetches, events,
// watchdog_pretimeouts, incoming_messages, alerts, send/receive retries),
// under names of our own, plus the fault episodes of issue 20.
//
// A fault is a transaction that ended without the BMC's answer: the state
// machine gave up (hosed), nothing came back in time, or what came back did
// not answer the request. The first fault opens an episode (state hosed) and
// logs one warning naming the interface and what was seen; further faults
// only count. The first answered transaction after a fault makes the state
// recovering; once `settle` passes without another fault the episode closes
// with one info line giving its duration and how many transactions failed.
// So a BMC that fails a thousand transactions in a minute logs two lines,
// and one that flaps within `settle` stays one episode.
#pragma once

#include "core/event_loop.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace ipmi::core {

// Always add before Count, which must be last.
enum class DriverStat : std::uint8_t
{
    Transactions,         // transactions that ended, answered or not (complete_transactions)
    FailedTransactions,   // ended without the BMC's answer: every fault
    HosedTransactions,    // the state machine or transfer gave up (hosed_count)
    TimedOutTransactions, // no answer in time (completion code 0xC3)
    BadResponses,         // an answer that did not answer the request
    Retries,              // resent writes and reads, retried Get Device IDs
    Attentions,           // the BMC asked for attention (attentions, alerts)
    FlagFetches,          // Get Message Flags (flag_fetches)
    Events,               // events read from the event buffer (events)
    IncomingMessages,     // messages read with Get Message (incoming_messages)
    WatchdogPretimeouts,  // pre-timeouts the BMC flagged (watchdog_pretimeouts)
    FaultEpisodes,        // episodes opened (see above)
    Count,
};

inline constexpr std::size_t kDriverStatCount = static_cast<std::size_t>(DriverStat::Count);
using DriverStats = std::array<std::uint64_t, kDriverStatCount>;

// "transactions", "failed_transactions", ...
[[nodiscard]] const char* toString(DriverStat stat);

enum class LinkState : std::uint8_t
{
    Up,         // no fault open
    Hosed,      // the last transaction failed
    Recovering, // answered again since the last fault, not yet for `settle`
};

// "up", "hosed", "recovering".
[[nodiscard]] const char* toString(LinkState state);

// How a transaction failed.
enum class FaultKind : std::uint8_t
{
    Hosed,
    Timeout,
    BadResponse,
};

// The netfn/LUN and cmd bytes of the request in flight (as many as it
// had), kept by value: what a driver checks an answer against and names in
// a fault, without an allocation per transaction.
struct RequestHead
{
    std::array<std::uint8_t, 2> bytes{};
    std::size_t size = 0;

    RequestHead() = default;
    explicit RequestHead(std::span<const std::uint8_t> request) : size(std::min(request.size(), bytes.size()))
    {
        std::copy_n(request.begin(), size, bytes.begin());
    }
    [[nodiscard]] std::span<const std::uint8_t> view() const { return {bytes.data(), size}; }
    // "netfn 0x06 cmd 0x01", or "a request" without both bytes. Built only
    // for a fault: formatting it for every answer cost an SSIF round trip
    // about 1,400 instructions (benchmarks/README.md).
    [[nodiscard]] std::string describe() const;
};

struct InterfaceHealth
{
    LinkState state = LinkState::Up;
    std::string lastError;                         // what the last fault saw; empty if none yet
    std::optional<Clock::time_point> lastErrorAt;  // loop clock
    std::optional<Clock::time_point> episodeStart; // while an episode is open
    std::uint64_t episodeFailures = 0;             // faults of the open episode
    DriverStats stats{};
    // False for drivers that keep none of this (test doubles).
    bool tracked = false;
};

// One interface's counters and fault episodes. Loop thread only.
class FaultEpisodes
{
  public:
    static constexpr Clock::duration kDefaultSettle = std::chrono::seconds(10);

    // `name` starts every log line ("kcs i/o 0xca2", "ssif i2c-0 0x10").
    FaultEpisodes(EventLoop& loop, std::string name, Clock::duration settle = kDefaultSettle);
    ~FaultEpisodes();
    FaultEpisodes(const FaultEpisodes&) = delete;
    FaultEpisodes& operator=(const FaultEpisodes&) = delete;

    void setName(std::string name) { name_ = std::move(name); }
    // A transaction ended with the BMC's answer.
    void answered();
    // A transaction ended without it; `seen` says what was seen (a state,
    // a status register, a completion code).
    void failed(FaultKind kind, const std::string& seen);
    void count(DriverStat stat, std::uint64_t n = 1) { health_.stats[static_cast<std::size_t>(stat)] += n; }
    // Stops the settle timer (the interface is going away).
    void stop();

    [[nodiscard]] const InterfaceHealth& health() const { return health_; }

  private:
    void close();

    EventLoop& loop_;
    std::string name_;
    Clock::duration settle_;
    std::unique_ptr<Timer> settleTimer_;
    Clock::time_point recoveringSince_{};
    InterfaceHealth health_;
};

} // namespace ipmi::core
