// The `fault` control verb: the simulated BMC's fault injection (issue 3)
// changed while the daemon runs, for people who test software against the
// IPMI ABI and for tests that need timeouts, retries and recovery. Grammar
// (after the word "fault"; numbers are decimal or 0x hex):
//   list                                    the faults in force and the counters
//   set delay MS                            hold every response back MS ms (0 = off;
//                                           N us for a BMC that answers in microseconds)
//   set byte-delay US                       and US microseconds more for every byte of
//                                           the request and of the response (0 = off)
//   set drop COUNT                          discard the next COUNT responses
//   set drop-every N                        discard every Nth response (0 = off)
//   set cc NETFN CMD|any CODE [COUNT]       answer NETFN/CMD with only CODE,
//                                           COUNT times (0 or absent = until cleared)
//   set silence DURATION                    answer nothing for DURATION
//                                           (seconds, or N ms / N s)
//   set corrupt EVERY_NTH [XOR [COUNT]]     XOR every Nth interface byte with XOR
//                                           (default 0xff), COUNT bytes (0 = until cleared)
//   set length DELTA [COUNT]                cut the last -DELTA bytes off the next COUNT
//                                           responses (DELTA < 0) or pad them with DELTA
//                                           bytes of 0x00 (DELTA > 0); COUNT 0 or absent
//                                           = until cleared
//   set busy DURATION                       hold the interface busy for DURATION (KCS IBF,
//                                           BT B_BUSY, SMIC BUSY; SSIF NAKs every transfer)
//   set reset                               the next transfer in progress is cut by a
//                                           BMC reset (the interface back to idle, the
//                                           request and its response forgotten)
//   set no-irq                              KCS/BT/SMIC raise no interrupt: the driver
//                                           sees a response or attention only when it
//                                           looks at the status register
//   clear [delay|byte-delay|drop|drop-every|cc|silence|corrupt|length|busy|reset|no-irq|all]
//                                           (default all)
// It acts only on the embedded BMC (--sim); real hardware refuses it.
#pragma once

#include "sim/bmc.hpp"
#include "sim/fault_injector.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ipmi::daemon {

enum class FaultKind : std::uint8_t
{
    Delay,
    ByteDelay,
    Drop,
    DropEvery,
    CompletionCode,
    Silence,
    Corrupt,
    Length,
    Busy,
    Reset,
    NoIrq,
};

struct FaultCommand
{
    enum class Op : std::uint8_t
    {
        List,
        Set,
        Clear,
    };
    Op op = Op::List;
    std::optional<FaultKind> kind;           // Set: always; Clear: nullopt = all
    std::chrono::microseconds duration{0};   // delay, byte-delay, silence, busy
    unsigned count = 0;                      // drop: next N; drop-every: N; corrupt: bytes; length: responses
    unsigned everyNth = 0;                   // corrupt
    int lengthDelta = 0;                     // length
    std::uint8_t xorMask = 0xFF;             // corrupt
    sim::CompletionCodeFault completionCode; // cc
};

inline constexpr const char* kFaultUsage =
    "fault list | fault set delay MS | fault set byte-delay US | fault set drop COUNT | fault set drop-every N | "
    "fault set cc NETFN CMD|any CODE [COUNT] | fault set silence SECONDS | "
    "fault set corrupt EVERY_NTH [XOR [COUNT]] | fault set length DELTA [COUNT] | fault set busy SECONDS | "
    "fault set reset | fault set no-irq | "
    "fault clear [KIND|all]";

// `args` is what follows "fault". The command, or what is wrong naming the
// bad field.
[[nodiscard]] std::variant<FaultCommand, std::string> parseFaultCommand(std::string_view args);

// Applies the command to the BMC at steady time `now` (the loop's clock, for
// silence) and returns the reply (ending in a newline): the fault list after
// the change.
[[nodiscard]] std::string applyFaultCommand(const FaultCommand& command, sim::Bmc& bmc,
                                            std::chrono::steady_clock::time_point now);

// "delay 0 ms\nbyte-delay 0 us\ndrop next 0\n..." then the counters.
[[nodiscard]] std::string formatFaults(const sim::FaultInjector& faults, std::chrono::steady_clock::time_point now);

} // namespace ipmi::daemon
