// The audit trail: who asked what of the BMC through which node, and what
// became of it. The kernel keeps none; "who power-cycled this host?" is the
// question it answers. Records go to the journal with fields of their own
// (IPMI_NODE, IPMI_CALLER_UID, ...) so they can be filtered, or, off the
// journal, through the "audit" logger as one line each.
//
// A looping client must not flood the log: each node has a token bucket,
// and what it drops is counted and reported with the next record it lets
// through.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::daemon {

enum class AuditScope : std::uint8_t
{
    Off,     // nothing
    Changes, // refusals and requests that change state (the default)
    All,     // every request
};

struct AuditRecord
{
    enum class Event : std::uint8_t
    {
        Refused,  // the node's policy answered it (completion code 0xD4)
        Sent,     // it went to the BMC
        Answered, // the BMC's answer was delivered to the caller
    };

    std::string node; // "ipmi0-monitor"
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string comm; // the caller's command name, as /proc/PID/comm had it
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    int addrType = 0; // IPMI_*_ADDR_TYPE of the request
    int channel = 0;
    std::optional<std::uint8_t> slaveAddr; // IPMB/LAN: where it was bridged to
    Event event = Event::Sent;
    bool changesState = true;
    std::optional<std::uint8_t> completionCode; // Refused, Answered
    // A refused ioctl (EPERM) rather than a request: its number.
    std::optional<std::uint32_t> ioctl;
};

// One record as the journal takes it: MESSAGE, PRIORITY and the fields.
struct AuditEntry
{
    int priority = 5; // syslog priority: 5 notice, 6 info
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields; // ("IPMI_NODE", "ipmi0") ...
};

struct AuditLimits
{
    unsigned burst = 50;     // records a node may log at once
    double perSecond = 10.0; // and then, on average
};

class AuditLog
{
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    using Writer = std::function<void(const AuditEntry&)>;

    // `write` gets every entry let through; tests pass their own clock.
    AuditLog(AuditScope scope, AuditLimits limits, Writer write, Clock clock = std::chrono::steady_clock::now);

    [[nodiscard]] AuditScope scope() const { return scope_; }
    // Whether a request of this kind is recorded at all (callers skip the
    // work of building a record otherwise).
    [[nodiscard]] bool wants(bool changesState, bool refused) const;
    void record(const AuditRecord& record);

    [[nodiscard]] std::uint64_t suppressed() const { return suppressedTotal_; }

    // The entry a record becomes (no rate limit; for the writer and tests).
    [[nodiscard]] static AuditEntry entryOf(const AuditRecord& record, std::uint64_t droppedBefore);

  private:
    struct Bucket
    {
        double tokens = 0;
        std::chrono::steady_clock::time_point last;
        std::uint64_t dropped = 0;
    };

    AuditScope scope_;
    AuditLimits limits_;
    Writer write_;
    Clock clock_;
    std::map<std::string, Bucket, std::less<>> buckets_;
    std::uint64_t suppressedTotal_ = 0;
};

// The writer for the program: sd_journal_send with the entry's fields when
// the journal captures stderr (stderrIsJournal, logging.hpp), else a line on the "audit"
// logger.
[[nodiscard]] AuditLog::Writer journalAuditWriter();

// The command name of a process ("?" once it is gone).
[[nodiscard]] std::string processName(pid_t pid, std::string_view proc = "/proc");

// "off", "changes", "all".
[[nodiscard]] std::optional<AuditScope> parseAuditScope(std::string_view text);

} // namespace ipmi::daemon
