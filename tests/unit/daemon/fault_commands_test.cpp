// The `fault` control verb: its grammar (each bad field named), and each
// fault kind applied to a real simulated BMC and seen from the host side of
// Bmc::handleRequest / Bmc::interfaceByte.

// GCC 12 with -fsanitize=address reports a -Wmaybe-uninitialized false
// positive in std::variant's move constructor as inlined into
// parseControlCommand's result; the pragma must precede <variant>.
#if !defined(__clang__) // clang has no such warning (nor the false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "daemon/asio.hpp"

#include "daemon/control_commands.hpp"
#include "daemon/fault_commands.hpp"
#include "sim/bmc.hpp"
#include "sim/fault_injector.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <variant>

namespace ipmi::daemon {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::steady_clock::time_point;

const sim::Bytes kGetDeviceId{0x18, 0x01};

FaultCommand parsed(std::string_view text)
{
    auto c = parseFaultCommand(text);
    if (const auto* error = std::get_if<std::string>(&c)) {
        ADD_FAILURE() << text << ": " << *error;
        return FaultCommand{};
    }
    return std::get<FaultCommand>(c);
}

std::string refusal(std::string_view text)
{
    auto c = parseFaultCommand(text);
    EXPECT_TRUE(std::holds_alternative<std::string>(c)) << text;
    const auto* error = std::get_if<std::string>(&c);
    return error ? *error : std::string();
}

TEST(FaultGrammar, EachKindParses)
{
    EXPECT_EQ(parsed("list").op, FaultCommand::Op::List);
    auto delay = parsed("set delay 250");
    EXPECT_EQ(delay.op, FaultCommand::Op::Set);
    EXPECT_EQ(delay.kind, FaultKind::Delay);
    EXPECT_EQ(delay.duration, 250ms);
    EXPECT_EQ(parsed("set delay 2s").duration, 2000ms);
    EXPECT_EQ(parsed("set delay 450us").duration, 450us);
    auto perByte = parsed("set byte-delay 12");
    EXPECT_EQ(perByte.kind, FaultKind::ByteDelay);
    EXPECT_EQ(perByte.duration, 12us);
    EXPECT_EQ(parsed("set byte-delay 1ms").duration, 1000us);
    EXPECT_EQ(parsed("set drop 3").count, 3U);
    EXPECT_EQ(parsed("set drop-every 0x10").count, 16U);
    auto cc = parsed("set cc 0x06 0x01 0xc0 2");
    EXPECT_EQ(cc.kind, FaultKind::CompletionCode);
    EXPECT_EQ(cc.completionCode.netfn, 0x06);
    EXPECT_EQ(cc.completionCode.cmd, std::optional<std::uint8_t>(0x01));
    EXPECT_EQ(cc.completionCode.completionCode, 0xC0);
    EXPECT_EQ(cc.completionCode.count, 2U);
    auto anyCmd = parsed("set cc 10 any 0xd5");
    EXPECT_EQ(anyCmd.completionCode.netfn, 10);
    EXPECT_FALSE(anyCmd.completionCode.cmd.has_value());
    EXPECT_EQ(anyCmd.completionCode.count, 0U);
    EXPECT_EQ(parsed("set silence 5").duration, 5000ms);
    EXPECT_EQ(parsed("set silence 300ms").duration, 300ms);
    auto corrupt = parsed("set corrupt 7 0x0f 3");
    EXPECT_EQ(corrupt.everyNth, 7U);
    EXPECT_EQ(corrupt.xorMask, 0x0F);
    EXPECT_EQ(corrupt.count, 3U);
    EXPECT_EQ(parsed("set corrupt 4").xorMask, 0xFF);
    auto cut = parsed("set length -16 2");
    EXPECT_EQ(cut.kind, FaultKind::Length);
    EXPECT_EQ(cut.lengthDelta, -16);
    EXPECT_EQ(cut.count, 2U);
    EXPECT_EQ(parsed("set length +0x10").lengthDelta, 16);
    EXPECT_EQ(parsed("set length 300").count, 0U);
    EXPECT_EQ(parsed("set busy 8").kind, FaultKind::Busy);
    EXPECT_EQ(parsed("set busy 8").duration, 8000ms);
    EXPECT_EQ(parsed("set reset").kind, FaultKind::Reset);
    EXPECT_EQ(parsed("set no-irq").kind, FaultKind::NoIrq);
    EXPECT_EQ(parsed("clear no-irq").kind, FaultKind::NoIrq);
    EXPECT_EQ(parsed("clear busy").kind, FaultKind::Busy);
    EXPECT_FALSE(parsed("clear").kind.has_value());
    EXPECT_FALSE(parsed("clear all").kind.has_value());
    EXPECT_EQ(parsed("clear drop-every").kind, FaultKind::DropEvery);
}

TEST(FaultGrammar, ErrorsNameTheBadField)
{
    EXPECT_EQ(refusal("set cc 0x40 1 0xc0"), "fault set cc: NETFN '0x40' is not a number in 0..63");
    EXPECT_EQ(refusal("set cc 6 x1 0xc0"), "fault set cc: CMD 'x1' is not a number in 0..255 (or any)");
    EXPECT_EQ(refusal("set cc 6 1 0x100"), "fault set cc: CODE '0x100' is not a number in 0..255");
    EXPECT_EQ(refusal("set cc 6 1 0xc0 -1"), "fault set cc: COUNT '-1' is not a number in 0..1000000");
    EXPECT_EQ(refusal("set cc 6 1"), "fault set cc: expected NETFN CMD|any CODE [COUNT]");
    EXPECT_EQ(refusal("set delay soon"),
              "fault set delay: MS 'soon' is not a duration up to 600000 ms (N, N us, N ms or N s)");
    EXPECT_EQ(refusal("set byte-delay 2s"),
              "fault set byte-delay: US '2s' is not a duration up to 1000 ms (N us, N ms or N s)");
    EXPECT_EQ(refusal("set byte-delay"), "fault set byte-delay: expected US");
    EXPECT_EQ(refusal("set silence 0"), "fault set silence: SECONDS must be more than 0 (use 'fault clear silence')");
    EXPECT_EQ(refusal("set corrupt 0"), "fault set corrupt: EVERY_NTH '0' is not a number in 1..1000000");
    EXPECT_EQ(refusal("set corrupt 2 0"), "fault set corrupt: XOR '0' is not a number in 1..255");
    EXPECT_EQ(refusal("set flood 1"), "fault set: unknown KIND 'flood' (known: delay, byte-delay, drop, drop-every, "
                                      "cc, silence, corrupt, length, busy, reset, no-irq)");
    EXPECT_EQ(refusal("set length 0"), "fault set length: DELTA '0' is not a number in -512..512 other than 0");
    EXPECT_EQ(refusal("set length -513"), "fault set length: DELTA '-513' is not a number in -512..512 other than 0");
    EXPECT_EQ(refusal("set length --1"), "fault set length: DELTA '--1' is not a number in -512..512 other than 0");
    EXPECT_EQ(refusal("set length 2 x"), "fault set length: COUNT 'x' is not a number in 0..1000000");
    EXPECT_EQ(refusal("set length"), "fault set length: expected DELTA [COUNT]");
    EXPECT_EQ(refusal("set busy 0"), "fault set busy: SECONDS must be more than 0 (use 'fault clear busy')");
    EXPECT_EQ(refusal("set reset now"), "fault set reset: expected no arguments");
    EXPECT_EQ(refusal("set no-irq 1"), "fault set no-irq: expected no arguments");
    EXPECT_EQ(refusal("clear cc extra"), "fault clear takes at most one KIND");
    EXPECT_EQ(refusal("list now"), "fault list takes no arguments");
    EXPECT_EQ(refusal("reset"), "fault: unknown operation 'reset' (list, set or clear)");
    EXPECT_NE(refusal("").find("fault needs list, set or clear"), std::string::npos);
}

TEST(FaultGrammar, ReachedThroughTheControlLine)
{
    auto command = parseControlCommand("fault set drop 2");
    const auto* control = std::get_if<ControlCommand>(&command);
    ASSERT_NE(control, nullptr) << std::get<std::string>(command);
    const auto* fault = std::get_if<FaultCommand>(control);
    ASSERT_NE(fault, nullptr);
    EXPECT_EQ(fault->count, 2U);
    const auto refused = parseControlCommand("fault set drop many");
    const auto* error = std::get_if<std::string>(&refused);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(*error, "fault set drop: COUNT 'many' is not a number in 0..1000000");
}

class FaultOnBmc : public ::testing::Test
{
  protected:
    // The response to one request, if it came synchronously.
    std::optional<sim::Bytes> ask(const sim::Bytes& request)
    {
        std::optional<sim::Bytes> out;
        bmc.handleRequest(request, [&out](sim::Bytes r) { out = std::move(r); });
        return out;
    }

