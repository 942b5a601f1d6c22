// Driver counters and fault episodes: see interface_health.hpp.
#include "core/interface_health.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

namespace ipmi::core {

std::string RequestHead::describe() const
{
    return size < 2 ? std::string("a request") : fmt::format("netfn {:#04x} cmd {:#04x}", bytes[0] >> 2, bytes[1]);
}

const char* toString(DriverStat stat)
{
    static constexpr std::array<const char*, kDriverStatCount> kNames = {
        "transactions",
        "failed_transactions",
        "hosed_transactions",
        "timed_out_transactions",
        "bad_responses",
        "retries",
        "attentions",
        "flag_fetches",
        "events",
        "incoming_messages",
        "watchdog_pretimeouts",
        "fault_episodes",
    };
    const auto index = static_cast<std::size_t>(stat);
    return index < kDriverStatCount ? kNames[index] : "invalid";
}

const char* toString(LinkState state)
{
    switch (state) {
    case LinkState::Up:
        return "up";
    case LinkState::Hosed:
        return "hosed";
    case LinkState::Recovering:
        return "recovering";
    }
    return "invalid";
}

namespace {

DriverStat statOf(FaultKind kind)
{
    switch (kind) {
    case FaultKind::Hosed:
        return DriverStat::HosedTransactions;
    case FaultKind::Timeout:
        return DriverStat::TimedOutTransactions;
    case FaultKind::BadResponse:
        return DriverStat::BadResponses;
    }
    return DriverStat::HosedTransactions;
}

long long millis(Clock::duration d)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

} // namespace

FaultEpisodes::FaultEpisodes(EventLoop& loop, std::string name, Clock::duration settle)
    : loop_(loop), name_(std::move(name)), settle_(settle), settleTimer_(loop.makeTimer())
{
    health_.tracked = true;
}

FaultEpisodes::~FaultEpisodes() = default;

void FaultEpisodes::answered()
{
    count(DriverStat::Transactions);
    if (health_.state != LinkState::Hosed) {
        return;
    }
    health_.state = LinkState::Recovering;
    recoveringSince_ = loop_.now();
    settleTimer_->start(settle_, [this] { close(); });
}

void FaultEpisodes::failed(FaultKind kind, const std::string& seen)
{
    count(DriverStat::Transactions);
    count(DriverStat::FailedTransactions);
    count(statOf(kind));
    const auto now = loop_.now();
    health_.lastError = seen;
    health_.lastErrorAt = now;
    settleTimer_->cancel();
    if (health_.episodeStart) {
        health_.state = LinkState::Hosed;
        ++health_.episodeFailures;
        return;
    }
    health_.state = LinkState::Hosed;
    health_.episodeStart = now;
    health_.episodeFailures = 1;
    count(DriverStat::FaultEpisodes);
    spdlog::warn("{}: BMC fault: {}; answering the kernel's error codes until it answers again", name_, seen);
}

void FaultEpisodes::close()
{
    if (!health_.episodeStart || health_.state != LinkState::Recovering) {
        return;
    }
    // The episode lasted until the BMC answered for good: the settle time
    // is not part of it.
    const auto lasted = recoveringSince_ - *health_.episodeStart;
    spdlog::info("{}: BMC answering again after a fault episode of {} ms ({} failed transaction{})", name_,
                 millis(lasted), health_.episodeFailures, health_.episodeFailures == 1 ? "" : "s");
    health_.state = LinkState::Up;
    health_.episodeStart.reset();
    health_.episodeFailures = 0;
}

void FaultEpisodes::stop()
{
    settleTimer_->cancel();
}

} // namespace ipmi::core
