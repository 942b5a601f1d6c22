// Helpers shared by the three state machines and their drivers.
#include "si/state_machine.hpp"

#include "abi/ipmi_msgdefs.hpp"

namespace ipmi::si {

const char* toString(SmResult result)
{
    switch (result) {
    case SmResult::CallWithoutDelay:
        return "call-without-delay";
    case SmResult::CallWithDelay:
        return "call-with-delay";
    case SmResult::CallWithTickDelay:
        return "call-with-tick-delay";
    case SmResult::TransactionComplete:
        return "transaction-complete";
    case SmResult::Idle:
        return "idle";
    case SmResult::Hosed:
        return "hosed";
    case SmResult::Attn:
        return "attn";
    }
    return "unknown";
}

std::uint8_t checkRequestLength(std::span<const std::uint8_t> request, std::size_t maxLength)
{
    if (request.size() < 2) {
        return abi::IPMI_REQ_LEN_INVALID_ERR;
    }
    if (request.size() > maxLength) {
        return abi::IPMI_REQ_LEN_EXCEEDED_ERR;
    }
    return 0;
}

core::SmiBytes errorResponse(std::span<const std::uint8_t> request, std::uint8_t cc)
{
    const std::uint8_t netfn = request.empty() ? 0 : request[0];
    const std::uint8_t cmd = request.size() > 1 ? request[1] : 0;
    return core::SmiBytes{static_cast<std::uint8_t>(netfn | 0x04), cmd, cc};
}

} // namespace ipmi::si
