// The BMC watchdog timer (App 0x22 Reset, 0x24 Set, 0x25 Get) and its
// countdown. The present count drops by one every 100 ms while running; at
// the pre-timeout point (pre-timeout interval seconds before expiry) a
// configured interrupt raises the watchdog pre-timeout message flag and the
// host's attention; at zero the timer stops, sets the expiration flag of its
// timer use, applies its action to the simulated chassis and (unless "don't
// log") logs a Watchdog 2 event (sensor type 0x23) in the SEL.
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

namespace ipmi::sim {
namespace {

constexpr auto tick = std::chrono::milliseconds{100};
constexpr std::uint8_t dontLogBit = 0x80;
constexpr std::uint8_t dontStopBit = 0x40;
constexpr std::uint8_t runningBit = 0x40; // in Get Watchdog Timer's timer use byte
constexpr std::uint8_t watchdogSensorType = 0x23;
constexpr std::uint8_t sensorSpecificType = 0x6F;
// Sensor number of the BMC's Watchdog 2 sensor in the events it logs.
constexpr std::uint8_t watchdogSensorNumber = 0x81;
// Watchdog 2 event offsets.
constexpr std::uint8_t offsetTimerInterrupt = 0x08;
// System restart cause "watchdog expiration".
constexpr std::uint8_t restartCauseWatchdog = 0x04;

std::uint8_t timerUse(const WatchdogState& wd)
{
    return wd.timerUse & 0x07;
}

std::uint8_t preTimeoutInterrupt(const WatchdogState& wd)
{
    return (wd.actions >> 4) & 0x07;
}

void logWatchdogEvent(BmcState& state, std::uint8_t offset)
{
    const WatchdogState& wd = state.watchdog;
    if ((wd.timerUse & dontLogBit) != 0 || state.messaging.eventReceiver == 0xFF) {
        return;
    }
    EventMessage event;
    event.generatorId = state.config.bmcAddress;
    event.sensorType = watchdogSensorType;
    event.sensorNumber = watchdogSensorNumber;
    event.dirType = sensorSpecificType;
    // Data 2 carries the interrupt type and the timer use at expiration.
    event.data = {static_cast<std::uint8_t>(0xC0 | offset),
                  static_cast<std::uint8_t>((preTimeoutInterrupt(wd) << 4) | timerUse(wd)), 0xFF};
    postEvent(state, event);
}

void expire(BmcState& state)
{
    WatchdogState& wd = state.watchdog;
    wd.running = false;
    wd.expirationFlags |= static_cast<std::uint8_t>(1U << timerUse(wd));
    std::uint8_t action = wd.actions & 0x07;
    logWatchdogEvent(state, action); // offsets 0-3: expired, hard reset, power down, power cycle
    switch (action) {
    case 1:
        chassisAct(state, ChassisAction::HardReset, restartCauseWatchdog);
        break;
    case 2:
        chassisAct(state, ChassisAction::PowerDown, restartCauseWatchdog);
        break;
    case 3:
        chassisAct(state, ChassisAction::PowerCycle, restartCauseWatchdog);
        break;
    default:
        break;
    }
    // "don't log" applies to one expiration only.
    wd.timerUse &= static_cast<std::uint8_t>(~dontLogBit);
}

void preTimeout(BmcState& state)
{
    WatchdogState& wd = state.watchdog;
    wd.pretimeoutDone = true;
    if (preTimeoutInterrupt(wd) == 0) {
        return;
    }
    state.messaging.watchdogPretimeout = true;
    logWatchdogEvent(state, offsetTimerInterrupt);
    state.updateAttention();
}

void checkPreTimeout(BmcState& state)
{
    WatchdogState& wd = state.watchdog;
    if (wd.running && !wd.pretimeoutDone && wd.pretimeoutSeconds > 0 &&
        wd.presentCountdown <= wd.pretimeoutSeconds * 10U) {
        preTimeout(state);
    }
}

void setWatchdog(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t use = req.data[0];
    std::uint8_t actions = req.data[1];
    std::uint8_t pretimeout = req.data[2];
    std::uint8_t clearFlags = req.data[3];
    std::uint16_t countdown = le16(req.data, 4);
    std::uint8_t useValue = use & 0x07;
    if (useValue == 0 || useValue > 5 || (use & 0x38) != 0 || (actions & 0x07) > 3 || ((actions >> 4) & 0x07) > 3 ||
        (actions & 0x88) != 0) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    if (pretimeout * 10U > countdown && ((actions >> 4) & 0x07) != 0) {
        rsp.fail(cc::invalidDataField); // the pre-timeout would come before the start
        return;
    }
    WatchdogState& wd = state.watchdog;
    wd.initialized = true;
    wd.timerUse = use & static_cast<std::uint8_t>(~dontStopBit);
    wd.actions = actions;
    wd.pretimeoutSeconds = pretimeout;
    wd.expirationFlags &= static_cast<std::uint8_t>(~(clearFlags & 0x3E));
    wd.initialCountdown = countdown;
    wd.pretimeoutDone = false;
    if ((use & dontStopBit) != 0 && wd.running) {
        // The new countdown takes effect at once and keeps counting.
        wd.presentCountdown = countdown;
        wd.nextTick = state.now + tick;
        checkPreTimeout(state);
    } else {
        wd.running = false;
        wd.presentCountdown = countdown;
    }
}

void getWatchdog(BmcState& state, const Request& /*req*/, Response& rsp)
{
    const WatchdogState& wd = state.watchdog;
    rsp.push(static_cast<std::uint8_t>(wd.timerUse | (wd.running ? runningBit : 0)));
    rsp.push(wd.actions);
    rsp.push(wd.pretimeoutSeconds);
    rsp.push(wd.expirationFlags);
    rsp.push16(wd.initialCountdown);
    rsp.push16(wd.presentCountdown);
}

void resetWatchdogTimer(BmcState& state, const Request& /*req*/, Response& rsp)
{
    WatchdogState& wd = state.watchdog;
    if (!wd.initialized) {
        rsp.fail(abi::IPMI_WATCHDOG_NOT_INITIALIZED_ERR);
        return;
    }
    wd.presentCountdown = wd.initialCountdown;
    wd.pretimeoutDone = false;
    if (wd.initialCountdown == 0) {
        // A zero countdown expires at once, as the spec's "immediate timeout".
        wd.running = true;
        expire(state);
        return;
    }
    wd.running = true;
    wd.nextTick = state.now + tick;
    checkPreTimeout(state);
}

constexpr CommandEntry watchdogTable[] = {
    {abi::IPMI_RESET_WATCHDOG_TIMER_CMD, resetWatchdogTimer, 0, 0},
    {abi::IPMI_SET_WATCHDOG_TIMER_CMD, setWatchdog, 6, 6},
    {abi::IPMI_GET_WATCHDOG_TIMER_CMD, getWatchdog, 0, 0},
};

} // namespace

void advanceWatchdog(BmcState& state)
{
    WatchdogState& wd = state.watchdog;
    while (wd.running && wd.nextTick <= state.now) {
        wd.nextTick += tick;
        if (wd.presentCountdown > 0) {
            --wd.presentCountdown;
        }
        checkPreTimeout(state);
        if (wd.presentCountdown == 0) {
            expire(state);
        }
    }
}

std::optional<SteadyTime> watchdogDeadline(const BmcState& state)
{
    if (!state.watchdog.running) {
        return std::nullopt;
    }
    return state.watchdog.nextTick;
}

void resetWatchdog(WatchdogState& watchdog)
{
    watchdog = WatchdogState{};
}

void stopWatchdogForHostReset(BmcState& state)
{
    // A hard reset or power loss of the host stops the timer (IPMI 2.0 27.7);
    // its settings and expiration flags stay for the host to read.
    state.watchdog.running = false;
}

std::span<const CommandEntry> watchdogCommands()
{
    return watchdogTable;
}

} // namespace ipmi::sim
