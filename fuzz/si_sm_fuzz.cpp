// libFuzzer target: the KCS, SMIC and BT state machines (si/) under the SI
// policy, stepped by LoopSiTransport on a FakeEventLoop as the daemon's
// simulated backends step them, against registers whose every read is the
// next byte of the input. One target for the three, the first byte picking
// the machine: they share the harness and its checks, a register sequence
// found for one is tried on the others, and CI spends one budget, not three.
//
// Input: the register bytes, then (integers come from the end, see
// input_provider.hpp) kind, options, the stuck values, the stride ceiling
// (StuckTimeJumps), the requests, shutdown. Once the register bytes are used
// up each register reads its own stuck value for ever: the stuck status
// register (and a data register that keeps offering the same byte) the
// kernel's bounds are about.
//
// Checks (a failed check aborts, so libFuzzer keeps the input):
// - every request the host sends gets exactly one response, in order, with
//   its netfn (response bit set) and cmd, 3 to IPMI_MAX_MSG_LENGTH bytes;
//   a shutdown answers whatever was still waiting;
// - what a machine hands up (result()) is 3 to IPMI_MAX_MSG_LENGTH bytes;
// - once the registers are stuck, a transaction ends within the machine's
//   own bounds (its retries times its timeouts), and the machine never
//   steps without end while no time passes.
#include "abi/ipmi_msgdefs.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "fuzz/interface_harness.hpp"
#include "si/bt_sm.hpp"
#include "si/kcs_sm.hpp"
#include "si/si_transport.hpp"
#include "si/smi_policy.hpp"
#include "si/smic_sm.hpp"
#include "si/state_machines.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace ipmi;
using core::SmiBytes;
using si::Microseconds;
using si::SmResult;

using fuzz::check;

// The three machines use registers 0 to 2.
using StuckValues = std::array<std::uint8_t, 3>;

// Every read is the next input byte, then the register's stuck value for
// ever; writes go nowhere (the input already decides what the BMC answers).
class FuzzedRegisters : public si::RegisterIo
{
  public:
    FuzzedRegisters(std::span<const std::uint8_t> bytes, StuckValues stuck, const core::EventLoop& loop)
        : bytes_(bytes), stuck_(stuck), loop_(loop)
    {
    }
    [[nodiscard]] std::uint8_t read(unsigned index) override
    {
        if (next_ < bytes_.size()) {
            return bytes_[next_++];
        }
        if (!stuckSince_) {
            stuckSince_ = loop_.now();
        }
        return stuck_[index % stuck_.size()];
    }
    void write(unsigned /*index*/, std::uint8_t /*value*/) override {}
    [[nodiscard]] std::string describe() const override { return "fuzzed registers"; }
    [[nodiscard]] const std::optional<core::Clock::time_point>& stuckSince() const { return stuckSince_; }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t next_ = 0;
    StuckValues stuck_;
    const core::EventLoop& loop_;
    std::optional<core::Clock::time_point> stuckSince_;
};

// Steps that may pass without the clock moving, once the registers are
// stuck: a whole response byte by byte with room to spare, never a loop.
constexpr unsigned kMaxStepsAtOneInstant = 4 * abi::IPMI_MAX_MSG_LENGTH + 64;

// How long a transaction may last on stuck registers: every retry the
// machine allows, each waiting out every timeout it has, plus slack for the
// transport's poll delay.
core::Clock::duration stuckBound(const si::StateMachine& sm, core::Clock::duration pollDelay)
{
    const core::Clock::duration slack = std::chrono::seconds(1) + 8 * pollDelay;
    if (const auto* bt = dynamic_cast<const si::BtStateMachine*>(&sm)) {
        return (bt->retryLimit() + 2) * (bt->requestTimeout() + si::BtStateMachine::kResetDelay + slack);
    }
    if (dynamic_cast<const si::SmicStateMachine*>(&sm) != nullptr) {
        return (si::SmicStateMachine::kMaxErrorRetries + 2) * (si::SmicStateMachine::kRetryTimeout + slack);
    }
    using Kcs = si::KcsStateMachine;
    return (Kcs::kMaxErrorRetries + 2) * (2 * Kcs::kIbfTimeout + Kcs::kObfTimeout + Kcs::kError0ObfWait + slack);
}