    std::string apply(std::string_view text, Time now) { return applyFaultCommand(parsed(text), bmc, now); }

    Time t0 = std::chrono::steady_clock::time_point{} + 1000s;
    sim::Bmc bmc{sim::BmcConfig::defaults(), t0};
};

TEST_F(FaultOnBmc, CompletionCodeForTheChosenCommandOnly)
{
    apply("set cc 0x06 0x01 0xc0 1", t0);
    EXPECT_EQ(ask(kGetDeviceId), (sim::Bytes{0x1C, 0x01, 0xC0}));
    // Other commands untouched; and the count of 1 is used up.
    const auto guid = ask({0x18, 0x37});
    ASSERT_TRUE(guid.has_value());
    EXPECT_EQ((*guid)[2], 0x00);
    const auto again = ask(kGetDeviceId);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ((*again)[2], 0x00);
    EXPECT_GT(again->size(), 3U);
}

TEST_F(FaultOnBmc, DelayHoldsTheResponseBack)
{
    apply("set delay 50", t0);
    std::optional<sim::Bytes> out;
    bmc.handleRequest(kGetDeviceId, [&out](sim::Bytes r) { out = std::move(r); });
    EXPECT_FALSE(out.has_value());
    bmc.advance(t0 + 49ms);
    EXPECT_FALSE(out.has_value());
    bmc.advance(t0 + 50ms);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ((*out)[2], 0x00);
    apply("clear delay", t0 + 50ms);
    EXPECT_TRUE(ask(kGetDeviceId).has_value());
}

TEST_F(FaultOnBmc, ASlowBmcTakesItsTimePerCommandAndPerByte)
{
    const auto listed = apply("set delay 400us", t0);
    EXPECT_NE(listed.find("delay 400 us\n"), std::string::npos) << listed;
    EXPECT_NE(apply("set byte-delay 5", t0).find("byte-delay 5 us\n"), std::string::npos);
    std::optional<sim::Bytes> out;
    bmc.handleRequest(kGetDeviceId, [&out](sim::Bytes r) { out = std::move(r); });
    ASSERT_TRUE(bmc.nextDeadline().has_value());
    // 400 us and 5 us for each of the 2 request and 18 response bytes.
    EXPECT_EQ(*bmc.nextDeadline(), t0 + 400us + 5us * 20);
    bmc.advance(t0 + 499us);
    EXPECT_FALSE(out.has_value());
    bmc.advance(t0 + 500us);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->size(), 18U);
    apply("clear byte-delay", t0 + 1ms);
    EXPECT_EQ(bmc.faults().byteDelay(), 0us);
    EXPECT_EQ(bmc.faults().responseDelay(), 400us);
}

