// A watching StateMachine: see state_machine_trace.hpp.
#include "si/state_machine_trace.hpp"

#include <fmt/format.h>

#include <optional>

namespace ipmi::si {

namespace {

std::string hex(std::span<const std::uint8_t> bytes)
{
    std::string out;
    for (const auto b : bytes) {
        out += fmt::format("{}{:02x}", out.empty() ? "" : " ", b);
    }
    return out;
}

class TracedStateMachine final : public StateMachine
{
  public:
    TracedStateMachine(std::unique_ptr<StateMachine> inner, SmTrace trace)
        : inner_(std::move(inner)), trace_(std::move(trace))
    {
    }

    std::uint8_t start(std::span<const std::uint8_t> request) override
    {
        const auto cc = inner_->start(request);
        if (wants(SmTrace::kMessages)) {
            say(fmt::format("write: {}", hex(request)));
        }
        if (cc != 0 && wants(SmTrace::kGeneric)) {
            say(fmt::format("refused at start with completion code {:#04x}", cc));
        }
        last_.reset();
        return cc;
    }

    SmResult event(Microseconds elapsed) override
    {
        const auto result = inner_->event(elapsed);
        if (wants(SmTrace::kStates) && result != last_) {
            say(fmt::format("state: {}", toString(result)));
        }
        if (result == SmResult::Hosed && wants(SmTrace::kGeneric)) {
            say("the interface is hosed: the transaction failed");
        }
        last_ = result;
        return result;
    }

    core::SmiBytes result() override
    {
        auto bytes = inner_->result();
        if (wants(SmTrace::kMessages)) {
            say(fmt::format("result: {}", hex(bytes)));
        }
        return bytes;
    }

    bool detect() override
    {
        const bool found = inner_->detect();
        if (!found && wants(SmTrace::kGeneric)) {
            say("detect: the registers read as all ones");
        }
        return found;
    }

    const char* name() const override { return inner_->name(); }
    bool awaitingResponse() const override { return inner_->awaitingResponse(); }

  private:
    bool wants(unsigned bit) const { return (trace_.bits & bit) != 0; }
    void say(const std::string& line) const { trace_.log(fmt::format("{}: {}", inner_->name(), line)); }

    std::unique_ptr<StateMachine> inner_;
    SmTrace trace_;
    std::optional<SmResult> last_; // the previous step's result, so a poll loop logs changes only
};

} // namespace

std::unique_ptr<StateMachine> traced(std::unique_ptr<StateMachine> machine, SmTrace trace)
{
    if (trace.bits == 0 || !trace.log) {
        return machine;
    }
    return std::make_unique<TracedStateMachine>(std::move(machine), std::move(trace));
}

} // namespace ipmi::si
