// The host side of BT (block transfer), the kernel's ipmi_bt_sm.c in C++:
// whole-frame writes and reads through the buffer port, the control-bit
// handshake (H2B_ATN, B2H_ATN, H_BUSY, B_BUSY, SMS_ATN), sequence-number
// matching, and the kernel's recovery. Registers: control (0), buffer (1),
// interrupt mask (2).
//
// The first time it is idle it asks the BMC for Get BT Interface
// Capabilities and takes the request-to-response timeout and retry count
// from the answer (default 5 s, 2 retries). A timeout restarts the same
// frame until retries run out; then the caller gets 0xC3, or 0xC0 if the BMC
// is still B_BUSY (the machine then stays "long busy", refusing requests
// with 0xC0, until B_BUSY drops). Running out of retries while the sequence
// number is still tiny (during start-up) sends the BMC a warm reset and
// waits 6 s before trying again.
#pragma once

#include "si/register_io.hpp"
#include "si/state_machine.hpp"

#include <vector>

namespace ipmi::si {

class BtStateMachine : public StateMachine
{
  public:
    static constexpr std::size_t kMaxRequest = 254; // the length byte counts seq too
    static constexpr Microseconds kDefaultTimeout{5'000'000};
    static constexpr unsigned kDefaultRetries = 2;
    static constexpr Microseconds kResetDelay{6'000'000};

    explicit BtStateMachine(RegisterIo& io);

    [[nodiscard]] std::uint8_t start(std::span<const std::uint8_t> request) override;
    SmResult event(Microseconds elapsed) override;
    [[nodiscard]] core::SmiBytes result() override;
    [[nodiscard]] bool detect() override;
    [[nodiscard]] const char* name() const override { return "bt"; }
    [[nodiscard]] bool awaitingResponse() const override { return state_ == State::ReadWait; }

    // What Get BT Interface Capabilities set (or the defaults).
    [[nodiscard]] Microseconds requestTimeout() const { return capTimeout_; }
    [[nodiscard]] unsigned retryLimit() const { return capRetries_; }
    [[nodiscard]] bool capabilitiesRead() const { return capOutstanding_ != 0; }
    [[nodiscard]] unsigned resets() const { return resets_; }

  private:
    // Order matters: the kernel compares states (< WriteBytes drains stale
    // responses; < Reset1 may time out; < PrintMe counts time).
    enum class State : std::uint8_t
    {
        Idle,              // watch SMS_ATN; fetch capabilities once
        XactionStart,      // wait for !B_BUSY && !H2B_ATN
        WriteBytes,        // write the frame, set H2B_ATN
        WriteConsume,      // wait for the BMC to take it
        ReadWait,          // wait for B2H_ATN
        ClearB2h,          // acknowledge B2H_ATN
        ReadBytes,         // read the frame, check seq/netfn/cmd
        Reset1,            // recovery: clear flags, drain
        Reset2,            // recovery: send a warm reset
        Reset3,            // recovery: wait for the BMC to come back
        Restart,           // recovery: send the same frame again
        PrintMe,           // (boundary marker, never entered)
        CapabilitiesBegin, // start Get BT Interface Capabilities
        CapabilitiesEnd,   // take its answer
        LongBusy,          // B_BUSY at final timeout: refuse until it drops
    };

    [[nodiscard]] std::uint8_t status() { return io_.read(0); }
    void control(std::uint8_t bits) { io_.write(0, bits); }
    [[nodiscard]] std::uint8_t bmc2host() { return io_.read(1); }
    void host2bmc(std::uint8_t value) { io_.write(1, value); }
    std::uint8_t beginFrame(std::span<const std::uint8_t> request);
    void resetFlags();
    void drainBmc2Host();
    bool readAllBytes();
    SmResult errorRecovery(std::uint8_t status, std::uint8_t cc);
    void forceResult(std::uint8_t cc);
    void initData();

    RegisterIo& io_;
    State state_ = State::Idle;
    State complete_ = State::Idle; // where ReadBytes goes: Idle, or CapabilitiesEnd
    std::vector<std::uint8_t> write_;
    std::vector<std::uint8_t> read_;
    std::uint8_t seq_ = 0;
    bool truncated_ = false;
    std::uint8_t nonzeroStatus_ = 0;
    unsigned errorRetries_ = 0;
    bool resetTried_ = false; // this transaction has had its BMC reset
    Microseconds timeout_ = kDefaultTimeout;
    Microseconds capTimeout_ = kDefaultTimeout;
    unsigned capRetries_ = kDefaultRetries;
    unsigned capOutstanding_ = 0; // 0: capabilities not read yet
    unsigned resets_ = 0;
};

} // namespace ipmi::si
