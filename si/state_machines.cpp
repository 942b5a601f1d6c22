// Type → state machine.
#include "si/state_machines.hpp"

#include "si/bt_sm.hpp"
#include "si/kcs_sm.hpp"
#include "si/smic_sm.hpp"

namespace ipmi::si {

const char* toString(SiType type)
{
    switch (type) {
    case SiType::Kcs:
        return "kcs";
    case SiType::Smic:
        return "smic";
    case SiType::Bt:
        return "bt";
    }
    return "kcs";
}

std::unique_ptr<StateMachine> makeStateMachine(SiType type, RegisterIo& io)
{
    switch (type) {
    case SiType::Smic:
        return std::make_unique<SmicStateMachine>(io);
    case SiType::Bt:
        return std::make_unique<BtStateMachine>(io);
    case SiType::Kcs:
        break;
    }
    return std::make_unique<KcsStateMachine>(io);
}

unsigned registerCountOf(SiType type) { return type == SiType::Kcs ? 2 : 3; }

} // namespace ipmi::si
