// The flags/events machine both system-interface drivers keep around their
// transactions (ipmi_si_intf.c and ipmi_ssif.c each have their own copy in
// the kernel): after Get Message Flags, clear a watchdog pre-timeout, then
// Get Message and Read Event Message Buffer, at most 10 of each in a row;
// and at start-up, clear the pre-timeout flag and turn the event message
// buffer on through the BMC global enables.
//
// It decides and never waits: the driver sends the request it names and
// reports the answer (si/smi_policy over a Transport, ssif/ over Transfer).
// Where the kernel's two drivers differ, Style says which one this is; what
// only one of them does (SI's Get Device ID and Dell quirks, SSIF's
// capabilities and alerts) stays in the driver.
#pragma once

#include "core/interface.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ipmi::core {

// The requests of the machine: App netfn, LUN 0.
[[nodiscard]] SmiBytes getMessageFlagsRequest();
[[nodiscard]] SmiBytes getMessageRequest();
[[nodiscard]] SmiBytes readEventBufferRequest();
[[nodiscard]] SmiBytes clearPretimeoutRequest();
[[nodiscard]] SmiBytes getGlobalEnablesRequest();
[[nodiscard]] SmiBytes setGlobalEnablesRequest(std::uint8_t enables);

class FlagsMachine
{
  public:
    struct Style
    {
        // ipmi_si: an event that is not 16 bytes long ends the run.
        bool shortEventEndsRun = false;
        // ipmi_ssif: ten events in a row ask for the flags again, as ten
        // messages do in both.
        bool recheckAfterTenEvents = false;
        // ipmi_ssif clears the pre-timeout flag first at start-up; ipmi_si
        // last.
        bool clearFlagsFirst = false;
        // ipmi_si: no interrupts here, so the receive-message interrupt
        // enable goes off at start-up (ipmi_ssif turns it on for alerts).
        bool clearReceiveIrq = false;
    };

    // What to do next with the flags read.
    enum class Fetch : std::uint8_t
    {
        None,            // nothing left: the flags are handled
        ClearPretimeout, // Clear Message Flags [pre-timeout], and tell the host
        Message,         // Get Message
        Event,           // Read Event Message Buffer
    };

    enum class StartStep : std::uint8_t
    {
        GetEnablesForIrq,  // Get Global Enables (receive-message interrupt)
        ClearIrqEnable,    // Set Global Enables without bit 0
        GetEnablesForEvt,  // Get Global Enables (event buffer)
        EnableEventBuffer, // Set Global Enables with bit 2
        ClearPretimeout,   // Clear Message Flags [pre-timeout]
        Done,
    };

    explicit FlagsMachine(Style style) : style_(style) {}

    // ---- flags and events ----
    // Get Message Flags answered with these flags: a new round.
    void flagsRead(std::uint8_t flags);
    // The host asked for events: read the buffer until it is empty.
    void eventsRequested();
    // The next fetch for the flags still set; ClearPretimeout takes its flag.
    [[nodiscard]] Fetch next();
    // A Get Message answered; ok: it carried a message (cc 0).
    void messageFetched(bool ok);
    // A Read Event Message Buffer answered with `length` bytes.
    void eventFetched(bool ok, std::size_t length);
    // A run stopped at its limit: look at the flags again once others had
    // their turn. Reading clears it.
    [[nodiscard]] bool takeRecheck();
    // The flags not yet handled.
    [[nodiscard]] std::uint8_t flags() const { return flags_; }
    // Dell PowerEdge 8G BMCs flag messages with the OEM bits (ipmi_si).
    void setOemMeansMessage(bool on) { oemMeansMessage_ = on; }

    // ---- start-up ----
    // The first start-up request.
    [[nodiscard]] SmiBytes startup();
    // The answer to the start-up request in flight; ok: cc 0 and, for Get
    // Global Enables, the enables byte. The next request, or none when done.
    [[nodiscard]] std::optional<SmiBytes> startupAnswered(bool ok, const SmiBytes& response);
    [[nodiscard]] StartStep startStep() const { return step_; }
    [[nodiscard]] bool hasEventBuffer() const { return hasEventBuffer_; }
    // The BMC refused to turn the receive-message interrupt off.
    [[nodiscard]] bool cannotDisableIrq() const { return cannotDisableIrq_; }
    // The global enables as read at start-up, with the event buffer bit if
    // it was turned on.
    [[nodiscard]] std::uint8_t globalEnables() const { return enables_; }

  private:
    [[nodiscard]] StartStep afterEventBuffer() const;
    [[nodiscard]] StartStep firstEnablesStep() const;
    [[nodiscard]] SmiBytes requestFor(StartStep step) const;

    Style style_;
    std::uint8_t flags_ = 0;
    unsigned messagesFetched_ = 0;
    unsigned eventsFetched_ = 0;
    bool recheck_ = false;
    bool oemMeansMessage_ = false;

    StartStep step_ = StartStep::Done;
    std::uint8_t enables_ = 0;
    bool hasEventBuffer_ = false;
    bool cannotDisableIrq_ = false;
};

} // namespace ipmi::core
