// The host side of KCS (Keyboard Controller Style), the kernel's
// ipmi_kcs_sm.c in C++: the IPMI spec's write phase, read phase and error
// recovery, one register access at a time. Two registers: data (0) and
// command/status (1).
//
// Error recovery as the kernel does it: on any unexpected state, or IBF/OBF
// not coming within 5 s, it aborts with GET_STATUS/ABORT, reads the error
// byte and the dummy byte, and restarts the request; after 10 attempts the
// interface is hosed (the caller answers 0xFF) and the next request starts
// afresh.
#pragma once

#include "si/byte_transfer.hpp"
#include "si/register_io.hpp"
#include "si/state_machine.hpp"

#include <optional>
#include <string>

namespace ipmi::si {

class KcsStateMachine : public StateMachine
{
  public:
    static constexpr std::size_t kMaxWrite = 272; // IPMI_MAX_MSG_LENGTH
    static constexpr std::size_t kMaxRead = 272;
    static constexpr unsigned kMaxErrorRetries = 10;
    static constexpr Microseconds kIbfTimeout{5'000'000};
    static constexpr Microseconds kObfTimeout{5'000'000};
    static constexpr Microseconds kError0ObfWait{2'000'000};

    explicit KcsStateMachine(RegisterIo& io);

    [[nodiscard]] std::uint8_t start(std::span<const std::uint8_t> request) override;
    SmResult event(Microseconds elapsed) override;
    [[nodiscard]] core::SmiBytes result() override;
    [[nodiscard]] bool detect() override;
    [[nodiscard]] const char* name() const override { return "kcs"; }
    // The last byte written, no byte of the answer read yet.
    [[nodiscard]] bool awaitingResponse() const override
    {
        return state_ == State::WaitRead && transfer_.nothingRead();
    }
    [[nodiscard]] std::string hosedReason() const override;

    // Why the last error recovery started (for logs and tests).
    [[nodiscard]] const std::string& lastErrorReason() const { return lastErrorReason_; }
    [[nodiscard]] unsigned errorRetries() const { return errorRetries_; }

  private:
    enum class State : std::uint8_t
    {
        Idle,           // no transaction; watch for SMS_ATN
        StartOp,        // about to write WRITE_START
        WaitWriteStart, // WRITE_START written; expect write state
        WaitWrite,      // writing bytes
        WaitWriteEnd,   // WRITE_END written; the last byte goes next
        WaitRead,       // reading the response
        Error0,         // recovery: draining OBF, then GET_STATUS/ABORT
        Error1,         // recovery: write 0x00 to data
        Error2,         // recovery: read the error byte, ask for the next
        Error3,         // recovery: read the dummy byte, restart
        Hosed,          // gave up; reported once, then back to idle
    };

    [[nodiscard]] std::uint8_t readStatus() { return io_.read(1); }
    [[nodiscard]] std::uint8_t readData() { return io_.read(0); }
    void writeCommand(std::uint8_t value) { io_.write(1, value); }
    void writeData(std::uint8_t value) { io_.write(0, value); }
    void clearObf(std::uint8_t status);
    void writeNextByte();
    void readNextByte();
    bool checkIbf(std::uint8_t status, Microseconds elapsed);
    // False, with recovery started for `reason`, unless the controller is in `wanted`.
    bool inState(std::uint8_t kcsState, std::uint8_t wanted, const char* reason);
    // The read phase, Error2 and Error3 each wait for a byte with the
    // controller in one state: nothing once it is there, else what event()
    // answers meanwhile (a wrong state or no byte in time starts recovery).
    [[nodiscard]] std::optional<SmResult> awaitByte(std::uint8_t status, std::uint8_t wanted, Microseconds elapsed,
                                                    const char* reason);
    // What event() answers once a step has run: hosed if recovery gave up.
    SmResult afterStep();
    void startErrorRecovery(const char* reason);
    void restart();

    RegisterIo& io_;
    State state_ = State::Idle;
    ByteTransfer transfer_{kMaxRead};
    std::size_t origWriteCount_ = 0;
    unsigned errorRetries_ = 0;
    Microseconds ibfTimeout_ = kIbfTimeout;
    Microseconds obfTimeout_ = kObfTimeout;
    Microseconds error0Wait_{0};
    std::string lastErrorReason_;
    std::uint8_t lastStatus_ = 0; // the status register as event() last read it
};

} // namespace ipmi::si
