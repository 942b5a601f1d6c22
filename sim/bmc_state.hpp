// Everything the simulated BMC remembers, grouped by concern, plus the few
// operations that cross concerns (logging an event, raising attention,
// changing chassis power). Handlers in the per-concern .cpp files work on this
// state; Bmc::Impl (bmc.cpp) owns it and drives its clock. Private to sim/.
#pragma once

#include "sim/config.hpp"
#include "sim/fault_injector.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace ipmi::sim {

using Bytes = std::vector<std::uint8_t>;
using SelRecordBytes = std::array<std::uint8_t, 16>;

struct SelState
{
    struct Record
    {
        std::uint16_t id;
        SelRecordBytes bytes; // bytes 0-1 hold the id as well
    };
    std::vector<Record> records;
    std::uint16_t nextId = 1;
    std::uint16_t reservation = 0; // 0 = none granted
    bool overflow = false;
    std::uint32_t lastAdd = 0xFFFFFFFF; // "never" per spec
    std::uint32_t lastErase = 0xFFFFFFFF;
    std::int16_t utcOffsetMinutes = 0x07FF; // unspecified
};

struct SdrState
{
    std::vector<Bytes> records; // complete records, header included
    std::uint16_t reservation = 0;
    std::uint32_t lastAdd = 0xFFFFFFFF;
    std::uint32_t lastErase = 0xFFFFFFFF;
};

struct WatchdogState
{
    bool initialized = false; // a Set Watchdog Timer arrived since reset
    bool running = false;
    std::uint8_t timerUse = 0; // bits 2:0 use, bit 7 don't log (bit 6 is not stored)
    std::uint8_t actions = 0;  // bits 6:4 pre-timeout interrupt, 2:0 timeout action
    std::uint8_t pretimeoutSeconds = 0;
    std::uint8_t expirationFlags = 0;
    std::uint16_t initialCountdown = 0; // 100 ms units
    std::uint16_t presentCountdown = 0;
    bool pretimeoutDone = false; // fired in this countdown
    SteadyTime nextTick{};
};

struct ChassisState
{
    bool powerOn = true;
    std::uint8_t restorePolicy = 2;
    std::uint8_t lastPowerEvent = 0;     // Get Chassis Status byte 2
    std::uint8_t restartCause = 0;       // Get System Restart Cause
    std::optional<SteadyTime> powerOnAt; // end of a power cycle
    std::uint8_t powerOnCause = 0;       // restart cause recorded at powerOnAt
    enum class Identify : std::uint8_t
    {
        Off,
        Timed,
        Indefinite,
    };
    Identify identify = Identify::Off;
    SteadyTime identifyUntil{};
    unsigned resets = 0; // hard resets the host went through
    unsigned diagnosticInterrupts = 0;
    // System boot options (parameters 0-7 of Get/Set System Boot Options).
    std::uint8_t setInProgress = 0;
    std::uint8_t servicePartitionSelector = 0;
    std::uint8_t servicePartitionScan = 0;
    std::uint8_t validBitClearing = 0;
    std::array<std::uint8_t, 2> bootInfoAck{0x00, 0x00};
    std::array<std::uint8_t, 5> bootFlags{};
    std::array<std::uint8_t, 9> bootInitiator{};
    std::array<std::uint8_t, 17> bootMailbox{}; // block selector + 16 bytes
    std::uint8_t bootOptionsInvalid = 0;        // parameter-valid bits (bit n set = param n invalid)
};

struct SensorState
{
    SensorConfig config;
    std::uint8_t raw = 0;
    bool eventsEnabled = true;
    bool scanningEnabled = true;
    std::uint16_t assertionEnabled = 0;
    std::uint16_t deassertionEnabled = 0;
    std::uint16_t asserted = 0; // threshold event offsets currently asserted
    int direction = 1;          // Triangle motion: +1 up, -1 down
    SteadyTime nextMove{};
};

