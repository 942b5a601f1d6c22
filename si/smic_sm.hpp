// The host side of SMIC (Server Management Interface Chip), the kernel's
// ipmi_smic_sm.c in C++: one control code per BUSY handshake, TX_DATA_RDY /
// RX_DATA_RDY gating each byte, status codes checked at every step.
// Registers: data (0), control/status (1), flags (2).
//
// Messages are limited to 80 bytes each way (longer requests get 0xC8,
// longer responses 0xC6). Any surprise, or 2 s without progress, restarts the
// request from GET_STATUS; after 3 restarts the interface is hosed.
#pragma once

#include "si/byte_transfer.hpp"
#include "si/register_io.hpp"
#include "si/state_machine.hpp"

#include <string>

namespace ipmi::si {

class SmicStateMachine : public StateMachine
{
  public:
    static constexpr std::size_t kMaxWrite = 80;
    static constexpr std::size_t kMaxRead = 80;
    static constexpr unsigned kMaxErrorRetries = 3;
    static constexpr Microseconds kRetryTimeout{2'000'000};

    explicit SmicStateMachine(RegisterIo& io);

    [[nodiscard]] std::uint8_t start(std::span<const std::uint8_t> request) override;
    SmResult event(Microseconds elapsed) override;
    [[nodiscard]] core::SmiBytes result() override;
    [[nodiscard]] bool detect() override;
    [[nodiscard]] const char* name() const override { return "smic"; }
    [[nodiscard]] bool awaitingResponse() const override { return state_ == State::Write2Read; }
    [[nodiscard]] std::string hosedReason() const override { return "smic: " + lastErrorReason_; }

    [[nodiscard]] const std::string& lastErrorReason() const { return lastErrorReason_; }

  private:
    enum class State : std::uint8_t
    {
        Idle,       // watch SMS_ATN
        StartOp,    // GET_STATUS to check the SMIC is ready
        OpOk,       // expect READY, send WR_START with the first byte
        WriteStart, // expect WR_START, send the next byte
        WriteNext,  // expect WR_NEXT, send the next byte
        WriteEnd,   // expect WR_END with error code 0
        Write2Read, // wait for RX_DATA_RDY, send RD_START
        ReadStart,  // expect RD_START, read the first byte
        ReadNext,   // expect RD_NEXT or RD_END
        ReadEnd,    // expect READY with error code 0
        Hosed,      // gave up; reported once
    };

    void writeNextByte();
    void readNextByte();
    void startErrorRecovery(const char* reason);
    void go(std::uint8_t control, std::uint8_t flags);

    RegisterIo& io_;
    State state_ = State::Idle;
    ByteTransfer transfer_{kMaxRead};
    unsigned errorRetries_ = 0;
    Microseconds timeout_ = kRetryTimeout;
    std::string lastErrorReason_;
};

} // namespace ipmi::si
