// What the SSIF target needs from the BMC behind it: a message-level request/
// response port plus the attention line. BmcResponder binds it to sim::Bmc;
// tests can bind it to a scripted fake. Keeping the target on this small port
// lets the SMBus protocol be tested byte by byte without a whole BMC.
#pragma once

#include "sim/bmc.hpp"

#include <cstdint>
#include <functional>
#include <span>

namespace ipmi::sim::smbus {

class Responder
{
  public:
    virtual ~Responder() = default;
    // Same contract as Bmc::handleRequest: `respond` runs at most once, now
    // or later (from the owner's time advance), never for a dropped request.
    virtual void handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond) = 0;
    [[nodiscard]] virtual bool attention() const = 0;
    virtual void setAttentionListener(std::function<void()> onChange) = 0;
    // The byte to put on the wire in place of `value` (byte-level faults).
    [[nodiscard]] virtual std::uint8_t wireByte(std::uint8_t value) { return value; }
};

// The embedded BMC as a Responder.
class BmcResponder : public Responder
{
  public:
    explicit BmcResponder(Bmc& bmc) : bmc_(bmc) {}
    void handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond) override
    {
        bmc_.handleRequest(request, std::move(respond));
    }
    [[nodiscard]] bool attention() const override { return bmc_.attention(); }
    void setAttentionListener(std::function<void()> onChange) override
    {
        bmc_.setAttentionListener(std::move(onChange));
    }
    [[nodiscard]] std::uint8_t wireByte(std::uint8_t value) override { return bmc_.interfaceByte(value); }

  private:
    Bmc& bmc_;
};

} // namespace ipmi::sim::smbus
