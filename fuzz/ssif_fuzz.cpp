// libFuzzer target: SSIF (ssif/) as the daemon runs it, SsifInterface over
// Transfer over SmbusRunner on a FakeEventLoop, against an SMBus whose every
// answer comes from the input: each call takes an outcome byte (a NAK or
// another bus error, or success) and a read takes its block (0 to 32 bytes)
// too. That covers the capability probe, the multi-part write end-marker
// test, single and multi-part writes and reads, PEC, alerts, flags, messages
// and events. Once the input is used up the bus keeps answering the same
// way for ever (header byte `stuck`): always NAK, always another error,
// always an empty block, or the last block again.
//
// Input: [options][stuck][requests...][shutdown at callback] then the bus
// bytes (the header's integers come from the end, see input_provider.hpp).
//
// Checks (a failed check aborts, so libFuzzer keeps the input):
// - every request the host sends gets exactly one response, 3 to
//   kMaxResponse bytes, and an answer the interface made up (0xFF) names
//   the request's netfn and cmd; a shutdown answers whatever was waiting;
// - the driver keeps the seam's contract: block writes of at most 32 bytes;
// - once the bus answers the same for ever, each transaction ends within
//   the kernel's budgets (reads 15 s, writes resent for 300 ms), and the
//   driver never calls the bus without end while no time passes.
#include "core/testing/fake_event_loop.hpp"
#include "fuzz/interface_harness.hpp"
#include "ssif/ssif_interface.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace ipmi;
using core::SmiBytes;

using fuzz::check;

// What the bus keeps answering once the input is used up.
enum class Stuck : std::uint8_t
{
    Nak,
    BusError,
    EmptyBlock,
    LastBlock,
};

// Errors a real adapter gives: ENXIO (NAK on most), EAGAIN (NAK from the
// simulation, arbitration lost), EBADMSG (bad PEC), EIO, ETIMEDOUT, EPROTO.
constexpr std::array<int, 6> kBusErrors = {ENXIO, EAGAIN, EBADMSG, EIO, ETIMEDOUT, EPROTO};

// Bus calls that may pass without the clock moving once the bus is stuck:
// a whole multi-part read (up to 255 parts) twice over, never a loop.
constexpr unsigned kMaxCallsAtOneInstant = 1024;

// One transaction on a stuck bus: the write budget, the read budget, the
// longest gaps around them, and slack.
constexpr core::Clock::duration kStuckTransactionBound =
    ssif::TransferTiming{}.writeBudget + ssif::TransferTiming{}.readBudget + 4 * ssif::TransferTiming{}.maxWriteGap +
    std::chrono::seconds(1);

class FuzzedSmbus : public ssif::Smbus
{
  public:
    FuzzedSmbus(std::span<const std::uint8_t> bytes, Stuck stuck, bool alerts, const core::EventLoop& loop)
        : bytes_(bytes), stuck_(stuck), alerts_(alerts), loop_(loop)
    {
    }

    [[nodiscard]] int writeBlock(std::uint8_t command, std::span<const std::uint8_t> data) override
    {
        check(data.size() <= ssif::kSmbusBlockMax, "a block write longer than SMBus allows");
        if (command == ssif::kCmdSingleWrite || command == ssif::kCmdMultiWriteStart) {
            transactionStart_ = loop_.now();
        }
        watch();
        return outcome();
    }

    [[nodiscard]] int readBlock(std::uint8_t /*command*/, ssif::Bytes& out) override
    {
        watch();
        if (exhausted()) {
            stuckSince_ = stuckSince_.value_or(loop_.now());
            switch (stuck_) {
            case Stuck::Nak:
                return EAGAIN;
            case Stuck::BusError:
                return EIO;
            case Stuck::EmptyBlock:
                out.clear();
                return 0;
            case Stuck::LastBlock:
                out = lastBlock_;
                return 0;
            }
        }
        if (const int error = outcome(); error != 0) {
            return error;
        }
        const std::size_t length = take() % (ssif::kSmbusBlockMax + 1);
        out.clear();
        while (out.size() < length && !exhausted()) {
            out.push_back(take());
        }
        lastBlock_ = out;
        raiseAlertIfAsked();
        return 0;
    }

    [[nodiscard]] int setPec(bool /*enabled*/) override
    {
        watch();
        return outcome();
    }

    [[nodiscard]] bool blocking() const override { return false; }
    [[nodiscard]] bool supportsAlerts() const override { return alerts_; }
    void setAlertHandler(std::function<void()> onAlert) override { onAlert_ = std::move(onAlert); }
    [[nodiscard]] bool alertAsserted() const override { return alertLine_; }
    [[nodiscard]] std::string describe() const override { return "fuzzed smbus"; }

  private:
    [[nodiscard]] bool exhausted() const { return next_ >= bytes_.size(); }
    std::uint8_t take() { return exhausted() ? 0 : bytes_[next_++]; }

