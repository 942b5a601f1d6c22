// The cross-concern parts of the BMC state: its wall clock, the attention
// line the register models turn into SMS_ATN, the response size its system
// interface carries, and where platform events go (SEL and event message
// buffer).
#include "sim/bmc_state.hpp"

#include "abi/ipmi_msgdefs.hpp"

#include <algorithm>

namespace ipmi::sim {

BmcState::BmcState(BmcConfig cfg, SteadyTime startTime)
    : config(std::move(cfg)), start(startTime), now(startTime), wallClockAtStart(config.wallClockAtStart),
      faults(config.faults, startTime)
{
    chassis.powerOn = config.chassis.poweredOnAtStart;
    chassis.restorePolicy = config.chassis.powerRestorePolicy;
    // Boot flags start invalid (byte 1 bit 7 clear): no override pending.
    chassis.bootInfoAck = {0x00, 0x00};
}

std::uint32_t BmcState::wallClock() const
{
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
    return static_cast<std::uint32_t>(wallClockAtStart + elapsed);
}

void BmcState::setWallClock(std::uint32_t secondsSince1970)
{
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
    wallClockAtStart = static_cast<std::int64_t>(secondsSince1970) - elapsed;
}

bool BmcState::attention() const
{
    // SMS_ATN follows the message flags a host would read with Get Message
    // Flags; the event buffer only counts while it is enabled.
    bool eventsPending = (messaging.globalEnables & abi::IPMI_BMC_EVT_MSG_BUFF) != 0 && !messaging.eventBuffer.empty();
    return !messaging.receiveQueue.empty() || eventsPending || messaging.watchdogPretimeout;
}

void BmcState::updateAttention()
{
    bool current = attention();
    if (current != lastAttention) {
        lastAttention = current;
        if (attentionListener) {
            attentionListener();
        }
    }
}

std::size_t BmcState::responseLimit() const
{
    switch (config.systemInterface) {
    case SystemInterfaceType::Smic:
        return 80; // the kernel's SMIC message limit
    case SystemInterfaceType::Bt:
        // The BT frame adds a length byte and a sequence byte.
        return std::max<std::size_t>(config.bt.outputBufferSize, 5) - 2;
    case SystemInterfaceType::Ssif:
        return std::max<std::size_t>(config.ssif.maxOutputSize, 3);
    case SystemInterfaceType::Kcs:
        break;
    }
    return abi::IPMI_MAX_MSG_LENGTH;
}

void postEvent(BmcState& state, const EventMessage& event)
{
    SelRecordBytes record{};
    record[2] = 0x02; // system event record
    std::uint32_t time = state.wallClock();
    for (int i = 0; i < 4; ++i) {
        record[3 + i] = static_cast<std::uint8_t>(time >> (8 * i));
    }
    record[7] = event.generatorId;
    record[8] = event.generatorChannelLun;
    record[9] = event.evmRev;
    record[10] = event.sensorType;
    record[11] = event.sensorNumber;
    record[12] = event.dirType;
    std::copy(event.data.begin(), event.data.end(), record.begin() + 13);

    if ((state.messaging.globalEnables & abi::IPMI_BMC_SYS_LOG) != 0) {
        if (auto id = selAdd(state, record)) {
            record[0] = static_cast<std::uint8_t>(*id & 0xFF);
            record[1] = static_cast<std::uint8_t>(*id >> 8);
        }
    }
    if ((state.messaging.globalEnables & abi::IPMI_BMC_EVT_MSG_BUFF) != 0) {
        // A full buffer keeps its oldest events, as a real BMC's single
        // buffer does: the new event is lost to the host (the SEL has it).
        if (state.messaging.eventBuffer.size() < std::max<std::size_t>(state.config.eventBufferCapacity, 1)) {
            state.messaging.eventBuffer.push_back(record);
        } else {
            ++state.messaging.eventOverflows;
        }
    }
    state.updateAttention();
}

} // namespace ipmi::sim
