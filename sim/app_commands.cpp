// App netfn, device-level commands: identity (Get Device ID, Get Device and
// System GUID), self test, cold/warm reset, ACPI power state, channel
// information, and what the system interfaces report about themselves (Get
// System Interface Capabilities for SSIF/KCS/SMIC, Get BT Interface
// Capabilities).
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

#include <algorithm>

namespace ipmi::sim {
namespace {

void getDeviceId(BmcState& state, const Request& /*req*/, Response& rsp)
{
    const DeviceIdentity& id = state.config.identity;
    rsp.push(id.deviceId);
    rsp.push(static_cast<std::uint8_t>((id.providesDeviceSdrs ? 0x80 : 0x00) | (id.deviceRevision & 0x0F)));
    rsp.push(id.firmwareMajor & 0x7F);
    rsp.push(id.firmwareMinor);
    rsp.push(id.ipmiVersion);
    rsp.push(id.additionalDeviceSupport);
    rsp.push(static_cast<std::uint8_t>(id.manufacturerId & 0xFF));
    rsp.push(static_cast<std::uint8_t>((id.manufacturerId >> 8) & 0xFF));
    rsp.push(static_cast<std::uint8_t>((id.manufacturerId >> 16) & 0x0F));
    rsp.push16(id.productId);
    rsp.append(id.auxFirmware);
}

void getGuid(BmcState& state, const Request& /*req*/, Response& rsp)
{
    rsp.append(state.config.identity.guid);
}

void getSelfTestResults(BmcState& /*state*/, const Request& /*req*/, Response& rsp)
{
    rsp.push(0x55); // no error
    rsp.push(0x00);
}

void coldReset(BmcState& state, const Request& /*req*/, Response& /*rsp*/)
{
    state.pendingReset = PendingReset::Cold;
}

void warmReset(BmcState& state, const Request& /*req*/, Response& /*rsp*/)
{
    state.pendingReset = PendingReset::Warm;
}

bool validSystemPowerState(std::uint8_t s)
{
    return s <= 0x0A || s == 0x20 || s == 0x21 || s == 0x2A || s == 0x7F;
}

bool validDevicePowerState(std::uint8_t s)
{
    return s <= 0x03 || s == 0x2A || s == 0x7F;
}

void setAcpiPowerState(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t system = req.data[0] & 0x7F;
    std::uint8_t device = req.data[1] & 0x7F;
    bool setSystem = (req.data[0] & 0x80) != 0 && system != 0x7F;
    bool setDevice = (req.data[1] & 0x80) != 0 && device != 0x7F;
    if ((setSystem && !validSystemPowerState(system)) || (setDevice && !validDevicePowerState(device))) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    if (setSystem) {
        state.messaging.acpiSystemState = system;
    }
    if (setDevice) {
        state.messaging.acpiDeviceState = device;
    }
}

void getAcpiPowerState(BmcState& state, const Request& /*req*/, Response& rsp)
{
    rsp.push(state.messaging.acpiSystemState);
    rsp.push(state.messaging.acpiDeviceState);
}

std::uint8_t systemInterfaceProtocol(SystemInterfaceType type)
{
    switch (type) {
    case SystemInterfaceType::Smic:
        return 6;
    case SystemInterfaceType::Bt:
        return 8; // BT-15
    case SystemInterfaceType::Ssif:
        return 4; // SMBus 1.x/2.x
    case SystemInterfaceType::Kcs:
        break;
    }
    return 5;
}

void getChannelInfo(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t number = req.data[0] & 0x0F;
    if ((req.data[0] & 0xF0) != 0) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    if (number == 0x0E) {
        number = 0x0F; // "this channel": requests arrive on the system interface
    }
    const auto& channels = state.config.channels;
    auto it = std::find_if(channels.begin(), channels.end(),
                           [number](const ChannelConfig& ch) { return ch.number == number; });
    if (it == channels.end()) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    rsp.push(number);
    rsp.push(it->medium & 0x7F);
    rsp.push(number == 0x0F ? systemInterfaceProtocol(state.config.systemInterface) : (it->protocol & 0x1F));
    rsp.push(static_cast<std::uint8_t>(((it->sessionSupport & 0x03) << 6) | (it->activeSessions & 0x3F)));
    // IPMI's own IANA number (7154) as the vendor: no OEM protocol.
    rsp.push(0xF2);
    rsp.push(0x1B);
    rsp.push(0x00);
    rsp.push(0x00); // auxiliary info: no interrupt assigned
    rsp.push(0x00);
}

void getSystemInterfaceCapabilities(BmcState& state, const Request& req, Response& rsp)
{
    switch (req.data[0] & 0x0F) {
    case 0: // SSIF
    {
        const SsifCapabilities& caps = state.config.ssif;
        rsp.push(0x00); // reserved
        rsp.push(static_cast<std::uint8_t>((static_cast<unsigned>(caps.transactions) << 6) | (caps.pec ? 0x08 : 0x00)));
        rsp.push(caps.maxInputSize);
        rsp.push(caps.maxOutputSize);
        return;
    }
    case 1:             // KCS
    case 2:             // SMIC
        rsp.push(0x00); // reserved
        rsp.push(0x00); // system interface version 1.0
        rsp.push(0xFF); // input maximum message size
        return;
    default:
        rsp.fail(cc::invalidDataField);
        return;
    }
}

void getBtInterfaceCapabilities(BmcState& state, const Request& /*req*/, Response& rsp)
{
    const BtCapabilities& bt = state.config.bt;
    rsp.push(bt.outstandingRequests);
    rsp.push(bt.inputBufferSize);
    rsp.push(bt.outputBufferSize);
    rsp.push(bt.requestToResponseSeconds);
    rsp.push(bt.retries);
}

constexpr CommandEntry appDeviceTable[] = {
    {abi::IPMI_GET_DEVICE_ID_CMD, getDeviceId, 0, 0},
    {abi::IPMI_COLD_RESET_CMD, coldReset, 0, 0},
    {abi::IPMI_WARM_RESET_CMD, warmReset, 0, 0},
    {abi::IPMI_GET_SELF_TEST_RESULTS_CMD, getSelfTestResults, 0, 0},
    {abi::IPMI_SET_ACPI_POWER_STATE_CMD, setAcpiPowerState, 2, 2},
    {abi::IPMI_GET_ACPI_POWER_STATE_CMD, getAcpiPowerState, 0, 0},
    {abi::IPMI_GET_DEVICE_GUID_CMD, getGuid, 0, 0},
    {abi::IPMI_GET_BT_INTERFACE_CAPABILITIES_CMD, getBtInterfaceCapabilities, 0, 0},
    {abi::IPMI_GET_SYSTEM_GUID_CMD, getGuid, 0, 0}, // the same identity
    {abi::IPMI_GET_CHANNEL_INFO_CMD, getChannelInfo, 1, 1},
    {abi::IPMI_GET_SYSTEM_INTERFACE_CAPABILITIES_CMD, getSystemInterfaceCapabilities, 1, 1},
};

} // namespace

std::span<const CommandEntry> appDeviceCommands()
{
    return appDeviceTable;
}

} // namespace ipmi::sim
