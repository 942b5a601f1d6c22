// The seam between the SI transport and one system-interface protocol: the
// userspace counterpart of the kernel's struct si_sm_handlers
// (drivers/char/ipmi/ipmi_si_sm.h). A state machine turns one request into
// register reads and writes through a RegisterIo and back into a response;
// it never waits, sleeps, or knows about users, timers or Asio. Its owner
// calls event() with the time that passed since the previous call and does
// what the result says.
//
// Requests are [netfn<<2 | lun][cmd][data...]; results are
// [netfn<<2 | lun][cmd][cc][data...], at least 3 bytes, with the kernel's
// synthesised completion codes on failure.
#pragma once

#include "core/interface.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace ipmi::si {

using Microseconds = std::chrono::microseconds;

// The kernel's enum si_sm_result.
enum class SmResult : std::uint8_t
{
    CallWithoutDelay,    // call event() again at once
    CallWithDelay,       // call again after a short delay (polling)
    CallWithTickDelay,   // call again after about a scheduler tick
    TransactionComplete, // result() holds the response
    Idle,                // nothing to do
    Hosed,               // the interface is broken; the transaction failed
    Attn,                // idle, and the BMC wants attention
};

[[nodiscard]] const char* toString(SmResult result);

class RegisterIo;

class StateMachine
{
  public:
    virtual ~StateMachine() = default;
    // Begins a transaction. Returns 0, or the completion code to answer the
    // request with at once: 0xC7 shorter than 2 bytes, 0xC8 too long,
    // 0xD5 busy with another transaction, 0xC0 (BT) long busy.
    [[nodiscard]] virtual std::uint8_t start(std::span<const std::uint8_t> request) = 0;
    virtual SmResult event(Microseconds elapsed) = 0;
    // The response of the completed transaction (valid after
    // TransactionComplete; after Hosed the caller synthesises 0xFF).
    [[nodiscard]] virtual core::SmiBytes result() = 0;
    // True if the registers look like this interface (not all ones).
    [[nodiscard]] virtual bool detect() = 0;
    [[nodiscard]] virtual const char* name() const = 0;
    // True while the request is written and the BMC works on its answer:
    // the one wait of a transaction that lasts as long as the BMC takes to
    // execute the command, which its owner may sleep through (PollPacer),
    // unlike the byte handshakes around it.
    [[nodiscard]] virtual bool awaitingResponse() const = 0;
    // After Hosed: what the machine saw when it gave up (its state, the
    // status register), for the fault log and status.
    [[nodiscard]] virtual std::string hosedReason() const { return std::string(name()) + ": gave up"; }
};

// The length part of start(): 0xC7 if `request` is shorter than netfn/lun
// and cmd, 0xC8 if it is longer than `maxLength`, else 0.
[[nodiscard]] std::uint8_t checkRequestLength(std::span<const std::uint8_t> request, std::size_t maxLength);

// A response carrying only `cc` for `request` (netfn made odd, cmd kept).
[[nodiscard]] core::SmiBytes errorResponse(std::span<const std::uint8_t> request, std::uint8_t cc);

} // namespace ipmi::si
