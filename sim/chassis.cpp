// Chassis netfn: capabilities, status, the power state machine behind Chassis
// Control (also driven by the watchdog's timeout actions), identify, power
// restore policy, system restart cause and the system boot options a host
// reads (parameters 0-7).
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

#include <algorithm>

namespace ipmi::sim {
namespace {

constexpr std::uint8_t restartCauseChassisControl = 0x01;
constexpr std::uint8_t lastPowerOnByCommand = 0x10;
constexpr std::uint8_t acpiS0 = 0x00;
constexpr std::uint8_t acpiS5 = 0x05;
constexpr std::uint8_t bootFlagsValid = 0x80;
constexpr auto defaultIdentifyInterval = std::chrono::seconds{15};

void powerUp(BmcState& state, std::uint8_t cause)
{
    ChassisState& ch = state.chassis;
    ch.powerOn = true;
    ch.powerOnAt.reset();
    ch.restartCause = cause;
    ch.lastPowerEvent = lastPowerOnByCommand;
    state.messaging.acpiSystemState = acpiS0;
}

void powerDown(BmcState& state)
{
    state.chassis.powerOn = false;
    state.messaging.acpiSystemState = acpiS5;
    stopWatchdogForHostReset(state);
}

// The BMC forgets a pending boot override when the host restarts, unless
// parameter 3 asks it not to for this kind of restart.
void restartClearsBootFlags(BmcState& state, std::uint8_t keepMask)
{
    if ((state.chassis.validBitClearing & keepMask) == 0) {
        state.chassis.bootFlags[0] &= static_cast<std::uint8_t>(~bootFlagsValid);
    }
}

std::uint8_t keepMaskFor(std::uint8_t cause)
{
    return cause == 0x04 ? 0x04 : 0x08; // watchdog vs chassis control
}

void getChassisCapabilities(BmcState& state, const Request& /*req*/, Response& rsp)
{
    rsp.push(0x04);                    // diagnostic interrupt supported; no intrusion sensor, lockout or interlock
    rsp.push(state.config.bmcAddress); // FRU info device
    rsp.push(state.config.bmcAddress); // SDR device
    rsp.push(state.config.bmcAddress); // SEL device
    rsp.push(state.config.bmcAddress); // system management device
}

void getChassisStatus(BmcState& state, const Request& /*req*/, Response& rsp)
{
    const ChassisState& ch = state.chassis;
    rsp.push(static_cast<std::uint8_t>((ch.powerOn ? 0x01 : 0x00) | ((ch.restorePolicy & 0x03) << 5)));
    rsp.push(ch.lastPowerEvent);
    std::uint8_t identify = 0;
    if (ch.identify == ChassisState::Identify::Timed) {
        identify = 1;
    } else if (ch.identify == ChassisState::Identify::Indefinite) {
        identify = 2;
    }
    rsp.push(static_cast<std::uint8_t>(0x40 | (identify << 4))); // identify state supported
}

void chassisControl(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t action = req.data[0] & 0x0F;
    if ((req.data[0] & 0xF0) != 0 || action > 5) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    bool needsPower = action == 2 || action == 3 || action == 4 || action == 5;
    if (needsPower && !state.chassis.powerOn) {
        rsp.fail(cc::notInPresentState);
        return;
    }
    chassisAct(state, static_cast<ChassisAction>(action), restartCauseChassisControl);
}

void chassisIdentify(BmcState& state, const Request& req, Response& /*rsp*/)
{
    ChassisState& ch = state.chassis;
    if (req.data.size() >= 2 && (req.data[1] & 0x01) != 0) {
        ch.identify = ChassisState::Identify::Indefinite;
        return;
    }
    std::chrono::seconds interval = req.data.empty() ? defaultIdentifyInterval : std::chrono::seconds{req.data[0]};
    if (interval.count() == 0) {
        ch.identify = ChassisState::Identify::Off;
        return;
    }
    ch.identify = ChassisState::Identify::Timed;
    ch.identifyUntil = state.now + interval;
}

void setPowerRestorePolicy(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t policy = req.data[0] & 0x07;
    if ((req.data[0] & 0xF8) != 0) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    if (policy <= 2) {
        state.chassis.restorePolicy = policy;
    } else if (policy != 3) // 3 = no change, just report
    {
        rsp.fail(cc::invalidDataField);
        return;
    }
    rsp.push(0x07); // all three policies supported
}

void getSystemRestartCause(BmcState& state, const Request& /*req*/, Response& rsp)
{
    rsp.push(state.chassis.restartCause);
    rsp.push(0x0F); // restarts are requested through the system interface
}

// Data length of each boot option parameter on Set.
std::optional<std::size_t> bootParameterLength(std::uint8_t param)
{
    static constexpr std::size_t lengths[] = {1, 1, 1, 1, 2, 5, 9, 17};
    if (param < std::size(lengths)) {
        return lengths[param];
    }
    return std::nullopt;
}

void setBootOptions(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t param = req.data[0] & 0x7F;
    bool markInvalid = (req.data[0] & 0x80) != 0;
    auto length = bootParameterLength(param);
    if (!length) {
        rsp.fail(cc::commandSpecific80); // parameter not supported
        return;
    }
    std::span<const std::uint8_t> data = req.data.subspan(1);
    if (data.size() != *length) {
        rsp.fail(cc::lengthInvalid);
        return;
    }
    ChassisState& ch = state.chassis;
    switch (param) {
    case 0:
        if ((data[0] & 0x03) == 3) {
            rsp.fail(cc::invalidDataField);
            return;
        }
        if ((data[0] & 0x03) == 1 && ch.setInProgress == 1) {
            rsp.fail(cc::commandSpecific81); // set already in progress
            return;
        }
        ch.setInProgress = (data[0] & 0x03) == 2 ? 0 : (data[0] & 0x03);
        break;
    case 1:
        ch.servicePartitionSelector = data[0];
        break;
    case 2:
        ch.servicePartitionScan = data[0];
        break;
    case 3:
        ch.validBitClearing = data[0] & 0x1F;
        break;
    case 4:
        ch.bootInfoAck[1] = static_cast<std::uint8_t>((ch.bootInfoAck[1] & ~data[0]) | (data[1] & data[0]));
        break;
    case 5:
        std::copy(data.begin(), data.end(), ch.bootFlags.begin());
        break;
    case 6:
        std::copy(data.begin(), data.end(), ch.bootInitiator.begin());
        break;
    default:
        std::copy(data.begin(), data.end(), ch.bootMailbox.begin());
        break;
    }
    if (markInvalid) {
        ch.bootOptionsInvalid |= static_cast<std::uint8_t>(1U << param);
    } else {
        ch.bootOptionsInvalid &= static_cast<std::uint8_t>(~(1U << param));
    }
}

void getBootOptions(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t param = req.data[0] & 0x7F;
    if (!bootParameterLength(param)) {
        rsp.fail(cc::commandSpecific80);
        return;
    }
    const ChassisState& ch = state.chassis;
    rsp.push(0x01); // parameter version
    rsp.push(static_cast<std::uint8_t>(param | (((ch.bootOptionsInvalid >> param) & 1) << 7)));
    switch (param) {
    case 0:
        rsp.push(ch.setInProgress);
        break;
    case 1:
        rsp.push(ch.servicePartitionSelector);
        break;
    case 2:
        rsp.push(ch.servicePartitionScan);
        break;
    case 3:
        rsp.push(ch.validBitClearing);
        break;
    case 4:
        rsp.append(ch.bootInfoAck);
        break;
    case 5:
        rsp.append(ch.bootFlags);
        break;
    case 6:
        rsp.append(ch.bootInitiator);
        break;
    default:
        rsp.append(ch.bootMailbox);
        break;
    }
}

constexpr CommandEntry chassisTable[] = {
    {abi::IPMI_GET_CHASSIS_CAPABILITIES_CMD, getChassisCapabilities, 0, 0},
    {abi::IPMI_GET_CHASSIS_STATUS_CMD, getChassisStatus, 0, 0},
    {abi::IPMI_CHASSIS_CONTROL_CMD, chassisControl, 1, 1},
    {abi::IPMI_CHASSIS_IDENTIFY_CMD, chassisIdentify, 0, 2},
    {abi::IPMI_SET_POWER_RESTORE_POLICY_CMD, setPowerRestorePolicy, 1, 1},
    {abi::IPMI_GET_SYSTEM_RESTART_CAUSE_CMD, getSystemRestartCause, 0, 0},
    {abi::IPMI_SET_SYSTEM_BOOT_OPTIONS_CMD, setBootOptions, 2, 18},
    {abi::IPMI_GET_SYSTEM_BOOT_OPTIONS_CMD, getBootOptions, 3, 3},
};

} // namespace

void chassisAct(BmcState& state, ChassisAction action, std::uint8_t restartCause)
{
    ChassisState& ch = state.chassis;
    switch (action) {
    case ChassisAction::PowerDown:
    case ChassisAction::SoftShutdown:
        if (ch.powerOn) {
            powerDown(state);
        }
        ch.powerOnAt.reset();
        break;
    case ChassisAction::PowerUp:
        if (!ch.powerOn) {
            powerUp(state, restartCause);
            restartClearsBootFlags(state, keepMaskFor(restartCause));
        }
        break;
    case ChassisAction::PowerCycle:
        if (ch.powerOn) {
            powerDown(state);
            ch.powerOnAt = state.now + state.config.chassis.powerCycleInterval;
            ch.powerOnCause = restartCause;
        }
        break;
    case ChassisAction::HardReset:
        if (ch.powerOn) {
            ++ch.resets;
            ch.restartCause = restartCause;
            stopWatchdogForHostReset(state);
            restartClearsBootFlags(state, keepMaskFor(restartCause));
        }
        break;
    case ChassisAction::DiagnosticInterrupt:
        ++ch.diagnosticInterrupts;
        break;
    }
}

void advanceChassis(BmcState& state)
{
    ChassisState& ch = state.chassis;
    if (ch.powerOnAt && *ch.powerOnAt <= state.now) {
        std::uint8_t cause = ch.powerOnCause;
        powerUp(state, cause);
        restartClearsBootFlags(state, keepMaskFor(cause));
    }
    if (ch.identify == ChassisState::Identify::Timed && ch.identifyUntil <= state.now) {
        ch.identify = ChassisState::Identify::Off;
    }
}

std::optional<SteadyTime> chassisDeadline(const BmcState& state)
{
    const ChassisState& ch = state.chassis;
    std::optional<SteadyTime> best = ch.powerOnAt;
    if (ch.identify == ChassisState::Identify::Timed && (!best || ch.identifyUntil < *best)) {
        best = ch.identifyUntil;
    }
    return best;
}

std::span<const CommandEntry> chassisCommands()
{
    return chassisTable;
}

} // namespace ipmi::sim