TEST_F(FaultOnBmc, DropDiscardsTheNextResponses)
{
    apply("set drop 2", t0);
    EXPECT_FALSE(ask(kGetDeviceId).has_value());
    EXPECT_FALSE(ask(kGetDeviceId).has_value());
    EXPECT_TRUE(ask(kGetDeviceId).has_value());
    apply("set drop-every 2", t0);
    EXPECT_TRUE(ask(kGetDeviceId).has_value());
    EXPECT_FALSE(ask(kGetDeviceId).has_value());
    EXPECT_TRUE(ask(kGetDeviceId).has_value());
    EXPECT_EQ(bmc.faults().counters().dropped, 3U);
}

TEST_F(FaultOnBmc, SilenceEndsAfterItsDuration)
{
    const auto listed = apply("set silence 2", t0);
    EXPECT_NE(listed.find("silence 2000 ms left\n"), std::string::npos) << listed;
    EXPECT_FALSE(ask(kGetDeviceId).has_value());
    bmc.advance(t0 + 1999ms);
    EXPECT_FALSE(ask(kGetDeviceId).has_value());
    bmc.advance(t0 + 2s);
    EXPECT_TRUE(ask(kGetDeviceId).has_value());
    EXPECT_EQ(bmc.faults().counters().unanswered, 2U);

    apply("set silence 10", t0 + 2s);
    EXPECT_FALSE(ask(kGetDeviceId).has_value());
    apply("clear silence", t0 + 2s);
    EXPECT_TRUE(ask(kGetDeviceId).has_value());
}