    // 0 or an errno: one byte in eight is a bus error.
    int outcome()
    {
        if (exhausted()) {
            stuckSince_ = stuckSince_.value_or(loop_.now());
            return stuck_ == Stuck::Nak ? EAGAIN : stuck_ == Stuck::BusError ? EIO : 0;
        }
        const std::uint8_t byte = take();
        alertLine_ = (byte & 0x40) != 0;
        return (byte & 0x07) == 0 ? kBusErrors[(byte >> 3) % kBusErrors.size()] : 0;
    }

    // The alert may come at any time; after a read is as good as any and
    // is where a BMC raises it (a new message, an event).
    void raiseAlertIfAsked()
    {
        if (alerts_ && alertLine_ && onAlert_) {
            onAlert_();
        }
    }

    void watch()
    {
        const auto now = loop_.now();
        if (now != lastCallAt_) {
            lastCallAt_ = now;
            callsAtInstant_ = 0;
        }
        if (!stuckSince_) {
            return;
        }
        check(++callsAtInstant_ <= kMaxCallsAtOneInstant, "the driver calls a stuck bus without end");
        check(now - std::max(*stuckSince_, transactionStart_) <= kStuckTransactionBound,
              "a transaction outlives the read and write budgets on a stuck bus");
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t next_ = 0;
    Stuck stuck_;
    bool alerts_;
    const core::EventLoop& loop_;
    std::function<void()> onAlert_;
    bool alertLine_ = false;
    ssif::Bytes lastBlock_;
    std::optional<core::Clock::time_point> stuckSince_;
    core::Clock::time_point transactionStart_{};
    core::Clock::time_point lastCallAt_{};
    unsigned callsAtInstant_ = 0;
};

// Timer runs one input may cost before the host shuts the interface down.
constexpr unsigned kTimerRunBudget = 200'000;

void checkAnswer(const SmiBytes& request, const SmiBytes& response)
{
    // Two bytes is a BMC's answer without a completion code, passed up as
    // the kernel's driver does; fewer never leave the driver.
    check(response.size() >= 2 && response.size() <= ssif::kMaxResponse,
          "a response of impossible length reaches the host");
    if (response.size() == 3 && response[2] == 0xFF && (response[0] & 0x04) != 0 && response[1] == request[1]) {
        return; // made up here, or a BMC's own 0xFF for it: either names the request
    }
    // The BMC's own answer: SSIF leaves matching it to the message handler
    // (responsesVetted is false), so only its length is ours to check.
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::silenceLogs();
    fuzz::InputProvider input(data, size);
    const auto options = input.integral<std::uint8_t>();
    const auto stuck = static_cast<Stuck>(input.integral<std::uint8_t>() % 4);
    std::vector<SmiBytes> requests(input.integralInRange<std::size_t>(1, 4));
    for (auto& request : requests) {
        request = fuzz::makeRequest(input, ssif::kMaxResponse + 8);
    }
    const auto shutdownAtCallback = input.integral<std::uint8_t>(); // 0: never
    const std::vector<std::uint8_t> busBytes = input.rest();

    core::testing::FakeEventLoop loop;
    fuzz::Host host(shutdownAtCallback);
    ssif::SsifInterfaceConfig config;
    config.alertsBroken = (options & 0x02) != 0;
    auto bus = std::make_unique<FuzzedSmbus>(busBytes, stuck, (options & 0x01) != 0, loop);
    ssif::SsifInterface ssif(loop, std::move(bus), config);
    host.attach(ssif);

    ssif.start(host);
    if ((options & 0x04) != 0) {
        ssif.setNeedWatch(core::kWatchCheckMessages | core::kWatchCheckWatchdog); // flag polls or alerts
    }
    for (const auto& request : requests) {
        ssif.send(request);
    }
    if ((options & 0x08) != 0) {
        ssif.requestEvents();
    }

    // The requests are answered within what the bus bytes can buy (each at
    // most the longest gap) plus every transaction the interface may run
    // on a stuck bus (probe, flags, messages, events, the host's).
    const auto deadline = loop.now() +
                          static_cast<std::int64_t>(busBytes.size() + 1) * ssif::TransferTiming{}.maxWriteGap +
                          (64 + static_cast<std::int64_t>(requests.size())) * kStuckTransactionBound;
    fuzz::runUntilAnswered(loop, host, requests.size(), {.deadline = deadline, .timerRuns = kTimerRunBudget});
    ssif.shutdown();
    fuzz::checkAllAnsweredOnce(loop, host, requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        checkAnswer(requests[i], host.responses[i]);
    }
    for (const auto& message : host.received) {
        check(message.size() >= 3 && message.size() <= ssif::kMaxResponse,
              "a received message of impossible length reaches the host");
    }
    return 0;
}
