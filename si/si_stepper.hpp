// What both SI transports (si_transport.hpp) do with their state machine,
// whichever thread steps it and however it is paced: hold the accepted
// request until the machine is free to start it, and turn each event's
// result into the response of the transaction or an attention.
#pragma once

#include "core/interface.hpp"
#include "si/state_machine.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace ipmi::si {

class SiStepper
{
  public:
    explicit SiStepper(StateMachine& sm) : sm_(sm) {}

    // A request to start when the machine is free.
    void accept(core::SmiBytes request) { pending_ = std::move(request); }
    [[nodiscard]] bool pending() const { return pending_.has_value(); }
    [[nodiscard]] bool active() const { return active_.has_value(); }
    void reset();

    enum class Start : std::uint8_t
    {
        Nothing, // nothing accepted, a transaction active, or the machine busy with its own work
        Started,
        Refused, // the machine would not take it: `refusal` is its answer
    };
    // Inline: every step of the stepping loops asks, and all but the first
    // of a transaction find nothing to start.
    [[nodiscard]] Start tryStart(core::SmiBytes& refusal)
    {
        if (active_ || !pending_) {
            return Start::Nothing;
        }
        return start(refusal);
    }

    struct Outcome
    {
        SmResult result = SmResult::Idle;
        std::optional<core::SmiBytes> response; // the active transaction ended
        bool attention = false;                 // the BMC wants attention while nothing is active
        std::optional<std::string> hosed;       // the machine gave up on it: what it saw
    };
    // Inline for the same reason: most steps end in neither a response nor
    // an attention.
    [[nodiscard]] Outcome event(Microseconds elapsed)
    {
        Outcome out;
        out.result = sm_.event(elapsed);
        if (out.result == SmResult::TransactionComplete || out.result == SmResult::Hosed ||
            out.result == SmResult::Attn) {
            settle(out);
        }
        const bool idle = out.result == SmResult::Idle || out.result == SmResult::Attn;
        if (idle && std::exchange(refusedWhileIdle_, false) && pending_) {
            // It said idle, then would not start the request (start()): ask
            // again a tick later, never in a spin, and never leave the
            // request for the next nudge to find. None of the kernel's
            // machines, nor ours, says both at once.
            out.result = SmResult::CallWithTickDelay;
        }
        machineIdle_ = idle;
        return out;
    }

  private:
    Start start(core::SmiBytes& refusal);
    void settle(Outcome& out);

    StateMachine& sm_;
    std::optional<core::SmiBytes> pending_; // accepted, not yet started
    std::optional<core::SmiBytes> active_;  // started, not yet answered
    bool machineIdle_ = true;               // the last event() said idle
    bool refusedWhileIdle_ = false;         // ... and start() then found it busy (0xD5)
};

} // namespace ipmi::si
