// Type → state machine.
#include "si/state_machines.hpp"

#include "si/bt_sm.hpp"
#include "si/kcs_sm.hpp"
#include "si/smic_sm.hpp"

namespace ipmi::si {

namespace {

std::unique_ptr<StateMachine> untraced(SiType type, RegisterIo& io)
{
    switch (type) {
    case SiType::Smic:
        return std::make_unique<SmicStateMachine>(io);
    case SiType::Bt:
        return std::make_unique<BtStateMachine>(io);
    case SiType::Kcs:
    case SiType::Ssif:
        break;
    }
    return std::make_unique<KcsStateMachine>(io);
}

} // namespace

std::unique_ptr<StateMachine> makeStateMachine(SiType type, RegisterIo& io, SmTrace trace)
{
    return traced(untraced(type, io), std::move(trace));
}

} // namespace ipmi::si
