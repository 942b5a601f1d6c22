// Sensor/Event netfn: the event receiver, Platform Event, the threshold
// sensors (reading, thresholds, hysteresis, event enables, re-arm, type) and
// Get Device SDR Info; plus the simulated sensors themselves, whose raw
// readings move under advance() and generate threshold events when they
// cross a threshold (assertion at or beyond it, deassertion once back past it
// by the hysteresis).
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

#include <algorithm>
#include <array>

namespace ipmi::sim {
namespace {

constexpr std::uint8_t thresholdEventType = 0x01;
constexpr unsigned thresholdCount = 6; // LNC, LC, LNR, UNC, UC, UNR

// Threshold index order is the mask bit order of the sensor commands.
template <typename Thresholds>
auto& thresholdRef(Thresholds& t, unsigned index)
{
    switch (index) {
    case 0:
        return t.lowerNonCritical;
    case 1:
        return t.lowerCritical;
    case 2:
        return t.lowerNonRecoverable;
    case 3:
        return t.upperNonCritical;
    case 4:
        return t.upperCritical;
    default:
        return t.upperNonRecoverable;
    }
}

std::optional<std::uint8_t> thresholdOf(const SensorThresholds& t, unsigned index)
{
    return thresholdRef(t, index);
}

bool isUpper(unsigned index)
{
    return index >= 3;
}

// Raw values compare as numbers in the sensor's analog format.
int numeric(const SensorConfig& config, std::uint8_t raw)
{
    switch (config.analogFormat) {
    case 1: // one's complement
        return (raw & 0x80) != 0 ? -static_cast<int>(static_cast<std::uint8_t>(~raw)) : raw;
    case 2: // two's complement
        return static_cast<std::int8_t>(raw);
    default:
        return raw;
    }
}

// The event offset a threshold asserts: "going low" for the lower ones,
// "going high" for the upper ones.
unsigned eventOffset(unsigned index)
{
    return isUpper(index) ? 2 * index + 1 : 2 * index;
}

std::uint8_t readableMask(const SensorConfig& config)
{
    std::uint8_t mask = 0;
    for (unsigned i = 0; i < thresholdCount; ++i) {
        if (thresholdOf(config.thresholds, i)) {
            mask |= static_cast<std::uint8_t>(1U << i);
        }
    }
    return mask;
}

void evaluate(BmcState& state, SensorState& sensor)
{
    const SensorConfig& cfg = sensor.config;
    if (cfg.eventReadingType != thresholdEventType) {
        return;
    }
    int value = numeric(cfg, sensor.raw);
    for (unsigned i = 0; i < thresholdCount; ++i) {
        auto threshold = thresholdOf(cfg.thresholds, i);
        if (!threshold) {
            continue;
        }
        int limit = numeric(cfg, *threshold);
        unsigned offset = eventOffset(i);
        auto bit = static_cast<std::uint16_t>(1U << offset);
        bool was = (sensor.asserted & bit) != 0;
        bool now = was;
        if (isUpper(i)) {
            now = was ? value > limit - cfg.negativeHysteresis - 1 : value >= limit;
        } else {
            now = was ? value < limit + cfg.positiveHysteresis + 1 : value <= limit;
        }
        if (now == was) {
            continue;
        }
        sensor.asserted = static_cast<std::uint16_t>(now ? (sensor.asserted | bit) : (sensor.asserted & ~bit));
        bool enabled = now ? (sensor.assertionEnabled & bit) != 0 : (sensor.deassertionEnabled & bit) != 0;
        if (!enabled || !sensor.eventsEnabled || !sensor.scanningEnabled || state.messaging.eventReceiver == 0xFF) {
            continue;
        }
        EventMessage event;
        event.generatorId = state.config.bmcAddress;
        event.sensorType = cfg.sensorType;
        event.sensorNumber = cfg.number;
        event.dirType = static_cast<std::uint8_t>((now ? 0x00 : 0x80) | thresholdEventType);
        // Data 2 = trigger reading, data 3 = trigger threshold.
        event.data = {static_cast<std::uint8_t>(0x50 | offset), sensor.raw, *threshold};
        postEvent(state, event);
    }
}

SensorState* findSensor(BmcState& state, std::uint8_t number)
{
    auto it = std::find_if(state.sensors.begin(), state.sensors.end(),
                           [number](const SensorState& s) { return s.config.number == number; });
    return it == state.sensors.end() ? nullptr : &*it;
}

SensorState* sensorOrFail(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = findSensor(state, req.data[0]);
    if (sensor == nullptr) {
        rsp.fail(cc::notPresent);
    }
    return sensor;
}

void setEventReceiver(BmcState& state, const Request& req, Response& /*rsp*/)
{
    state.messaging.eventReceiver = req.data[0];
    state.messaging.eventReceiverLun = req.data[1] & 0x03;
}

void getEventReceiver(BmcState& state, const Request& /*req*/, Response& rsp)
{
    rsp.push(state.messaging.eventReceiver);
    rsp.push(state.messaging.eventReceiverLun);
}

void platformEvent(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t evmRev = req.data[1];
    if (evmRev != 0x03 && evmRev != 0x04) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    EventMessage event;
    event.generatorId = req.data[0];
    event.generatorChannelLun = 0x00;
    event.evmRev = evmRev;
    event.sensorType = req.data[2];
    event.sensorNumber = req.data[3];
    event.dirType = req.data[4];
    for (std::size_t i = 0; i < 3 && 5 + i < req.data.size(); ++i) {
        event.data[i] = req.data[5 + i];
    }
    postEvent(state, event);
}

void getDeviceSdrInfo(BmcState& state, const Request& req, Response& rsp)
{
    bool countSdrs = !req.data.empty() && (req.data[0] & 0x01) != 0;
    std::size_t count = countSdrs ? state.sdr.records.size() : state.sensors.size();
    rsp.push(static_cast<std::uint8_t>(std::min<std::size_t>(count, 0xFF)));
    rsp.push(0x01); // static population, sensors on LUN 0
}

void getSensorReading(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor == nullptr) {
        return;
    }
    const SensorConfig& cfg = sensor->config;
    std::uint8_t status = 0;
    int value = numeric(cfg, sensor->raw);
    for (unsigned i = 0; i < thresholdCount; ++i) {
        auto threshold = thresholdOf(cfg.thresholds, i);
        if (!threshold) {
            continue;
        }
        int limit = numeric(cfg, *threshold);
        if (isUpper(i) ? value >= limit : value <= limit) {
            status |= static_cast<std::uint8_t>(1U << i);
        }
    }
    rsp.push(sensor->raw);
    rsp.push(
        static_cast<std::uint8_t>((sensor->eventsEnabled ? 0x80 : 0x00) | (sensor->scanningEnabled ? 0x40 : 0x00)));
    rsp.push(status);
}

void setSensorThresholds(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor == nullptr) {
        return;
    }
    std::uint8_t mask = req.data[1];
    if ((mask & 0xC0) != 0 || (mask & ~readableMask(sensor->config)) != 0) {
        rsp.fail(cc::invalidDataField); // a threshold this sensor does not have
        return;
    }
    for (unsigned i = 0; i < thresholdCount; ++i) {
        if ((mask & (1U << i)) != 0) {
            thresholdRef(sensor->config.thresholds, i) = req.data[2 + i];
        }
    }
    evaluate(state, *sensor);
}

