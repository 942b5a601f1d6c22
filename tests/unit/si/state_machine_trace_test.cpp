// kcs_debug/bt_debug/smic_debug: the traced state machine logs what the one
// inside does, bit by bit, and changes nothing it returns.
#include "si/state_machine_trace.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace ipmi::si {
namespace {

// A machine that plays a script of step results and answers one response.
class ScriptedMachine : public StateMachine
{
  public:
    explicit ScriptedMachine(std::deque<SmResult> steps, std::uint8_t startCc = 0)
        : steps_(std::move(steps)), startCc_(startCc)
    {
    }
    std::uint8_t start(std::span<const std::uint8_t> /*request*/) override { return startCc_; }
    SmResult event(Microseconds /*elapsed*/) override
    {
        if (steps_.empty()) {
            return SmResult::Idle;
        }
        const auto r = steps_.front();
        steps_.pop_front();
        return r;
    }
    core::SmiBytes result() override { return {0x1C, 0x01, 0x00, 0x20}; }
    bool detect() override { return false; }
    const char* name() const override { return "kcs"; }
    bool awaitingResponse() const override { return false; }

  private:
    std::deque<SmResult> steps_;
    std::uint8_t startCc_;
};

struct Logged
{
    std::vector<std::string> lines;
    SmTrace trace(unsigned bits)
    {
        return SmTrace{bits, [this](const std::string& line) { lines.push_back(line); }};
    }
};

void runTransaction(StateMachine& machine)
{
    const std::uint8_t request[] = {0x18, 0x01};
    EXPECT_EQ(machine.start(request), 0);
    while (machine.event(Microseconds(10)) != SmResult::TransactionComplete) {
    }
    EXPECT_EQ(machine.result(), (core::SmiBytes{0x1C, 0x01, 0x00, 0x20}));
}

const std::deque<SmResult> kSteps{SmResult::CallWithDelay, SmResult::CallWithDelay, SmResult::CallWithoutDelay,
                                  SmResult::TransactionComplete};

TEST(StateMachineTrace, MessagesBitLogsRequestAndResponse)
{
    Logged logged;
    auto machine = traced(std::make_unique<ScriptedMachine>(kSteps), logged.trace(SmTrace::kMessages));
    runTransaction(*machine);
    EXPECT_EQ(logged.lines, (std::vector<std::string>{"kcs: write: 18 01", "kcs: result: 1c 01 00 20"}));
    EXPECT_STREQ(machine->name(), "kcs");
}

TEST(StateMachineTrace, StatesBitLogsEachChangeOfResult)
{
    Logged logged;
    auto machine = traced(std::make_unique<ScriptedMachine>(kSteps), logged.trace(SmTrace::kStates));
    runTransaction(*machine);
    ASSERT_EQ(logged.lines.size(), 3U); // the repeated CallWithDelay once
    EXPECT_EQ(logged.lines[0], std::string("kcs: state: ") + toString(SmResult::CallWithDelay));
    EXPECT_EQ(logged.lines[1], std::string("kcs: state: ") + toString(SmResult::CallWithoutDelay));
    EXPECT_EQ(logged.lines[2], std::string("kcs: state: ") + toString(SmResult::TransactionComplete));
}

TEST(StateMachineTrace, GenericBitLogsFailures)
{
    Logged logged;
    auto machine =
        traced(std::make_unique<ScriptedMachine>(std::deque{SmResult::Hosed}, 0xD5), logged.trace(SmTrace::kGeneric));
    const std::uint8_t request[] = {0x18, 0x01};
    EXPECT_EQ(machine->start(request), 0xD5);
    EXPECT_EQ(machine->event(Microseconds(0)), SmResult::Hosed);
    EXPECT_FALSE(machine->detect());
    EXPECT_EQ(logged.lines, (std::vector<std::string>{"kcs: refused at start with completion code 0xd5",
                                                      "kcs: the interface is hosed: the transaction failed",
                                                      "kcs: detect: the registers read as all ones"}));
}

TEST(StateMachineTrace, NoBitsIsTheMachineItself)
{
    auto inner = std::make_unique<ScriptedMachine>(kSteps);
    auto* raw = inner.get();
    Logged logged;
    auto machine = traced(std::move(inner), logged.trace(0));
    EXPECT_EQ(machine.get(), raw);
}

} // namespace
} // namespace ipmi::si
