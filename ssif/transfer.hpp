// One SSIF transaction on the bus: the request written as a single part or
// as start/middle/end parts, then the response read (single block, or the
// 0x00 0x01 multi-part marker followed by numbered 0x09 parts up to 0xFF),
// with the retries the kernel's ipmi_ssif makes, expressed as time budgets.
//
// Timing departs from the kernel on purpose. ipmi_ssif reads 5 ms after the
// write and then every 60 ms; a BMC that answers in 0.1 ms still costs 5 ms
// per command. Here the first read waits for a learned delay
// (core::ResponseTime): zero while the BMC answers the first read (so a BMC
// that answers at once is read at once), and otherwise the time of the last
// refused read, approached by at most one doubling per transaction, so one
// slow command (a Set Watchdog, a SEL clear) cannot slow down the fast ones
// after it; an answered first read halves the delay again. While the delay is zero the first read goes to the
// worker together with the last write part (one hand-off, not two). Every
// NAK doubles the gap before the next read, from minPollGap up to
// maxPollGap, so a slow or dead BMC sees at most one read per maxPollGap and
// an idle interface does nothing at all. The budgets
// equal the kernel's: reads for 15 s (250 x 60 ms), writes resent for
// 300 ms (5 x 60 ms) and at least 5 times.
#pragma once

#include "core/event_loop.hpp"
#include "core/response_time.hpp"
#include "ssif/smbus_runner.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace ipmi::ssif {

// SSIF SMBus command codes (IPMI 2.0 table 12-).
inline constexpr std::uint8_t kCmdSingleWrite = 0x02;
inline constexpr std::uint8_t kCmdRead = 0x03;
inline constexpr std::uint8_t kCmdMultiWriteStart = 0x06;
inline constexpr std::uint8_t kCmdMultiWriteMiddle = 0x07;
inline constexpr std::uint8_t kCmdMultiWriteEnd = 0x08;
inline constexpr std::uint8_t kCmdMultiReadMiddle = 0x09;
// The largest response the kernel assembles (IPMI_MAX_MSG_LENGTH).
inline constexpr std::size_t kMaxResponse = 272;

struct WritePart
{
    std::uint8_t command = kCmdSingleWrite;
    Bytes data;
    bool operator==(const WritePart&) const = default;
};

// How the kernel cuts a request into SMBus writes: one 0x02 block up to 32
// bytes; otherwise a 32-byte 0x06 start, 32-byte 0x07 middles, and an end
// that is 0x08 when `cmd8Works`, else the first 0x07 shorter than 32 bytes
// (0 bytes when the request is a multiple of 32).
// Into `parts`, reusing its elements and their buffers: a transaction's
// request costs no allocation once the parts have held one as long.
void splitRequest(std::span<const std::uint8_t> request, bool cmd8Works, std::vector<WritePart>& parts);
[[nodiscard]] std::vector<WritePart> splitRequest(std::span<const std::uint8_t> request, bool cmd8Works);

struct TransferTiming
{
    core::Clock::duration readBudget = std::chrono::milliseconds(15000);
    core::Clock::duration writeBudget = std::chrono::milliseconds(300);
    unsigned minWriteRetries = 5;
    core::Clock::duration minPollGap = std::chrono::microseconds(50);
    core::Clock::duration maxPollGap = std::chrono::milliseconds(20);
    core::Clock::duration maxWriteGap = std::chrono::milliseconds(60);
};

// Where one transaction's time went (for the dbg timing log and the
// benchmark): loop-clock durations from start(), and the time spent inside
// the SMBus calls themselves (real clock, measured around them). When the
// first read rides with the last write (no learned delay), its time counts
// as writing.
struct TransferTrace
{
    core::Clock::duration writing{};        // start() -> the last part written
    core::Clock::duration firstReadDelay{}; // the wait chosen before the first read
    core::Clock::duration reading{};        // the last part written -> the response
    std::chrono::nanoseconds busTime{};     // inside Smbus::writeBlock/readBlock
    unsigned writes = 0;                    // write operations, resends included
    unsigned reads = 0;                     // read operations, refused ones included
    unsigned naks = 0;                      // refused reads
};

struct TransferResult
{
    int error = 0;                      // 0, or an errno: the last bus error, EIO malformed, E2BIG too long
    Bytes response;                     // the assembled response when error == 0
    std::optional<std::string> problem; // why it failed (exactly when error != 0), for the log
    // Index of the write part that finally failed; unset when the writes
    // went through (the read failed, or nothing failed).
    std::optional<std::size_t> failedPart;
    TransferTrace trace;
};

class Transfer
{
  public:
    using Done = std::function<void(TransferResult)>;

    Transfer(core::EventLoop& loop, SmbusRunner& bus, TransferTiming timing = {});
    ~Transfer();
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    // Writes `parts` (resending all of them after a failed part while the
    // write budget lasts, if `retryWrites`), then reads the response.
    // `done` runs once, on the loop thread, never from inside start().
    void start(std::vector<WritePart> parts, bool retryWrites, Done done);
    // The same for `request`, cut into parts as the kernel does (splitRequest).
    void start(std::span<const std::uint8_t> request, bool cmd8Works, bool retryWrites, Done done);
    // The BMC raised its alert: read now instead of at the next poll.
    void alert();
    // Abandons the transaction; `done` will not run.
    void cancel();
    [[nodiscard]] bool busy() const { return phase_ != Phase::Idle; }

    struct Counters
    {
        unsigned writeRetries = 0;
        unsigned readRetries = 0;
        unsigned parts = 0;
    };
    [[nodiscard]] const Counters& counters() const { return counters_; }
    // The wait before the next transaction's first read (see above).
    [[nodiscard]] core::Clock::duration firstReadDelay() const { return readDelay_.expected(); }

  private:
    enum class Phase : std::uint8_t
    {
        Idle,
        Writing, // a write part is on the bus
        Waiting, // between reads (timer armed)
        Reading, // a 0x03 or 0x09 read is on the bus
    };

    void begin(bool retryWrites, Done done);
    void writePart();
    void onWritten(std::uint64_t generation, int error);
    void onWrittenAndRead(std::uint64_t generation, int writeError, int readError, Bytes data);
    void markWritten();
    void beginReading();
    void scheduleRead(core::Clock::duration delay);
    void readFirst();
    void onRead(std::uint64_t generation, int error, Bytes data);
    void readNotReady(int error, std::string problem);
    void learnDelay();
    void readBus(std::uint8_t command);
    void finish(TransferResult result);

    core::EventLoop& loop_;
    SmbusRunner& bus_;
    TransferTiming timing_;
    std::unique_ptr<core::Timer> timer_;
    Phase phase_ = Phase::Idle;
    std::uint64_t generation_ = 0;
    Done done_;

    std::vector<WritePart> parts_;
    std::size_t partIndex_ = 0;
    bool retryWrites_ = true;
    unsigned writeAttempts_ = 0;
    core::Clock::time_point writeStart_;
    core::Clock::duration writeGap_{};

    core::Clock::time_point readStart_;
    core::Clock::duration pollGap_{};
    bool alerted_ = false;
    bool multiPart_ = false;
    unsigned nextBlock_ = 0;
    Bytes assembled_;
    core::ResponseTime readDelay_;       // the learned wait before the first read
    core::Clock::duration lastNakAt_{};  // last refused read, from readStart_
    core::Clock::time_point lastReadAt_; // when the read on the bus was issued
    bool refused_ = false;               // a read of this transaction was refused
    std::chrono::nanoseconds busAtStart_{};
    TransferTrace trace_;
    Counters counters_;
};

} // namespace ipmi::ssif