void getSensorThresholds(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor == nullptr) {
        return;
    }
    rsp.push(readableMask(sensor->config));
    for (unsigned i = 0; i < thresholdCount; ++i) {
        rsp.push(thresholdOf(sensor->config.thresholds, i).value_or(0));
    }
}

void setSensorHysteresis(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor != nullptr) {
        sensor->config.positiveHysteresis = req.data[2];
        sensor->config.negativeHysteresis = req.data[3];
    }
}

void getSensorHysteresis(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor != nullptr) {
        rsp.push(sensor->config.positiveHysteresis);
        rsp.push(sensor->config.negativeHysteresis);
    }
}

void setSensorEventEnable(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor == nullptr) {
        return;
    }
    std::uint8_t flags = req.data[1];
    std::uint8_t action = (flags >> 4) & 0x03;
    if (action == 3) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    auto field = [&req](std::size_t at) -> std::uint16_t {
        std::uint16_t v = 0;
        if (at < req.data.size()) {
            v = req.data[at];
        }
        if (at + 1 < req.data.size()) {
            v = static_cast<std::uint16_t>(v | (req.data[at + 1] << 8));
        }
        return v;
    };
    std::uint16_t assertBits = field(2) & sensor->config.assertionMask;
    std::uint16_t deassertBits = field(4) & sensor->config.deassertionMask;
    sensor->eventsEnabled = (flags & 0x80) != 0;
    sensor->scanningEnabled = (flags & 0x40) != 0;
    if (action == 1) {
        sensor->assertionEnabled |= assertBits;
        sensor->deassertionEnabled |= deassertBits;
    } else if (action == 2) {
        sensor->assertionEnabled &= static_cast<std::uint16_t>(~assertBits);
        sensor->deassertionEnabled &= static_cast<std::uint16_t>(~deassertBits);
    }
}

