// The SMBus seam over sim/smbus's SSIF target: what an i2c adapter with the
// kernel's software PEC would do, in memory. Writes carry the PEC the host
// computes, reads are checked against the PEC the target drives (EBADMSG on
// a mismatch, as i2c_smbus_xfer_emulated reports), NAKs are EAGAIN. The
// target's alert line is passed up on its rising edge. Runs on the loop
// thread (blocking() is false), like the Bmc it reaches. The SSIF tests in
// tests/unit/ssif/ use it too.
#pragma once

#include "sim/smbus/ssif_target.hpp"
#include "ssif/smbus.hpp"

namespace ipmi::daemon {

class SimulatedSmbus : public ssif::Smbus
{
  public:
    explicit SimulatedSmbus(sim::smbus::SsifTarget& target);
    ~SimulatedSmbus() override;
    SimulatedSmbus(const SimulatedSmbus&) = delete;
    SimulatedSmbus& operator=(const SimulatedSmbus&) = delete;

    [[nodiscard]] int writeBlock(std::uint8_t command, std::span<const std::uint8_t> data) override;
    [[nodiscard]] int readBlock(std::uint8_t command, ssif::Bytes& out) override;
    [[nodiscard]] int setPec(bool enabled) override;
    [[nodiscard]] bool blocking() const override { return false; }
    [[nodiscard]] bool supportsAlerts() const override { return true; }
    void setAlertHandler(std::function<void()> onAlert) override;
    [[nodiscard]] bool alertAsserted() const override { return target_.alert(); }
    [[nodiscard]] std::string describe() const override;

    [[nodiscard]] bool pecEnabled() const { return pec_; }
    // Transfers so far, for tests that check the host never hammers the bus.
    [[nodiscard]] unsigned writes() const { return writes_; }
    [[nodiscard]] unsigned reads() const { return reads_; }

  private:
    sim::smbus::SsifTarget& target_;
    bool pec_ = false;
    unsigned writes_ = 0;
    unsigned reads_ = 0;
    std::function<void()> onAlert_;
};

} // namespace ipmi::daemon
