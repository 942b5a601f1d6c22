// The kernel's kcs_debug, bt_debug and smic_debug module parameters: a state
// machine wrapped so it tells what it does, bit by bit as the kernel's do
// (1 generic: failures, 2 messages: every request and response, 4 states:
// each step's result). The wrapper only watches: the bytes, timing and
// results of the machine inside are untouched.
#pragma once

#include "si/state_machine.hpp"

#include <functional>
#include <memory>
#include <string>

namespace ipmi::si {

struct SmTrace
{
    static constexpr unsigned kGeneric = 1;  // the kernel's *_DEBUG_ENABLE
    static constexpr unsigned kMessages = 2; // *_DEBUG_MSG
    static constexpr unsigned kStates = 4;   // *_DEBUG_STATES

    unsigned bits = 0;
    std::function<void(const std::string&)> log; // one line, without the machine's name
};

// `machine` itself when trace.bits is 0 or there is nowhere to log.
[[nodiscard]] std::unique_ptr<StateMachine> traced(std::unique_ptr<StateMachine> machine, SmTrace trace);

} // namespace ipmi::si