void getSensorEventEnable(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor == nullptr) {
        return;
    }
    rsp.push(
        static_cast<std::uint8_t>((sensor->eventsEnabled ? 0x80 : 0x00) | (sensor->scanningEnabled ? 0x40 : 0x00)));
    rsp.push16(sensor->assertionEnabled);
    rsp.push16(sensor->deassertionEnabled);
}

void rearmSensorEvents(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor == nullptr) {
        return;
    }
    // Forget the asserted states so present conditions are reported afresh.
    sensor->asserted = 0;
    evaluate(state, *sensor);
}

void getSensorType(BmcState& state, const Request& req, Response& rsp)
{
    SensorState* sensor = sensorOrFail(state, req, rsp);
    if (sensor != nullptr) {
        rsp.push(sensor->config.sensorType);
        rsp.push(sensor->config.eventReadingType);
    }
}

constexpr CommandEntry sensorEventTable[] = {
    {abi::IPMI_SET_EVENT_RECEIVER_CMD, setEventReceiver, 2, 2},
    {abi::IPMI_GET_EVENT_RECEIVER_CMD, getEventReceiver, 0, 0},
    {abi::IPMI_PLATFORM_EVENT_CMD, platformEvent, 6, 8},
    {abi::IPMI_GET_DEVICE_SDR_INFO_CMD, getDeviceSdrInfo, 0, 1},
    {abi::IPMI_SET_SENSOR_HYSTERESIS_CMD, setSensorHysteresis, 4, 4},
    {abi::IPMI_GET_SENSOR_HYSTERESIS_CMD, getSensorHysteresis, 2, 2},
    {abi::IPMI_SET_SENSOR_THRESHOLD_CMD, setSensorThresholds, 8, 8},
    {abi::IPMI_GET_SENSOR_THRESHOLD_CMD, getSensorThresholds, 1, 1},
    {abi::IPMI_SET_SENSOR_EVENT_ENABLE_CMD, setSensorEventEnable, 2, 6},
    {abi::IPMI_GET_SENSOR_EVENT_ENABLE_CMD, getSensorEventEnable, 1, 1},
    {abi::IPMI_REARM_SENSOR_EVENTS_CMD, rearmSensorEvents, 2, 6},
    {abi::IPMI_GET_SENSOR_READING_CMD, getSensorReading, 1, 1},
    {abi::IPMI_GET_SENSOR_TYPE_CMD, getSensorType, 1, 1},
};

} // namespace

void initSensors(BmcState& state)
{
    state.sensors.clear();
    for (const SensorConfig& cfg : state.config.sensors) {
        SensorState sensor;
        sensor.config = cfg;
        sensor.raw = cfg.initialRaw;
        sensor.assertionEnabled = cfg.assertionMask;
        sensor.deassertionEnabled = cfg.deassertionMask;
        sensor.nextMove = state.now + cfg.motion.period;
        state.sensors.push_back(sensor);
    }
    // Conditions present at start are known, not news: no events for them.
    for (SensorState& sensor : state.sensors) {
        bool events = sensor.eventsEnabled;
        sensor.eventsEnabled = false;
        evaluate(state, sensor);
        sensor.eventsEnabled = events;
    }
}

void advanceSensors(BmcState& state)
{
    for (SensorState& sensor : state.sensors) {
        const SensorMotion& motion = sensor.config.motion;
        if (motion.kind != SensorMotion::Kind::Triangle || motion.period.count() <= 0) {
            continue;
        }
        while (sensor.nextMove <= state.now) {
            sensor.nextMove += motion.period;
            int next = sensor.raw + sensor.direction * motion.step;
            if (next >= motion.high) {
                next = motion.high;
                sensor.direction = -1;
            } else if (next <= motion.low) {
                next = motion.low;
                sensor.direction = 1;
            }
            sensor.raw = static_cast<std::uint8_t>(next);
            evaluate(state, sensor);
        }
    }
}

std::optional<SteadyTime> sensorsDeadline(const BmcState& state)
{
    std::optional<SteadyTime> best;
    for (const SensorState& sensor : state.sensors) {
        const SensorMotion& motion = sensor.config.motion;
        if (motion.kind == SensorMotion::Kind::Triangle && motion.period.count() > 0 &&
            (!best || sensor.nextMove < *best)) {
            best = sensor.nextMove;
        }
    }
    return best;
}

void setSensorRawValue(BmcState& state, std::uint8_t sensorNumber, std::uint8_t raw)
{
    if (SensorState* sensor = findSensor(state, sensorNumber)) {
        sensor->raw = raw;
        evaluate(state, *sensor);
    }
}

std::span<const CommandEntry> sensorEventCommands()
{
    return sensorEventTable;
}

} // namespace ipmi::sim
