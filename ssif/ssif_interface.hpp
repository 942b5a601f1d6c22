// SSIF as a core::Interface: the counterpart of the kernel's ipmi_ssif. It
// is not an SI state machine under the SI policy; like ipmi_ssif it drives
// the flags/events machine (core/flags_machine.hpp, shared with si/, in
// ipmi_ssif's style) over Transfer (one SMBus transaction at a time):
//   start()  -> probe: Get System Interface Capabilities (sanitised), the
//               multi-part write end-marker test, then the machine's
//               start-up (Clear Message Flags [watchdog], Get/Set BMC Global
//               Enables for the event buffer), then alerts; PEC on if the
//               BMC offers it.
//   idle     -> requested events, else requested flags, else the host's
//               next message.
//   flags    -> watchdog pre-timeout (clear it, tell the host), receive
//               messages (Get Message until cc != 0), events (Read Event
//               Message Buffer until cc != 0), at most 10 in a row each.
// Flags are fetched when the BMC alerts while we are idle, or by polling
// every 10 ms (messages/commands watched) or 250 ms (only the watchdog)
// when no alert can reach us. A transfer that finally fails answers the
// host with completion code 0xFF, as the kernel's return_hosed_msg does,
// and is a fault of the interface's fault episodes
// (core/interface_health.hpp), which health() reports with the counters.
#pragma once

#include "base/lifetime.hpp"
#include "core/event_loop.hpp"
#include "core/flags_machine.hpp"
#include "core/interface.hpp"
#include "ssif/capabilities.hpp"
#include "ssif/smbus_runner.hpp"
#include "ssif/transfer.hpp"

#include <array>
#include <deque>
#include <memory>

namespace ipmi::ssif {

// The kernel's ssif "dbg" bits.
inline constexpr unsigned kDebugMessages = 1U << 0;
inline constexpr unsigned kDebugState = 1U << 1;
inline constexpr unsigned kDebugTiming = 1U << 2;

struct SsifInterfaceConfig
{
    core::InterfaceInfo info;
    unsigned dbg = 0;
    bool dbgProbe = false;
    bool alertsBroken = false; // never enable SMBus alerts (kernel: alerts_broken)
    TransferTiming timing;
    // How long the BMC must answer again before a fault episode ends.
    core::Clock::duration faultSettle = core::FaultEpisodes::kDefaultSettle;
};

// Per-interface statistics; always add before Count, which must be last.
enum class SsifStat : std::uint8_t
{
    SentMessages,
    SendErrors,
    ReceivedMessages,
    ReceiveErrors,
    FlagFetches,
    Events,
    IncomingMessages,
    WatchdogPretimeouts,
    Alerts,
    Count,
};

class SsifInterface : public core::Interface
{
  public:
    SsifInterface(core::EventLoop& loop, std::unique_ptr<Smbus> bus, SsifInterfaceConfig config);
    ~SsifInterface() override;
    SsifInterface(const SsifInterface&) = delete;
    SsifInterface& operator=(const SsifInterface&) = delete;

    [[nodiscard]] const core::InterfaceInfo& info() const override { return config_.info; }
    void start(core::InterfaceHost& host) override;
    void send(core::SmiBytes request) override;
    void requestEvents() override;
    void setNeedWatch(unsigned mask) override;
    void setMaintenanceMode(bool on) override;
    void shutdown() override;
    [[nodiscard]] core::InterfaceHealth health() const override;

    // After the probe: what the BMC allows.
    [[nodiscard]] const SsifLimits& limits() const { return limits_; }
    [[nodiscard]] bool probed() const { return state_ != State::Probing && state_ != State::Stopped; }
    [[nodiscard]] bool hasEventBuffer() const { return flags_.hasEventBuffer(); }
    [[nodiscard]] bool alertsActive() const { return alertsActive_; }
    [[nodiscard]] unsigned stat(SsifStat which) const { return stats_[static_cast<std::size_t>(which)]; }
    [[nodiscard]] const Transfer::Counters& transferCounters() const { return transfer_.counters(); }

  private:
    enum class State : std::uint8_t
    {
        Stopped,         // before start()
        Probing,         // the probe sequence runs; host messages wait
        Idle,            // nothing on the bus
        Sending,         // the host's message is in flight
        GettingFlags,    // Get Message Flags
        ClearingFlags,   // Clear Message Flags [watchdog pre-timeout]
        GettingMessages, // Get Message
        GettingEvents,   // Read Event Message Buffer
        ShutDown,        // after shutdown(): nothing more to the host
    };
    using Handler = void (SsifInterface::*)(TransferResult);

    void issue(std::span<const std::uint8_t> request, Handler handler);
    void issueParts(std::vector<WritePart> parts, Handler handler);
    // What transferDone() needs of the transfer that starts now.
    void setInFlight(Handler handler, std::span<const std::uint8_t> head);
    // The transfer's completion: transferDone(), holding only `this`.
    [[nodiscard]] Transfer::Done whenDone();
    void transferDone(TransferResult result);

    // Probe steps, in order.
    void onCapabilities(TransferResult result);
    void multipartTest(bool withCmd8);
    void onMultipartCmd8(TransferResult result);
    void onMultipartEmpty(TransferResult result);
    void probeFlagsAndEnables();
    void onProbeFlagsAndEnables(TransferResult result);
    void onSetAlerts(TransferResult result);
    void probeDone();

    void startNext();
    // Answers of requests refused before they reached the bus (too long or
    // too short), delivered from the loop, never from inside send().
    void deliverRefusals();
    [[nodiscard]] static core::SmiBytes hosedOrShort(const core::SmiBytes& request);
    void onUserResponse(TransferResult result);
    void startFlagFetch();
    void onFlags(TransferResult result);
    void handleFlags();
    void onClearFlags(TransferResult result);
    void onMessage(TransferResult result);
    void onEvent(TransferResult result);
    void goIdle();
    void onAlert();
    void armWatch();
    void count(SsifStat which) { ++stats_[static_cast<std::size_t>(which)]; }
    // Counts a transaction after the probe as answered or as a fault.
    void noteOutcome(const core::RequestHead& request, const TransferResult& result);

    core::EventLoop& loop_;
    SsifInterfaceConfig config_;
    SmbusRunner bus_;
    Transfer transfer_;
    std::unique_ptr<core::Timer> watchTimer_;
    core::InterfaceHost* host_ = nullptr;
    State state_ = State::Stopped;
    std::deque<core::SmiBytes> waiting_;  // host messages not yet started
    std::deque<core::SmiBytes> refusals_; // answers of refused messages, not yet delivered
    core::SmiBytes current_;              // the host message in flight
    // Whose answer the transfer in flight is and what it asked. Kept here,
    // not in the transfer's completion, so that completion holds only `this`
    // and std::function stores it without an allocation per transaction.
    struct InFlight
    {
        Handler handler = nullptr;
        bool probing = false;
        core::RequestHead head;
    };
    InFlight inFlight_;
    SsifLimits limits_;
    core::FlagsMachine flags_;
    bool alertsActive_ = false;
    bool reqEvents_ = false;
    bool reqFlags_ = false;
    bool hostTurn_ = false; // a flags round just ended: a waiting host message goes next
    unsigned watchMask_ = 0;
    core::Clock::time_point sendStart_;
    std::array<unsigned, static_cast<std::size_t>(SsifStat::Count)> stats_{};
    core::FaultEpisodes faults_;
    base::Lifetime lifetime_;
};

} // namespace ipmi::ssif
