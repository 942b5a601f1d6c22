// The seam below the SI policy (si/smi_policy.*): one transaction engine per
// hardware interface. A Transport moves one request to the BMC and its
// response back; it knows nothing of flags, events, users or the message
// handler. si_transport.hpp implements it over a KCS/BT/SMIC state machine
// and a RegisterIo.
//
// Contract:
// - Calls in both directions happen on the loop thread (a transport that
//   busy-polls on a worker posts its completions back).
// - One transaction at a time; transactionDone() exactly once per
//   startTransaction(), with at least 3 bytes: errors are synthesised
//   responses carrying the kernel's completion codes (0xFF hosed or
//   mismatched, 0xC6 truncated, 0xC3/0xC0 BT timeouts, 0xC7/0xC8 bad length).
//   A transaction the state machine gave up on (hosed, answered 0xFF) also
//   carries what the machine saw then, for the fault log and status.
// - attention() may arrive at any time after start(), also between
//   transactions; it means "the BMC has something: read the flags".
#pragma once

#include "core/interface.hpp"

#include <optional>
#include <string>

namespace ipmi::si {

class TransportSink
{
  public:
    virtual ~TransportSink() = default;
    // `hosed`: nullopt if the state machine completed the transaction,
    // else what it saw when it gave up.
    virtual void transactionDone(core::SmiBytes response, std::optional<std::string> hosed) = 0;
    virtual void attention() = 0;
};

class Transport
{
  public:
    virtual ~Transport() = default;
    [[nodiscard]] virtual const core::InterfaceInfo& info() const = 0;
    virtual void start(TransportSink& sink) = 0;
    virtual void startTransaction(core::SmiBytes request) = 0;
    // True if attention() is reported promptly (an interrupt or a cheap
    // status bit the transport watches); false means the policy must poll
    // Get Message Flags while the host waits for something.
    [[nodiscard]] virtual bool reportsAttention() const = 0;
    // The host waits for something the BMC announces by attention (the
    // kernel's need_watch): a transport that sees the attention bit only
    // when it looks at the status register looks while this is on.
    virtual void watchAttention(bool on) { static_cast<void>(on); }
    virtual void shutdown() = 0;
};

} // namespace ipmi::si
