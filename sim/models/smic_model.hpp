// The BMC side of a SMIC interface: data at offset 0, control (write) /
// status (read) at offset 1, flags at offset 2. The host writes a control
// code (and a data byte), then sets BUSY in the flags register; the model
// acts on the code at once and drops BUSY (unless stalled), leaving a status
// code and, where the protocol says so, a data byte. TX_DATA_RDY is up while
// request bytes are welcome, RX_DATA_RDY while response bytes are waiting,
// SMS_ATN while the BMC wants attention.
//
// Control and status codes are the SMS stream of the IPMI 1.5 SMIC interface
// (control 0x40..0x46, status 0xC0..0xC6); errors leave READY status with an
// error code in the data register (1 aborted, 2 illegal control code,
// 5 buffer full).
#pragma once

#include "sim/models/bmc_port.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ipmi::sim {

namespace smic {
inline constexpr unsigned kDataRegister = 0;
inline constexpr unsigned kControlStatusRegister = 1;
inline constexpr unsigned kFlagsRegister = 2;

inline constexpr std::uint8_t kFlagRxDataReady = 0x80;
inline constexpr std::uint8_t kFlagTxDataReady = 0x40;
inline constexpr std::uint8_t kFlagSmi = 0x10;
inline constexpr std::uint8_t kFlagEvtAtn = 0x08;
inline constexpr std::uint8_t kFlagSmsAtn = 0x04;
inline constexpr std::uint8_t kFlagBusy = 0x01;

inline constexpr std::uint8_t kCcGetStatus = 0x40;
inline constexpr std::uint8_t kCcWrStart = 0x41;
inline constexpr std::uint8_t kCcWrNext = 0x42;
inline constexpr std::uint8_t kCcWrEnd = 0x43;
inline constexpr std::uint8_t kCcRdStart = 0x44;
inline constexpr std::uint8_t kCcRdNext = 0x45;
inline constexpr std::uint8_t kCcRdEnd = 0x46;

inline constexpr std::uint8_t kScReady = 0xC0;
inline constexpr std::uint8_t kScWrStart = 0xC1;
inline constexpr std::uint8_t kScWrNext = 0xC2;
inline constexpr std::uint8_t kScWrEnd = 0xC3;
inline constexpr std::uint8_t kScRdStart = 0xC4;
inline constexpr std::uint8_t kScRdNext = 0xC5;
inline constexpr std::uint8_t kScRdEnd = 0xC6;

inline constexpr std::uint8_t kErrorNone = 0;
inline constexpr std::uint8_t kErrorAborted = 1;
inline constexpr std::uint8_t kErrorIllegalControl = 2;
inline constexpr std::uint8_t kErrorBufferFull = 5;
} // namespace smic

class SmicBmcModel : public RegisterModel
{
  public:
    explicit SmicBmcModel(BmcPort& port, std::size_t maxRequest = 300);
    ~SmicBmcModel() override;
    SmicBmcModel(const SmicBmcModel&) = delete;
    SmicBmcModel& operator=(const SmicBmcModel&) = delete;

    [[nodiscard]] std::uint8_t read(unsigned offset) override;
    void write(unsigned offset, std::uint8_t value) override;
    [[nodiscard]] unsigned registerCount() const override { return 3; }

    // While stalled, BUSY stays set and control codes wait.
    void setStalled(bool stalled) override;
    // A BMC reset in the middle of a transfer (a control code waiting, a
    // request being written or worked on, a response not read to RD_END):
    // the request and its response are lost, BUSY and the data-ready flags
    // drop and the status is READY with no error, as at power-on. A host in
    // the middle of a transfer sees READY where it expected a WR_ or RD_
    // status.
    bool resetMidTransfer() override;
    [[nodiscard]] std::size_t requestsDispatched() const { return dispatched_; }

  private:
    enum class Phase : std::uint8_t
    {
        Idle,          // READY
        Writing,       // between WR_START and WR_END
        AwaitResponse, // request with the BMC
        ResponseReady, // RX_DATA_RDY, waiting for RD_START
        Reading,       // between RD_START and RD_END
    };

    void execute();
    void fail(std::uint8_t code);
    void onResponse(Bytes response);

    BmcPort& port_;
    std::size_t maxRequest_;
    Phase phase_ = Phase::Idle;
    bool busy_ = false;
    bool stalled_ = false;
    std::uint8_t dataIn_ = 0;
    std::uint8_t dataOut_ = 0;
    std::uint8_t control_ = 0;
    std::uint8_t status_ = smic::kScReady;
    Bytes request_;
    Bytes response_;
    std::size_t responsePos_ = 0;
    PortRequest inFlight_;
    std::size_t dispatched_ = 0;
};

} // namespace ipmi::sim
