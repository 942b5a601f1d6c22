// Picks the state machine for an interface type (the kernel's switch in
// try_smi_init()).
#pragma once

#include "si/register_io.hpp"
#include "si/si_type.hpp"
#include "si/state_machine.hpp"

#include <memory>

namespace ipmi::si {

[[nodiscard]] std::unique_ptr<StateMachine> makeStateMachine(SiType type, RegisterIo& io);

} // namespace ipmi::si
