// Picks the state machine for an interface type (the kernel's switch in
// try_smi_init()).
#pragma once

#include "si/register_io.hpp"
#include "si/si_type.hpp"
#include "si/state_machine.hpp"
#include "si/state_machine_trace.hpp"

#include <memory>

namespace ipmi::si {

// With trace.bits set, the machine logs what it does (kcs_debug, ...).
[[nodiscard]] std::unique_ptr<StateMachine> makeStateMachine(SiType type, RegisterIo& io, SmTrace trace = {});

} // namespace ipmi::si