struct MessagingState
{
    std::deque<Bytes> receiveQueue; // Get Message payloads (after the cc)
    std::deque<SelRecordBytes> eventBuffer;
    bool watchdogPretimeout = false; // Get Message Flags bit 3
    unsigned receiveOverflows = 0;
    unsigned eventOverflows = 0;
    std::uint8_t globalEnables = 0x08;   // system event logging on
    std::uint8_t acpiSystemState = 0x00; // S0/G0
    std::uint8_t acpiDeviceState = 0x00; // D0
    std::uint8_t eventReceiver = 0x20;   // 0xFF = event generation off
    std::uint8_t eventReceiverLun = 0;
};

struct PendingSatelliteReply
{
    SteadyTime due;
    Bytes message; // Get Message payload after the cc
};

enum class PendingReset : std::uint8_t
{
    None,
    Cold,
    Warm,
};

struct BmcState
{
    BmcState(BmcConfig cfg, SteadyTime start);

    BmcConfig config;
    SteadyTime start;
    SteadyTime now;
    std::int64_t wallClockAtStart; // seconds since 1970 at `start`
    FaultInjector faults;

    SelState sel;
    SdrState sdr;
    Bytes fru;
    WatchdogState watchdog;
    ChassisState chassis;
    std::vector<SensorState> sensors;
    MessagingState messaging;
    std::vector<PendingSatelliteReply> satelliteReplies;
    PendingReset pendingReset = PendingReset::None;

    std::function<void()> attentionListener;
    bool lastAttention = false;

    // SEL/event time: seconds since 1970.
    [[nodiscard]] std::uint32_t wallClock() const;
    void setWallClock(std::uint32_t secondsSince1970);
    [[nodiscard]] bool attention() const;
    // Tells the listener when attention() changed since the last call.
    void updateAttention();
    // Largest response [netfn][cmd][cc][data] the system interface carries.
    [[nodiscard]] std::size_t responseLimit() const;
};

// A platform event as generated on the IPMB: generator id, EvM revision,
// sensor type, sensor number, direction/type, three data bytes.
struct EventMessage
{
    std::uint8_t generatorId = 0x20;
    std::uint8_t generatorChannelLun = 0x00;
    std::uint8_t evmRev = 0x04;
    std::uint8_t sensorType = 0;
    std::uint8_t sensorNumber = 0;
    std::uint8_t dirType = 0;
    std::array<std::uint8_t, 3> data{0xFF, 0xFF, 0xFF};
};

// events.cpp: into the SEL (when system event logging is enabled) and the
// event message buffer (when enabled), raising attention.
void postEvent(BmcState& state, const EventMessage& event);
// sel.cpp: stores a record; returns its id, or nothing when the SEL is full
// (the overflow flag is set then).
std::optional<std::uint16_t> selAdd(BmcState& state, SelRecordBytes record);
// sdr.cpp / fru.cpp: build the repository and FRU image from the config.
void buildSdrRepository(BmcState& state);
Bytes buildFruImage(const FruConfig& config);
// sensors.cpp, watchdog.cpp, chassis.cpp, messaging.cpp: time-driven work.
void initSensors(BmcState& state);
void advanceSensors(BmcState& state);
void setSensorRawValue(BmcState& state, std::uint8_t sensorNumber, std::uint8_t raw);
std::optional<SteadyTime> sensorsDeadline(const BmcState& state);
void advanceWatchdog(BmcState& state);
std::optional<SteadyTime> watchdogDeadline(const BmcState& state);
void resetWatchdog(WatchdogState& watchdog);
void stopWatchdogForHostReset(BmcState& state);
void advanceChassis(BmcState& state);
std::optional<SteadyTime> chassisDeadline(const BmcState& state);
void advanceSatellites(BmcState& state);
std::optional<SteadyTime> satellitesDeadline(const BmcState& state);

// Chassis actions shared by Chassis Control and the watchdog.
enum class ChassisAction : std::uint8_t
{
    PowerDown = 0,
    PowerUp = 1,
    PowerCycle = 2,
    HardReset = 3,
    DiagnosticInterrupt = 4,
    SoftShutdown = 5,
};
// `restartCause` is recorded when the action (re)starts the host.
void chassisAct(BmcState& state, ChassisAction action, std::uint8_t restartCause);

} // namespace ipmi::sim
