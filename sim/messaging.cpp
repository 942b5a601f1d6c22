// App netfn, the BMC's messaging side toward the host: BMC global enables,
// the message flags (Get/Clear Message Flags), the receive message queue (Get
// Message) and the event message buffer (Read Event Message Buffer).
//
// Sizes and overflow: the receive queue holds config.receiveQueueCapacity
// messages (16 by default); a message arriving at a full queue is discarded
// (a real BMC NAKs the IPMB write), counted in receiveOverflows. The event
// buffer holds config.eventBufferCapacity events (1 by default, the single
// buffer of the IPMI spec); an event arriving while it is full is lost to the
// host (still logged in the SEL). Get Message Flags bit 1 ("event message
// buffer full") is reported while the buffer holds any event, which is the
// same thing for the one-entry buffer and lets a host drain a larger one.
#include "abi/ipmi_msgdefs.hpp"
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

namespace ipmi::sim {
namespace {

constexpr std::uint8_t flagReceiveMessage = 0x01;
constexpr std::uint8_t flagEventBuffer = 0x02;
constexpr std::uint8_t flagWatchdogPretimeout = 0x08;
// Bits 0-3 and 5-7 of the global enables; bit 4 is reserved.
constexpr std::uint8_t globalEnablesWritable = 0xEF;

void setGlobalEnables(BmcState& state, const Request& req, Response& rsp)
{
    if ((req.data[0] & ~globalEnablesWritable) != 0) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    state.messaging.globalEnables = req.data[0];
    state.updateAttention();
}

void getGlobalEnables(BmcState& state, const Request& /*req*/, Response& rsp)
{
    rsp.push(state.messaging.globalEnables);
}

void clearMessageFlags(BmcState& state, const Request& req, Response& /*rsp*/)
{
    std::uint8_t mask = req.data[0];
    if ((mask & flagReceiveMessage) != 0) {
        state.messaging.receiveQueue.clear();
    }
    if ((mask & flagEventBuffer) != 0) {
        state.messaging.eventBuffer.clear();
    }
    if ((mask & flagWatchdogPretimeout) != 0) {
        state.messaging.watchdogPretimeout = false;
    }
    state.updateAttention();
}

void getMessageFlags(BmcState& state, const Request& /*req*/, Response& rsp)
{
    std::uint8_t flags = 0;
    if (!state.messaging.receiveQueue.empty()) {
        flags |= flagReceiveMessage;
    }
    if ((state.messaging.globalEnables & abi::IPMI_BMC_EVT_MSG_BUFF) != 0 && !state.messaging.eventBuffer.empty()) {
        flags |= flagEventBuffer;
    }
    if (state.messaging.watchdogPretimeout) {
        flags |= flagWatchdogPretimeout;
    }
    rsp.push(flags);
}

void getMessage(BmcState& state, const Request& /*req*/, Response& rsp)
{
    if (state.messaging.receiveQueue.empty()) {
        rsp.fail(cc::commandSpecific80); // data not available (queue empty)
        return;
    }
    const Bytes& message = state.messaging.receiveQueue.front();
    if (3 + message.size() > state.responseLimit()) {
        // Too long for this interface: a real BMC cannot hand it out either;
        // discard it rather than wedge the queue.
        state.messaging.receiveQueue.pop_front();
        state.updateAttention();
        rsp.fail(cc::cannotReturnBytes);
        return;
    }
    rsp.append(message);
    state.messaging.receiveQueue.pop_front();
    state.updateAttention();
}

void readEventMessageBuffer(BmcState& state, const Request& /*req*/, Response& rsp)
{
    if ((state.messaging.globalEnables & abi::IPMI_BMC_EVT_MSG_BUFF) == 0 || state.messaging.eventBuffer.empty()) {
        rsp.fail(cc::commandSpecific80); // data not available (buffer empty)
        return;
    }
    rsp.append(state.messaging.eventBuffer.front());
    state.messaging.eventBuffer.pop_front();
    state.updateAttention();
}

constexpr CommandEntry messagingTable[] = {
    {abi::IPMI_SET_BMC_GLOBAL_ENABLES_CMD, setGlobalEnables, 1, 1},
    {abi::IPMI_GET_BMC_GLOBAL_ENABLES_CMD, getGlobalEnables, 0, 0},
    {abi::IPMI_CLEAR_MSG_FLAGS_CMD, clearMessageFlags, 1, 1},
    {abi::IPMI_GET_MSG_FLAGS_CMD, getMessageFlags, 0, 0},
    {abi::IPMI_GET_MSG_CMD, getMessage, 0, 0},
    {abi::IPMI_READ_EVENT_MSG_BUFFER_CMD, readEventMessageBuffer, 0, 0},
};

} // namespace

std::span<const CommandEntry> messagingCommands()
{
    return messagingTable;
}

} // namespace ipmi::sim
