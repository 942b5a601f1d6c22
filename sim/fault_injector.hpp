// Fault injection for the simulated BMC, so other rooms' tests can provoke the
// timeouts, retries and recovery paths real hardware only shows on a bad day:
// delayed responses (a fixed time per command plus a time per byte moved,
// request and response, as a BMC that takes its time does), dropped
// responses, a chosen completion code for chosen commands, a BMC that stops
// answering for a while, corrupted bytes on the interface wire (the register
// models pass each byte through Bmc::interfaceByte()), responses of the wrong
// length (cut short or padded), a status register held busy for a while, and
// a BMC that resets in the middle of a transfer (the last two are for whoever
// drives an interface model: RegisterModel::setStalled and resetMidTransfer,
// SsifTarget::setBusy and resetMidTransfer), and a KCS/BT/SMIC interface
// with no interrupt wired (for the same owner: the host sees a response or
// the attention bit only when it looks at the status register, as behind
// many real KCS interfaces; SSIF's alert is not affected). The Bmc consults
// it for every request; tests and the daemon change it at run time through
// Bmc::faults().
// Not thread-safe: call it from the thread that drives the Bmc.
#pragma once

#include "sim/config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ipmi::sim {

using SteadyTime = std::chrono::steady_clock::time_point;

class FaultInjector
{
  public:
    // What happens to one request.
    struct Decision
    {
        bool unanswered = false;                    // silent BMC: not executed, never answered
        bool dropResponse = false;                  // executed, the response discarded
        std::optional<std::uint8_t> completionCode; // answered with only this code, not executed
        std::chrono::microseconds delay{0};         // response held back this long (per command)
        int lengthDelta = 0;                        // bytes cut from (< 0) or added to (> 0) the response
    };

    struct Counters
    {
        unsigned unanswered = 0;
        unsigned dropped = 0;
        unsigned delayed = 0;
        unsigned forcedCompletionCodes = 0;
        unsigned corruptedBytes = 0;
        unsigned wrongLengths = 0;
        unsigned busyEpisodes = 0;
        unsigned transferResets = 0;
    };

    // The faults in force now, as `ipmi-cuse control fault list` shows them.
    struct Active
    {
        std::chrono::microseconds responseDelay{0};
        std::chrono::microseconds byteDelay{0};
        unsigned dropNext = 0;
        unsigned dropEveryNth = 0;                        // 0 = off
        std::vector<CompletionCodeFault> completionCodes; // count: applications left (0 = until cleared)
        std::optional<SteadyTime> silentUntil;            // only while silent
        unsigned corruptEveryNth = 0;                     // 0 = off
        std::uint8_t corruptXor = 0xFF;
        unsigned corruptRemaining = 0;       // 0 = until cleared
        int lengthDelta = 0;                 // 0 = off
        unsigned lengthRemaining = 0;        // 0 = until cleared
        std::optional<SteadyTime> busyUntil; // only while busy
        bool transferResetPending = false;
        bool noIrq = false;
    };

    FaultInjector(const FaultConfig& initial, SteadyTime start);

    // `now`: when the question is asked (busy is judged against it).
    [[nodiscard]] Active active(SteadyTime now) const;