// The machine as the transport sees it, with the checks around it.
class WatchedMachine : public si::StateMachine
{
  public:
    WatchedMachine(std::unique_ptr<si::StateMachine> inner, const FuzzedRegisters& registers,
                   const core::EventLoop& loop, core::Clock::duration pollDelay)
        : inner_(std::move(inner)), registers_(registers), loop_(loop), pollDelay_(pollDelay)
    {
    }

    [[nodiscard]] std::uint8_t start(std::span<const std::uint8_t> request) override
    {
        const std::uint8_t cc = inner_->start(request);
        spdlog::debug("start {:02x}/{:02x}: {:#04x}", request[0], request[1], cc);
        if (cc == 0) {
            active_ = true;
            startedAt_ = loop_.now();
        }
        return cc;
    }

    SmResult event(Microseconds elapsed) override
    {
        const SmResult result = inner_->event(elapsed);
        const auto now = loop_.now();
        spdlog::debug("event after {} us: {}", elapsed.count(), si::toString(result));
        if (now != lastEventAt_) {
            lastEventAt_ = now;
            stepsAtInstant_ = 0;
        }
        const auto& stuckSince = registers_.stuckSince();
        if (stuckSince) {
            check(++stepsAtInstant_ <= kMaxStepsAtOneInstant, "the machine steps on stuck registers without end");
            if (active_) {
                const auto from = std::max(*stuckSince, startedAt_);
                check(now - from <= stuckBound(*inner_, pollDelay_),
                      "a transaction outlives its retries and timeouts on stuck registers");
            }
        }
        if (result == SmResult::TransactionComplete || result == SmResult::Hosed) {
            active_ = false;
        }
        return result;
    }

    [[nodiscard]] SmiBytes result() override
    {
        SmiBytes response = inner_->result();
        check(response.size() >= 3 && response.size() <= abi::IPMI_MAX_MSG_LENGTH,
              "the machine hands up a result of impossible length");
        return response;
    }

    [[nodiscard]] bool detect() override { return inner_->detect(); }
    [[nodiscard]] const char* name() const override { return inner_->name(); }
    [[nodiscard]] bool awaitingResponse() const override { return inner_->awaitingResponse(); }

  private:
    std::unique_ptr<si::StateMachine> inner_;
    const FuzzedRegisters& registers_;
    const core::EventLoop& loop_;
    core::Clock::duration pollDelay_;
    bool active_ = false;
    core::Clock::time_point startedAt_{};
    core::Clock::time_point lastEventAt_{};
    unsigned stepsAtInstant_ = 0;
};

// Once the registers are stuck nothing the machine reads can change: only
// its own timeouts end a wait, and stepping to them through the pacer's
// polls (on the loop at most a tick apart) costs a timer run per simulated
// millisecond, hundreds of thousands an input. So from then on each timer
// runs late, as on a loaded machine, by a stride that doubles from a tick up
// to a ceiling the input picks. The machines count the time that passed, not
// their calls, so a timeout still falls due, at most one stride late.
class StuckTimeJumps
{
  public:
    StuckTimeJumps(const FuzzedRegisters& registers, const core::EventLoop& loop, core::Clock::duration ceiling)
        : registers_(registers), loop_(loop), ceiling_(ceiling)
    {
    }
    [[nodiscard]] core::Clock::time_point nextTimerNotBefore()
    {
        if (!registers_.stuckSince()) {
            return loop_.now();
        }
        stride_ = std::clamp<core::Clock::duration>(2 * stride_, si::kTick, ceiling_);
        return loop_.now() + stride_;
    }

  private:
    const FuzzedRegisters& registers_;
    const core::EventLoop& loop_;
    core::Clock::duration ceiling_;
    core::Clock::duration stride_{};
};

constexpr std::array<si::SiType, 3> kKinds = {si::SiType::Kcs, si::SiType::Smic, si::SiType::Bt};
// The stride ceilings on stuck registers: the coarser, the fewer timer runs
// a wait costs and the later a timeout is seen.
constexpr std::array<std::chrono::milliseconds, 4> kStrideCeilings = {
    std::chrono::milliseconds(500), std::chrono::seconds(1), std::chrono::seconds(2), std::chrono::seconds(5)};