TEST_F(FaultOnBmc, CorruptFlipsTheChosenInterfaceBytes)
{
    apply("set corrupt 2 0x0f 1", t0);
    EXPECT_EQ(bmc.interfaceByte(0x10), 0x10);
    EXPECT_EQ(bmc.interfaceByte(0x10), 0x1F);
    EXPECT_EQ(bmc.interfaceByte(0x10), 0x10);
    EXPECT_EQ(bmc.interfaceByte(0x10), 0x10); // its count of one is used up
    EXPECT_EQ(bmc.faults().counters().corruptedBytes, 1U);
}

TEST_F(FaultOnBmc, LengthCutsOrPadsTheNextResponses)
{
    const auto listed = apply("set length -15 1", t0);
    EXPECT_NE(listed.find("length -15 count 1\n"), std::string::npos) << listed;
    EXPECT_EQ(ask(kGetDeviceId), (sim::Bytes{0x1C, 0x01, 0x00}));
    EXPECT_EQ(ask(kGetDeviceId)->size(), 18U);
    EXPECT_NE(apply("set length +2", t0).find("length +2 count unlimited\n"), std::string::npos);
    EXPECT_EQ(ask(kGetDeviceId)->size(), 20U);
    EXPECT_EQ(ask(kGetDeviceId)->size(), 20U);
    EXPECT_NE(apply("clear length", t0).find("length off\n"), std::string::npos);
    EXPECT_EQ(ask(kGetDeviceId)->size(), 18U);
    EXPECT_EQ(bmc.faults().counters().wrongLengths, 3U);
}

TEST_F(FaultOnBmc, ListShowsEveryKindAndClearAllEndsThem)
{
    apply("set delay 20", t0);
    apply("set drop 1", t0);
    apply("set cc 0x0a any 0xd5", t0);
    apply("set corrupt 3", t0);
    apply("set length -1 4", t0);
    apply("set busy 2", t0);
    apply("set reset", t0);
    apply("set no-irq", t0);
    EXPECT_TRUE(bmc.faults().noIrq());
    EXPECT_EQ(apply("list", t0 + 500ms), "delay 20 ms\n"
                                         "byte-delay 0 us\n"
                                         "drop next 1\n"
                                         "drop-every 0\n"
                                         "cc netfn 0x0a cmd any code 0xd5 count unlimited\n"
                                         "silence off\n"
                                         "corrupt every 3 xor 0xff count unlimited\n"
                                         "length -1 count 4\n"
                                         "busy 1500 ms left\n"
                                         "reset pending\n"
                                         "no-irq on\n"
                                         "counters unanswered 0 dropped 0 delayed 0 forced_cc 0 corrupted_bytes 0 "
                                         "wrong_lengths 0 busy_episodes 1 transfer_resets 0\n");
    EXPECT_TRUE(bmc.faults().busyAt(t0 + 1999ms));
    EXPECT_FALSE(bmc.faults().busyAt(t0 + 2s));
    EXPECT_EQ(apply("clear", t0), "delay 0 ms\n"
                                  "byte-delay 0 us\n"
                                  "drop next 0\n"
                                  "drop-every 0\n"
                                  "silence off\n"
                                  "corrupt off\n"
                                  "length off\n"
                                  "busy off\n"
                                  "reset off\n"
                                  "no-irq off\n"
                                  "counters unanswered 0 dropped 0 delayed 0 forced_cc 0 corrupted_bytes 0 "
                                  "wrong_lengths 0 busy_episodes 1 transfer_resets 0\n");
    EXPECT_FALSE(bmc.faults().busyAt(t0));
    EXPECT_TRUE(ask(kGetDeviceId).has_value());
    EXPECT_EQ(bmc.interfaceByte(0x42), 0x42);
}

} // namespace
} // namespace ipmi::daemon