    void setResponseDelay(std::chrono::microseconds delay);
    [[nodiscard]] std::chrono::microseconds responseDelay() const { return responseDelay_; }
    // Added to a response's delay for every byte of the request and of the
    // response: what a BMC that moves each byte through firmware costs.
    void setByteDelay(std::chrono::microseconds perByte);
    [[nodiscard]] std::chrono::microseconds byteDelay() const { return byteDelay_; }
    // The whole hold-back of an answered request: the per-command delay
    // decided for it plus the per-byte delay for its bytes.
    [[nodiscard]] std::chrono::microseconds holdBack(const Decision& decision, std::size_t requestBytes,
                                                     std::size_t responseBytes) const;
    void dropNextResponses(unsigned count);
    void dropEveryNth(unsigned n); // 0 turns it off
    void addCompletionCode(const CompletionCodeFault& fault);
    void clearCompletionCodes();
    // Requests that arrive before `now + duration` are never answered.
    void silenceFor(std::chrono::milliseconds duration);
    void silenceUntil(SteadyTime until);
    [[nodiscard]] bool silent() const;
    void clearSilence();
    // XORs every `everyNth` interface byte with `xorMask`, `count` times
    // (0 = until cleared); everyNth 0 turns it off.
    void corruptBytes(unsigned everyNth, std::uint8_t xorMask, unsigned count = 0);
    // The next `count` responses (0 = until cleared) lose their last -delta
    // bytes (delta < 0; at most all of them) or gain delta bytes of 0x00
    // (delta > 0), as from a BMC that miscounts what it sends; delta 0 turns
    // it off, and it is kept within +-kMaxLengthDelta. Forced completion
    // codes are answers too and change alike.
    void wrongLength(int delta, unsigned count = 0);
    // The interface's status register shows busy (KCS IBF, BT B_BUSY, SMIC
    // BUSY) until `until`: writes wait in the register, as on a hung
    // controller; an SSIF BMC NAKs every transfer meanwhile. `at` is the
    // time of the question (the interface model's owner asks on every
    // access, with its own clock).
    void busyUntil(SteadyTime until);
    [[nodiscard]] bool busyAt(SteadyTime at) const;
    void clearBusy();
    // The next transfer in progress is cut by a BMC reset: the model's owner
    // asks, and says when it happened.
    void resetNextTransfer();
    [[nodiscard]] bool transferResetPending() const { return transferResetPending_; }
    void transferResetDone();
    void cancelTransferReset() { transferResetPending_ = false; }
    // The system interface raises no interrupt while this is on.
    void setNoIrq(bool on) { noIrq_ = on; }
    [[nodiscard]] bool noIrq() const { return noIrq_; }
    // Every fault off (counters stay).
    void clear();

    // The Bmc's side.
    [[nodiscard]] Decision decide(std::uint8_t netfn, std::uint8_t cmd);
    [[nodiscard]] std::uint8_t filterByte(std::uint8_t value);
    // A response as the wrong-length fault decided for it (Decision::lengthDelta).
    static void applyLength(const Decision& decision, std::vector<std::uint8_t>& response);
    void setNow(SteadyTime now) { now_ = now; }
    [[nodiscard]] SteadyTime now() const { return now_; }
    [[nodiscard]] const Counters& counters() const { return counters_; }

  private:
    // How many more times a counted fault applies (given as a count, 0 =
    // until cleared): corrupt's bytes, length's responses.
    struct Allowance
    {
        unsigned left = 0;
        bool unlimited = false;

        void grant(unsigned count)
        {
            left = count;
            unlimited = count == 0;
        }
        [[nodiscard]] bool any() const { return unlimited || left > 0; }
        void spend()
        {
            if (!unlimited) {
                --left;
            }
        }
        // As `fault list` shows it: 0 = until cleared.
        [[nodiscard]] unsigned shown() const { return unlimited ? 0 : left; }
    };

    [[nodiscard]] bool lengthActive() const { return lengthDelta_ != 0 && lengthAllowance_.any(); }

    SteadyTime now_;
    std::chrono::microseconds responseDelay_{0};
    std::chrono::microseconds byteDelay_{0};
    unsigned dropNext_ = 0;
    unsigned dropEveryNth_ = 0;
    unsigned responsesSeen_ = 0;
    std::vector<CompletionCodeFault> completionCodes_;
    std::optional<SteadyTime> silentUntil_;
    unsigned corruptEveryNth_ = 0;
    std::uint8_t corruptXor_ = 0xFF;
    Allowance corruptAllowance_;
    unsigned bytesSeen_ = 0;
    int lengthDelta_ = 0;
    Allowance lengthAllowance_;
    std::optional<SteadyTime> busyUntil_;
    bool transferResetPending_ = false;
    bool noIrq_ = false;
    Counters counters_;
};

} // namespace ipmi::sim
