// FlagsMachine: the flags/events rounds and the start-up enables (see
// flags_machine.hpp).
#include "core/flags_machine.hpp"

#include "abi/ipmi_msgdefs.hpp"

namespace ipmi::core {

namespace {
constexpr std::uint8_t kAppRequest = abi::IPMI_NETFN_APP_REQUEST << 2;

// Get Message / Read Event Message Buffer in a row before others get a
// turn, so a BMC that never says "empty" cannot starve the host.
constexpr unsigned kMaxFetchesInARow = 10;
constexpr std::size_t kEventMessageLength = 19; // netfn, cmd, cc + 16 bytes

void drop(std::uint8_t& flags, std::uint8_t bit)
{
    flags &= static_cast<std::uint8_t>(~bit);
}
} // namespace

SmiBytes getMessageFlagsRequest()
{
    return {kAppRequest, abi::IPMI_GET_MSG_FLAGS_CMD};
}
SmiBytes getMessageRequest()
{
    return {kAppRequest, abi::IPMI_GET_MSG_CMD};
}
SmiBytes readEventBufferRequest()
{
    return {kAppRequest, abi::IPMI_READ_EVENT_MSG_BUFFER_CMD};
}
SmiBytes clearPretimeoutRequest()
{
    return {kAppRequest, abi::IPMI_CLEAR_MSG_FLAGS_CMD, abi::WDT_PRE_TIMEOUT_INT};
}
SmiBytes getGlobalEnablesRequest()
{
    return {kAppRequest, abi::IPMI_GET_BMC_GLOBAL_ENABLES_CMD};
}
SmiBytes setGlobalEnablesRequest(std::uint8_t enables)
{
    return {kAppRequest, abi::IPMI_SET_BMC_GLOBAL_ENABLES_CMD, enables};
}

// ---- flags and events ----------------------------------------------------

void FlagsMachine::flagsRead(std::uint8_t flags)
{
    flags_ = flags;
    messagesFetched_ = 0;
    eventsFetched_ = 0;
}

void FlagsMachine::eventsRequested()
{
    flags_ = abi::EVENT_MSG_BUFFER_FULL;
    eventsFetched_ = 0;
}

FlagsMachine::Fetch FlagsMachine::next()
{
    for (;;) {
        if (flags_ & abi::WDT_PRE_TIMEOUT_INT) {
            drop(flags_, abi::WDT_PRE_TIMEOUT_INT);
            return Fetch::ClearPretimeout;
        }
        if (flags_ & abi::RECEIVE_MSG_AVAIL) {
            return Fetch::Message;
        }
        if (flags_ & abi::EVENT_MSG_BUFFER_FULL) {
            return Fetch::Event;
        }
        if ((flags_ & abi::OEM_DATA_AVAIL) && oemMeansMessage_) {
            flags_ = static_cast<std::uint8_t>((flags_ & ~abi::OEM_DATA_AVAIL) | abi::RECEIVE_MSG_AVAIL);
            continue;
        }
        flags_ = 0;
        return Fetch::None;
    }
}

void FlagsMachine::messageFetched(bool ok)
{
    if (!ok) {
        drop(flags_, abi::RECEIVE_MSG_AVAIL); // the queue is empty (0x80)
        return;
    }
    if (++messagesFetched_ >= kMaxFetchesInARow) {
        drop(flags_, abi::RECEIVE_MSG_AVAIL);
        recheck_ = true;
    }
}

void FlagsMachine::eventFetched(bool ok, std::size_t length)
{
    if (!ok) {
        drop(flags_, abi::EVENT_MSG_BUFFER_FULL); // the buffer is empty (0x80)
        return;
    }
    if (++eventsFetched_ >= kMaxFetchesInARow) {
        drop(flags_, abi::EVENT_MSG_BUFFER_FULL);
        recheck_ = recheck_ || style_.recheckAfterTenEvents;
    } else if (style_.shortEventEndsRun && length != kEventMessageLength) {
        drop(flags_, abi::EVENT_MSG_BUFFER_FULL);
    }
}

bool FlagsMachine::takeRecheck()
{
    const bool recheck = recheck_;
    recheck_ = false;
    return recheck;
}

// ---- start-up --------------------------------------------------------------

FlagsMachine::StartStep FlagsMachine::firstEnablesStep() const
{
    return style_.clearReceiveIrq ? StartStep::GetEnablesForIrq : StartStep::GetEnablesForEvt;
}

FlagsMachine::StartStep FlagsMachine::afterEventBuffer() const
{
    return style_.clearFlagsFirst ? StartStep::Done : StartStep::ClearPretimeout;
}

SmiBytes FlagsMachine::startup()
{
    hasEventBuffer_ = false;
    cannotDisableIrq_ = false;
    step_ = style_.clearFlagsFirst ? StartStep::ClearPretimeout : firstEnablesStep();
    return requestFor(step_);
}

SmiBytes FlagsMachine::requestFor(StartStep step) const
{
    switch (step) {
    case StartStep::GetEnablesForIrq:
    case StartStep::GetEnablesForEvt:
        return getGlobalEnablesRequest();
    case StartStep::ClearIrqEnable:
        return setGlobalEnablesRequest(static_cast<std::uint8_t>(enables_ & ~abi::IPMI_BMC_RCV_MSG_INTR));
    case StartStep::EnableEventBuffer:
        return setGlobalEnablesRequest(static_cast<std::uint8_t>(enables_ | abi::IPMI_BMC_EVT_MSG_BUFF));
    case StartStep::ClearPretimeout:
        return clearPretimeoutRequest();
    case StartStep::Done:
        break;
    }
    return {};
}

std::optional<SmiBytes> FlagsMachine::startupAnswered(bool ok, const SmiBytes& response)
{
    const bool hasEnables = ok && response.size() >= 4;
    switch (step_) {
    case StartStep::GetEnablesForIrq:
        if (hasEnables && (response[3] & abi::IPMI_BMC_RCV_MSG_INTR)) {
            enables_ = response[3];
            step_ = StartStep::ClearIrqEnable;
        } else {
            step_ = StartStep::GetEnablesForEvt;
        }
        break;
    case StartStep::ClearIrqEnable:
        cannotDisableIrq_ = !ok;
        step_ = StartStep::GetEnablesForEvt;
        break;
    case StartStep::GetEnablesForEvt:
        if (!hasEnables) {
            step_ = afterEventBuffer();
            break;
        }
        enables_ = response[3];
        if (enables_ & abi::IPMI_BMC_EVT_MSG_BUFF) {
            hasEventBuffer_ = true;
            step_ = afterEventBuffer();
        } else {
            step_ = StartStep::EnableEventBuffer;
        }
        break;
    case StartStep::EnableEventBuffer:
        hasEventBuffer_ = ok;
        if (ok) {
            enables_ |= abi::IPMI_BMC_EVT_MSG_BUFF;
        }
        step_ = afterEventBuffer();
        break;
    case StartStep::ClearPretimeout:
        step_ = style_.clearFlagsFirst ? firstEnablesStep() : StartStep::Done;
        break;
    case StartStep::Done:
        break;
    }
    if (step_ == StartStep::Done) {
        return std::nullopt;
    }
    return requestFor(step_);
}

} // namespace ipmi::core
