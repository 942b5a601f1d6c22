// The BMC side of SSIF: an SMBus target that turns the host's block writes
// into IPMI requests for a Responder (normally sim::Bmc) and serves the
// responses to the host's block reads (IPMI 2.0 section 12).
//
// It is step-driven: every call is one SMBus transaction as the host puts it
// on the bus, answered at once with the bytes the target drives or a NAK.
//   write 0x02 single part          read 0x03 response (or first part, marked 0x00 0x01)
//   write 0x06 multi-part start     read 0x09 next part: [block#][31 bytes], 0xFF = last
//   write 0x07 multi-part middle    read 0x0A the previous 0x09 part again
//   write 0x08 multi-part end
// Reads NAK while the response is not ready (the host retries, like EAGAIN);
// the SMBus alert line is asserted while alerts are enabled (Set BMC Global
// Enables bit 0, snooped on the way through) and the BMC has attention or an
// unread response.
#pragma once

#include "base/lifetime.hpp"
#include "sim/config.hpp"
#include "sim/smbus/responder.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

namespace ipmi::sim::smbus {

// SSIF SMBus command codes.
inline constexpr std::uint8_t kSingleWrite = 0x02;
inline constexpr std::uint8_t kRead = 0x03;
inline constexpr std::uint8_t kMultiWriteStart = 0x06;
inline constexpr std::uint8_t kMultiWriteMiddle = 0x07;
inline constexpr std::uint8_t kMultiWriteEnd = 0x08;
inline constexpr std::uint8_t kMultiReadMiddle = 0x09;
inline constexpr std::uint8_t kMultiReadRetry = 0x0A;
inline constexpr std::size_t kBlockMax = 32;
inline constexpr std::uint8_t kLastReadBlock = 0xFF;

struct TargetConfig
{
    std::uint8_t address = 0x10; // 7-bit SMBus address (PEC covers it)
    SsifCapabilities capabilities;
    // Which multi-part write end markers this BMC understands. The spec's
    // table says 0x08; some BMCs only take a 0-length 0x07 (which violates
    // SMBus) or only a short 0x07. A short (1..31 byte) 0x07 always ends.
    bool acceptsEndCommand = true;
    bool acceptsEmptyMiddle = true;
};

// What the target drives on a block read: the data bytes after the count
// and the PEC byte the host may clock out after them (0xFF, the idle bus,
// when the target does not support PEC).
struct ReadBlock
{
    Bytes data;
    std::uint8_t pec = 0xFF;
};

class SsifTarget
{
  public:
    SsifTarget(Responder& responder, TargetConfig config);
    ~SsifTarget();
    SsifTarget(const SsifTarget&) = delete;
    SsifTarget& operator=(const SsifTarget&) = delete;

    // One block write. `pec` is the PEC byte if the host sent one. Returns
    // false for a NAK (bad command, out of sequence, too long, PEC mismatch).
    [[nodiscard]] bool blockWrite(std::uint8_t command, std::span<const std::uint8_t> data,
                                  std::optional<std::uint8_t> pec);
    // One block read; nullopt is a NAK (nothing ready, out of sequence).
    [[nodiscard]] std::optional<ReadBlock> blockRead(std::uint8_t command);

    [[nodiscard]] bool alert() const;
    // Called when alert() may have changed.
    void setAlertListener(std::function<void()> onChange);

    // Test hook: NAK the next `count` transactions of any kind (a busy bus or
    // BMC), without changing the target's state.
    void injectNaks(unsigned count) { injectedNaks_ = count; }
    // A BMC held busy (FaultInjector::busyUntil): while set, every
    // transaction NAKs and nothing changes, as a BMC too busy to answer
    // its address does.
    void setBusy(bool busy) { busy_ = busy; }
    // A BMC reset in the middle of a transfer (a multi-part write being
    // assembled, a request with the BMC, a response not read to its end):
    // the request and its response are forgotten, and reads NAK until the
    // next request, as on a freshly reset BMC. False, and nothing done,
    // when no transfer is in progress.
    bool resetMidTransfer();

    [[nodiscard]] const TargetConfig& config() const { return config_; }
    [[nodiscard]] std::size_t maxRequest() const;
    [[nodiscard]] std::size_t maxResponse() const;

  private:
    enum class State : std::uint8_t
    {
        Idle,      // no request; reads NAK (or re-serve the last response)
        Receiving, // a multi-part write is being assembled
        Working,   // the request is with the BMC; reads NAK
        Ready,     // a response waits to be read
    };

    void dispatch();
    void onResponse(Bytes response);
    void snoopEnables(const Bytes& request, const Bytes& response);
    [[nodiscard]] ReadBlock sign(std::uint8_t command, Bytes data);
    void updateAlert();
    // A NAK for this transaction: held busy, or an injected one.
    [[nodiscard]] bool refused();

    Responder& responder_;
    TargetConfig config_;
    State state_ = State::Idle;
    Bytes request_;
    Bytes response_;
    std::size_t readPos_ = 0;           // next response byte a 0x09 read serves
    unsigned nextBlock_ = 0;            // block number of the next 0x09 part
    bool readStarted_ = false;          // a 0x03 read has been served for response_
    bool lastServed_ = false;           // the 0xFF part has been served
    std::optional<ReadBlock> lastPart_; // for 0x0A
    bool alertsEnabled_ = false;
    bool alertLevel_ = false;
    unsigned injectedNaks_ = 0;
    bool busy_ = false;
    std::function<void()> alertListener_;
    // Renewed by each request, ended when a new start abandons it, and gone
    // with the target: only the answer to the request pending now arrives.
    base::Lifetime pending_;
    base::Lifetime lifetime_;
};

} // namespace ipmi::sim::smbus
