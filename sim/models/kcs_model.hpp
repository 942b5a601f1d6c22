// The BMC side of a KCS interface, register by register: the data register
// (Data_In on write, Data_Out on read) at offset 0 and the command (write) /
// status (read) register at offset 1. Each host access acts at once: a write
// is consumed (IBF drops) before write() returns, unless the model is
// stalled, which leaves IBF set like a hung controller. Requests go to a
// BmcPort; a response may come back inside the dispatch or later.
//
// Follows the IPMI 2.0 KCS state machine (write phase, read phase,
// GET_STATUS/ABORT with its status-byte handshake, error state and error
// codes) as QEMU's ipmi_kcs.c and the kernel's BMC side implement it.
#pragma once

#include "sim/models/bmc_port.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace ipmi::sim {

namespace kcs {
inline constexpr unsigned kDataRegister = 0;
inline constexpr unsigned kCommandStatusRegister = 1;

inline constexpr std::uint8_t kStatusObf = 0x01;
inline constexpr std::uint8_t kStatusIbf = 0x02;
inline constexpr std::uint8_t kStatusSmsAtn = 0x04;
inline constexpr std::uint8_t kStatusCommandData = 0x08;
inline constexpr unsigned kStateShift = 6;
inline constexpr std::uint8_t kStateIdle = 0;
inline constexpr std::uint8_t kStateRead = 1;
inline constexpr std::uint8_t kStateWrite = 2;
inline constexpr std::uint8_t kStateError = 3;

inline constexpr std::uint8_t kGetStatusAbort = 0x60;
inline constexpr std::uint8_t kWriteStart = 0x61;
inline constexpr std::uint8_t kWriteEnd = 0x62;
inline constexpr std::uint8_t kReadByte = 0x68;

inline constexpr std::uint8_t kErrorNone = 0x00;
inline constexpr std::uint8_t kErrorAborted = 0x01;
inline constexpr std::uint8_t kErrorIllegalControlCode = 0x02;
inline constexpr std::uint8_t kErrorLength = 0x06;
inline constexpr std::uint8_t kErrorUnspecified = 0xFF;
} // namespace kcs

class KcsBmcModel : public RegisterModel
{
  public:
    // `maxRequest`: the largest request (netfn..data) the BMC accepts; one
    // more byte is a length error.
    explicit KcsBmcModel(BmcPort& port, std::size_t maxRequest = 300);
    ~KcsBmcModel() override;
    KcsBmcModel(const KcsBmcModel&) = delete;
    KcsBmcModel& operator=(const KcsBmcModel&) = delete;

    [[nodiscard]] std::uint8_t read(unsigned offset) override;
    void write(unsigned offset, std::uint8_t value) override;
    [[nodiscard]] unsigned registerCount() const override { return 2; }

    // While stalled, host writes stay in the input register with IBF set;
    // releasing the stall consumes the last one written.
    void setStalled(bool stalled) override;
    // Back to idle with nothing in flight: IBF/OBF clear, no error pending.
    bool resetMidTransfer() override;
    // The error code the next GET_STATUS/ABORT will report.
    [[nodiscard]] std::uint8_t pendingErrorCode() const { return lastError_; }
    // Requests handed to the BMC so far.
    [[nodiscard]] std::size_t requestsDispatched() const { return dispatched_; }

  private:
    enum class Phase : std::uint8_t
    {
        Idle,            // waiting for WRITE_START
        Write,           // taking request bytes
        WriteLast,       // WRITE_END seen: the next data byte is the last
        AwaitResponse,   // request with the BMC, no byte for the host yet
        Read,            // response bytes handed out one per READ_BYTE
        AbortAwaitData,  // GET_STATUS/ABORT seen, waiting for the 0x00 data byte
        AbortStatusSent, // status byte in Data_Out, waiting for READ_BYTE
        Error,           // protocol error; only GET_STATUS/ABORT leaves it
    };

    void consume(bool isCommand, std::uint8_t value);
    void onCommand(std::uint8_t value);
    void onData(std::uint8_t value);
    void enterError(std::uint8_t code);
    void dispatch();
    void onResponse(Bytes response);
    void putOutput(std::uint8_t value);
    [[nodiscard]] std::uint8_t stateBits() const;

    BmcPort& port_;
    std::size_t maxRequest_;
    Phase phase_ = Phase::Idle;
    bool ibf_ = false;
    bool obf_ = false;
    bool commandLast_ = false;
    bool stalled_ = false;
    std::optional<std::pair<bool, std::uint8_t>> heldWrite_;
    std::uint8_t dataOut_ = 0;
    std::uint8_t lastError_ = kcs::kErrorNone;
    Bytes request_;
    Bytes response_;
    std::size_t responsePos_ = 0;
    PortRequest inFlight_;
    std::size_t dispatched_ = 0;
};

} // namespace ipmi::sim
