// The message-level port a register model (KCS, BT, SMIC) hands its
// requests to: the BMC as the interface hardware sees it. SimBmcPort binds it
// to the embedded sim::Bmc; tests bind it to a scripted responder, so each
// register protocol can be tested byte by byte without a whole BMC.
#pragma once

#include "base/lifetime.hpp"
#include "sim/bmc.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <utility>

namespace ipmi::sim {

class BmcPort
{
  public:
    virtual ~BmcPort() = default;
    // Same contract as Bmc::handleRequest: `respond` runs at most once, now
    // (inside this call) or later (from the owner's time advance), never for
    // a dropped request.
    virtual void handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond) = 0;
    // The BMC wants the host's attention (SMS_ATN).
    [[nodiscard]] virtual bool attention() const = 0;
    // The byte to put on the wire in place of `value` (byte-level faults).
    [[nodiscard]] virtual std::uint8_t interfaceByte(std::uint8_t value) { return value; }
};

// The embedded BMC as a BmcPort.
class SimBmcPort : public BmcPort
{
  public:
    explicit SimBmcPort(Bmc& bmc) : bmc_(bmc) {}
    void handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond) override
    {
        bmc_.handleRequest(request, std::move(respond));
    }
    [[nodiscard]] bool attention() const override { return bmc_.attention(); }
    [[nodiscard]] std::uint8_t interfaceByte(std::uint8_t value) override { return bmc_.interfaceByte(value); }

  private:
    Bmc& bmc_;
};

// The one request a register model has with its BmcPort. A newer request,
// orphan() (an abort, an error, a reset) or the model's end drops the answer
// of the one in flight (QEMU's waiting_rsp): each send is a new generation of
// the in-flight Lifetime.
class PortRequest
{
  public:
    explicit PortRequest(BmcPort& port) : port_(port) {}
    // `answer` runs with the response, now or later, unless orphaned first.
    void send(Bytes request, std::function<void(Bytes)> answer)
    {
        inFlight_.renew();
        port_.handleRequest(
            request, inFlight_.guard([answer = std::move(answer)](Bytes response) { answer(std::move(response)); }));
    }
    void orphan() { inFlight_.end(); }

  private:
    BmcPort& port_;
    base::Lifetime inFlight_;
};

// What the host side sees of a register model: byte registers at small
// offsets, acting at once on each access.
class RegisterModel
{
  public:
    virtual ~RegisterModel() = default;
    [[nodiscard]] virtual std::uint8_t read(unsigned offset) = 0;
    virtual void write(unsigned offset, std::uint8_t value) = 0;
    // How many registers the interface occupies (KCS 2, BT 3, SMIC 3).
    [[nodiscard]] virtual unsigned registerCount() const = 0;
    // The status register held busy like a hung controller's: host writes
    // wait in the register until released (FaultInjector::busyUntil).
    virtual void setStalled(bool stalled) = 0;
    // A BMC reset in the middle of a transfer: the transfer in progress and
    // its response are lost and the interface is idle again. False, and
    // nothing done, when no transfer is in progress or the model does not
    // model resets.
    virtual bool resetMidTransfer() { return false; }
};

} // namespace ipmi::sim
