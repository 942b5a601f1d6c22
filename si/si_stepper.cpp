// SiStepper: starting requests and reading results (see si_stepper.hpp).
#include "si/si_stepper.hpp"

#include "abi/ipmi_msgdefs.hpp"

#include <utility>

namespace ipmi::si {

void SiStepper::reset()
{
    pending_.reset();
    active_.reset();
    refusedWhileIdle_ = false;
}

SiStepper::Start SiStepper::start(core::SmiBytes& refusal)
{
    const std::uint8_t cc = sm_.start(*pending_);
    if (cc == 0) {
        active_ = std::move(pending_);
        pending_.reset();
        machineIdle_ = false;
        return Start::Started;
    }
    if (cc == abi::IPMI_NOT_IN_MY_STATE_ERR) {
        refusedWhileIdle_ = machineIdle_;
        return Start::Nothing; // the machine is busy with its own work; retry when idle
    }
    refusal = errorResponse(*pending_, cc);
    pending_.reset();
    return Start::Refused;
}

void SiStepper::settle(Outcome& out)
{
    switch (out.result) {
    case SmResult::TransactionComplete:
        if (active_) {
            active_.reset();
            out.response = sm_.result();
        }
        break;
    case SmResult::Hosed:
        if (active_) {
            out.response = errorResponse(*active_, abi::IPMI_ERR_UNSPECIFIED);
            out.hosed = sm_.hosedReason();
            active_.reset();
        }
        break;
    case SmResult::Attn:
        out.attention = !active_;
        break;
    default:
        break;
    }
}

} // namespace ipmi::si