// Simulated time an input may run on stuck registers before the host shuts
// the interface down: every transaction the policy runs when each of them
// gives up (a KCS one takes about three minutes), while a BT BMC may ask for 255
// retries of 255 s. The stride bounds the timer runs this costs.
constexpr core::Clock::duration kStuckTimeBudget = std::chrono::hours(2);

void checkAnswer(const SmiBytes& request, const SmiBytes& response)
{
    check(response.size() >= 3 && response.size() <= abi::IPMI_MAX_MSG_LENGTH,
          "a response of impossible length reaches the host");
    check((response[0] >> 2) == ((request[0] >> 2) | 1) && response[1] == request[1],
          "a response reaches the host for another request");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::silenceLogs();
    fuzz::InputProvider input(data, size);
    const si::SiType kind = kKinds[input.integral<std::uint8_t>() % kKinds.size()];
    const auto options = input.integral<std::uint8_t>();
    StuckValues stuck{};
    for (auto& value : stuck) {
        value = input.integral<std::uint8_t>();
    }
    // This byte chose a fixed poll delay before the transport paced its own
    // polls; polls on stuck registers are as coarse. Before that the pacer
    // never waits longer than what it may learn between two looks.
    const core::Clock::duration strideCeiling =
        kStrideCeilings[input.integral<std::uint8_t>() % kStrideCeilings.size()];
    const core::Clock::duration pollDelay = std::max<core::Clock::duration>(si::kLearnCeiling, strideCeiling);
    std::vector<SmiBytes> requests(input.integralInRange<std::size_t>(1, 4));
    for (auto& request : requests) {
        request = fuzz::makeRequest(input, abi::IPMI_MAX_MSG_LENGTH + 8);
    }
    const auto shutdownAtCallback = input.integral<std::uint8_t>(); // 0: never
    const std::vector<std::uint8_t> registerBytes = input.rest();

    core::testing::FakeEventLoop loop;
    fuzz::Host host(shutdownAtCallback);
    auto registers = std::make_unique<FuzzedRegisters>(registerBytes, stuck, loop);
    const FuzzedRegisters& registerView = *registers;
    auto machine =
        std::make_unique<WatchedMachine>(si::makeStateMachine(kind, *registers), registerView, loop, pollDelay);
    core::InterfaceInfo info;
    info.type = si::toString(kind);
    const bool reportsAttention = (options & 0x01) != 0;
    // No interrupt wired (the sim's no-irq): while a watch is needed, the
    // transport's 10-ms watch steps the idle machine too.
    const bool interruptWired = (options & 0x08) == 0;
    auto transport =
        std::make_unique<si::LoopSiTransport>(loop, std::move(registers), std::move(machine), info, reportsAttention,
                                              [interruptWired] { return interruptWired; });
    si::SmiPolicy policy(loop, std::move(transport));
    host.attach(policy);

    policy.start(host);
    if ((options & 0x02) != 0) {
        policy.setNeedWatch(core::kWatchCheckMessages | core::kWatchCheckWatchdog); // flag polls
    }
    for (const auto& request : requests) {
        policy.send(request);
    }
    if ((options & 0x04) != 0) {
        policy.requestEvents();
    }

    // However the registers behave, the requests are answered within the
    // time the register bytes can buy plus every transaction the policy may
    // run on stuck registers (start-up, flags, messages, events, the host's).
    const auto deadline =
        loop.now() + static_cast<std::int64_t>(registerBytes.size() + 1) * pollDelay +
        (64 + static_cast<std::int64_t>(requests.size())) * (std::chrono::hours(1) + 1000 * pollDelay);
    const auto stopAt = loop.now() + static_cast<std::int64_t>(registerBytes.size() + 1) * pollDelay + kStuckTimeBudget;
    StuckTimeJumps jumps(registerView, loop, strideCeiling);
    fuzz::runUntilAnswered(loop, host, requests.size(), {.deadline = deadline, .stopAt = stopAt},
                           [&jumps] { return jumps.nextTimerNotBefore(); });
    policy.shutdown();
    fuzz::checkAllAnsweredOnce(loop, host, requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        checkAnswer(requests[i], host.responses[i]);
    }
    for (const auto& message : host.received) {
        check(message.size() >= 3 && message.size() <= abi::IPMI_MAX_MSG_LENGTH,
              "a received message of impossible length reaches the host");
    }
    return 0;
}
