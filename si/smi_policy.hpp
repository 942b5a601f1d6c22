// The SI policy over a Transport: what the kernel's ipmi_si_intf.c does
// around its state machines, independent of the wire. It implements
// core::Interface for the message handler:
// - one transaction at a time; user requests wait in a queue;
// - attention (or a flag poll) → Get Message Flags, then the flags/events
//   machine shared with ssif/ (core/flags_machine.hpp): watchdog
//   pre-timeout (Clear Message Flags [0x08] and
//   InterfaceHost::smiWatchdogPretimeout), Get Message (up to 10 in a row
//   while the BMC has messages), Read Event Message Buffer (up to 10, while
//   it answers 19 bytes); OEM flag bits count as "message available" on the
//   Dell PowerEdge 8G BMC, as in the kernel; after a failed Get Message
//   Flags the next one waits flagPollInterval (unlike the kernel, which
//   loops on an attention bit stuck on a BMC that cannot answer);
// - requestEvents: check and correct the BMC global enables, then read the
//   event buffer (only if the BMC has one);
// - the start-up sequence before any user message: Get Device ID (up to 5
//   retries, 500 ms apart), then the shared machine's: clear the
//   receive-message interrupt enable, enable the event message buffer,
//   clear the watchdog pre-timeout flag;
// - responses that are short or do not match their request's netfn/cmd
//   become 0xFF, so the host always gets [netfn|1][cmd][cc...]; info() says
//   so (responsesVetted), and the message handler does not check again.
// While the host watches for something (setNeedWatch), the transport is
// told to watch the attention bit; transports that cannot report attention
// promptly get flag polls every flagPollInterval instead.
// Every transaction counts (core/interface_health.hpp): one the state
// machine gave up on, one answered for another command or too short, and a
// 0xC3 are faults of the interface's fault episodes; health() reports them
// with ipmi_si's statistics (attentions, flag fetches, events, ...).
#pragma once

#include "base/lifetime.hpp"
#include "base/pump_guard.hpp"
#include "core/event_loop.hpp"
#include "core/flags_machine.hpp"
#include "core/interface.hpp"
#include "si/transport.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>

namespace ipmi::si {

class SmiPolicy : public core::Interface, private TransportSink
{
  public:
    struct Options
    {
        core::Clock::duration flagPollInterval = std::chrono::milliseconds(100);
        core::Clock::duration deviceIdRetryDelay = std::chrono::milliseconds(500);
        unsigned deviceIdRetries = 5;
        // How long the BMC must answer again before a fault episode ends.
        core::Clock::duration faultSettle = core::FaultEpisodes::kDefaultSettle;
    };

    SmiPolicy(core::EventLoop& loop, std::unique_ptr<Transport> transport);
    SmiPolicy(core::EventLoop& loop, std::unique_ptr<Transport> transport, Options options);
    ~SmiPolicy() override;
    SmiPolicy(const SmiPolicy&) = delete;
    SmiPolicy& operator=(const SmiPolicy&) = delete;

    [[nodiscard]] const core::InterfaceInfo& info() const override;
    void start(core::InterfaceHost& host) override;
    void send(core::SmiBytes request) override;
    void requestEvents() override;
    void setNeedWatch(unsigned mask) override;
    void setMaintenanceMode(bool on) override;
    void shutdown() override;
    [[nodiscard]] core::InterfaceHealth health() const override { return faults_.health(); }

    // What start-up found.
    [[nodiscard]] bool startupComplete() const { return !starting_; }
    [[nodiscard]] bool hasEventBuffer() const { return flags_.hasEventBuffer(); }
    [[nodiscard]] bool deviceIdOk() const { return deviceId_.has_value(); }
    // The Get Device ID response of start-up (with netfn, cmd, cc).
    [[nodiscard]] const std::optional<core::SmiBytes>& deviceId() const { return deviceId_; }

  private:
    enum class Op : std::uint8_t
    {
        None,
        User,         // a host request
        DeviceId,     // start-up: Get Device ID
        Startup,      // start-up: the shared machine's enables and flags
        GetFlags,     // Get Message Flags
        GetMessage,   // Get Message
        ReadEvent,    // Read Event Message Buffer
        ClearFlags,   // Clear Message Flags [0x08] after a pre-timeout
        CheckEnables, // requestEvents: Get Global Enables
        SetEnables,   // requestEvents: Set Global Enables (corrected)
    };

    void transactionDone(core::SmiBytes raw, std::optional<std::string> hosed) override;
    // Counts the transaction as answered or as a fault of the episode, and
    // returns what the host gets: the response, or 0xFF for one without
    // netfn, cmd and cc or that does not answer the request ("BMC returned
    // incorrect response", in the kernel's words). The one check of every
    // response on SI: info().responsesVetted tells the message handler so.
    [[nodiscard]] core::SmiBytes judged(core::SmiBytes raw, const std::optional<std::string>& hosed);
    void attention() override;

    void issue(Op op, core::SmiBytes request);
    void pump();
    void pumpOnce();
    void finishStartup();
    void handleFlags();
    // After a failed flag fetch: the next waits a flag poll interval.
    void holdAttention();
    void startEventFetch();
    void armFlagPoll();
    void onDeviceIdResponse(const core::SmiBytes& response);
    void onStartupResponse(const core::SmiBytes& response);
    void onDeviceId(const core::SmiBytes& response);
    [[nodiscard]] std::uint8_t wantedEnables() const;
    [[nodiscard]] bool dellBtShortcut(const core::SmiBytes& request);
    // The shortcut's answers, delivered from the loop (shutdown() delivers
    // what is left, so none is lost).
    void deliverShortcutAnswers();

    core::EventLoop& loop_;
    std::unique_ptr<Transport> transport_;
    core::InterfaceInfo info_;
    Options options_;
    core::InterfaceHost* host_ = nullptr;
    std::unique_ptr<core::Timer> retryTimer_;
    std::unique_ptr<core::Timer> pollTimer_;
    std::unique_ptr<core::Timer> attentionTimer_; // pending: flag fetches held back
    base::Lifetime lifetime_;

    bool started_ = false;
    bool shutDown_ = false;
    bool starting_ = false;
    Op inFlight_ = Op::None;
    core::RequestHead inFlightHead_;
    std::deque<core::SmiBytes> userQueue_;
    std::deque<core::SmiBytes> shortcutAnswers_;

    bool gotAttention_ = false; // fetch flags next
    bool recheckFlags_ = false; // fetch flags after the next user message
    bool eventsRequested_ = false;
    unsigned needWatch_ = 0;
    bool maintenance_ = false;
    core::FlagsMachine flags_;
    unsigned deviceIdAttempts_ = 0;
    bool dellBt_ = false; // Dell BT Get SDR quirk
    std::optional<core::SmiBytes> deviceId_;
    core::FaultEpisodes faults_;

    base::PumpGuard pump_;
};

} // namespace ipmi::si
