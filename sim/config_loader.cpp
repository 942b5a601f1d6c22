// The BMC configuration file (TOML). Every key is optional and starts from
// BmcConfig::defaults(); an array of tables ([[sensor]], [[satellite]],
// [[channel]], [[sel_entry]]) replaces the default list when present.
// Unknown keys, wrong types and out-of-range values are refused with
// "file:line:column: problem". The keys are the snake_case spellings of the
// fields in sim/config.hpp (identity.device_id, [[sensor]] upper_critical,
// [faults] response_delay_ms, ...); a few take names as well as numbers
// (system_interface = "kcs", sensor type = "fan", unit = "rpm").
#include "sim/config.hpp"
#include "sim/toml_reader.hpp"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

namespace ipmi::sim {
namespace {

using Names = std::vector<std::pair<std::string_view, std::int64_t>>;

void readIdentity(TomlReader& r, DeviceIdentity& id)
{
    r.number("device_id", id.deviceId);
    r.number("device_revision", id.deviceRevision, 0, 0x0F);
    r.boolean("provides_device_sdrs", id.providesDeviceSdrs);
    r.number("firmware_major", id.firmwareMajor, 0, 0x7F);
    r.number("firmware_minor", id.firmwareMinor);
    r.number("ipmi_version", id.ipmiVersion);
    r.number("additional_device_support", id.additionalDeviceSupport);
    r.number("manufacturer_id", id.manufacturerId, 0, 0xFFFFF);
    r.number("product_id", id.productId);
    std::vector<std::uint8_t> bytes(id.auxFirmware.begin(), id.auxFirmware.end());
    r.bytes("aux_firmware", bytes, 4, 4);
    std::copy(bytes.begin(), bytes.end(), id.auxFirmware.begin());
    bytes.assign(id.guid.begin(), id.guid.end());
    r.bytes("guid", bytes, 16, 16);
    std::copy(bytes.begin(), bytes.end(), id.guid.begin());
}

// Upper thresholds assert going high, lower ones going low.
std::uint16_t derivedEventMask(const SensorThresholds& t)
{
    std::uint16_t mask = 0;
    const std::optional<std::uint8_t>* all[] = {&t.lowerNonCritical, &t.lowerCritical, &t.lowerNonRecoverable,
                                                &t.upperNonCritical, &t.upperCritical, &t.upperNonRecoverable};
    for (unsigned i = 0; i < 6; ++i) {
        if (all[i]->has_value()) {
            mask |= static_cast<std::uint16_t>(1U << (i >= 3 ? 2 * i + 1 : 2 * i));
        }
    }
    return mask;
}

SensorConfig readSensor(TomlReader& r)
{
    SensorConfig s;
    r.require({"number", "name"});
    r.number("number", s.number, 0, 0xFE);
    r.string("name", s.name, 16);
    std::int64_t value = s.sensorType;
    r.named("type", {{"temperature", 0x01}, {"voltage", 0x02}, {"current", 0x03}, {"fan", 0x04}}, 0, 0xFF, value);
    s.sensorType = static_cast<std::uint8_t>(value);
    r.number("event_reading_type", s.eventReadingType, 0, 0x7F);
    r.number("entity_id", s.entityId);
    r.number("entity_instance", s.entityInstance, 0, 0x7F);
    value = s.baseUnit;
    r.named("unit", {{"degrees_c", 1}, {"volts", 4}, {"amps", 5}, {"watts", 6}, {"rpm", 18}}, 0, 0xFF, value);
    s.baseUnit = static_cast<std::uint8_t>(value);
    value = s.analogFormat;
    r.named("analog_format", {{"unsigned", 0}, {"ones_complement", 1}, {"twos_complement", 2}}, 0, 2, value);
    s.analogFormat = static_cast<std::uint8_t>(value);
    r.number("m", s.m, -512, 511);
    r.number("b", s.b, -512, 511);
    r.number("b_exp", s.bExp, -8, 7);
    r.number("r_exp", s.rExp, -8, 7);
    r.number("nominal", s.nominalRaw);
    r.number("normal_min", s.normalMinRaw);
    r.number("normal_max", s.normalMaxRaw);
    r.number("initial", s.initialRaw);
    r.number("positive_hysteresis", s.positiveHysteresis);
    r.number("negative_hysteresis", s.negativeHysteresis);
    r.optionalNumber("lower_non_critical", s.thresholds.lowerNonCritical);
    r.optionalNumber("lower_critical", s.thresholds.lowerCritical);
    r.optionalNumber("lower_non_recoverable", s.thresholds.lowerNonRecoverable);
    r.optionalNumber("upper_non_critical", s.thresholds.upperNonCritical);
    r.optionalNumber("upper_critical", s.thresholds.upperCritical);
    r.optionalNumber("upper_non_recoverable", s.thresholds.upperNonRecoverable);
    s.assertionMask = derivedEventMask(s.thresholds);
    s.deassertionMask = s.assertionMask;
    r.number("assertion_mask", s.assertionMask, 0, 0x0FFF);
    r.number("deassertion_mask", s.deassertionMask, 0, 0x0FFF);
    value = 0;
    r.named("motion", {{"constant", 0}, {"triangle", 1}}, 0, 1, value);
    s.motion.kind = value == 1 ? SensorMotion::Kind::Triangle : SensorMotion::Kind::Constant;
    r.number("step", s.motion.step, 1, 255);
    std::int64_t periodMs = s.motion.period.count();
    r.integer("period_ms", 1, 86'400'000, periodMs);
    s.motion.period = std::chrono::milliseconds{periodMs};
    s.motion.low = s.initialRaw;
    s.motion.high = s.initialRaw;
    r.number("low", s.motion.low);
    r.number("high", s.motion.high);
    if (s.motion.low > s.motion.high) {
        r.failHere(fmt::format("{}low must not be above {}high", r.context(), r.context()));
    }
    r.finish();
    return s;
}

SatelliteConfig readSatellite(TomlReader& r)
{
    SatelliteConfig sat;
    r.require({"address"});
    r.number("address", sat.address, 0x02, 0xFE);
    if ((sat.address & 1) != 0) {
        r.failHere(fmt::format("{}address must be an even (8-bit) IPMB address", r.context()));
    }
    r.number("channel", sat.channel, 0, 0x0B);
    std::int64_t delay = sat.responseDelay.count();
    r.integer("response_delay_ms", 0, 60'000, delay);
    sat.responseDelay = std::chrono::milliseconds{delay};
    readIdentity(r, sat.identity);
    r.finish();
    return sat;
}

ChannelConfig readChannel(TomlReader& r)
{
    ChannelConfig ch;
    r.require({"number", "medium"});
    r.number("number", ch.number, 0, 0x0F);
    r.number("medium", ch.medium, 0, 0x7F);
    r.number("protocol", ch.protocol, 0, 0x1F);
    r.number("session_support", ch.sessionSupport, 0, 3);
    r.number("active_sessions", ch.activeSessions, 0, 0x3F);
    r.finish();
    return ch;
}

void readFruArea(std::optional<TomlReader> r, FruArea& area)
{
    if (!r) {
        return;
    }
    r->string("manufacturer", area.manufacturer, 63);
    r->string("name", area.name, 63);
    r->string("part_number", area.partNumber, 63);
    r->string("version", area.version, 63);
    r->string("serial_number", area.serialNumber, 63);
    r->string("asset_tag", area.assetTag, 63);
    r->finish();
}

void readFru(TomlReader& r, FruConfig& fru)
{
    r.number("size", fru.size, 8, 0xFFFF);
    r.number("chassis_type", fru.chassisType);
    r.string("chassis_part_number", fru.chassisPartNumber, 63);
    r.string("chassis_serial_number", fru.chassisSerialNumber, 63);
    r.number("board_mfg_minutes", fru.boardMfgMinutes, 0, 0xFFFFFF);
    readFruArea(r.table("board"), fru.board);
    readFruArea(r.table("product"), fru.product);
    if (r.has("image")) {
        std::vector<std::uint8_t> image;
        r.bytes("image", image, 1, 0xFFFF);
        fru.image = std::move(image);
    }
    r.finish();
}

void readFaults(TomlReader& r, FaultConfig& f)
{
    // The per-command delay in whole milliseconds or, for a BMC that
    // answers in hundreds of microseconds, in microseconds; not both.
    if (r.has("response_delay_ms") && r.has("response_delay_us")) {
        r.failHere("response_delay_ms and response_delay_us both set; give one");
    }
    if (r.has("response_delay_ms")) {
        std::int64_t ms = 0;
        r.integer("response_delay_ms", 0, 600'000, ms);
        f.responseDelay = std::chrono::milliseconds{ms};
    }
    std::int64_t us = f.responseDelay.count();
    r.integer("response_delay_us", 0, 600'000'000, us);
    f.responseDelay = std::chrono::microseconds{us};
    us = f.byteDelay.count();
    r.integer("byte_delay_us", 0, 1'000'000, us);
    f.byteDelay = std::chrono::microseconds{us};
    r.number("drop_next_responses", f.dropNextResponses, 0, 1'000'000);
    r.number("drop_every_nth", f.dropEveryNth, 0, 1'000'000);
    std::int64_t ms = f.silentFor.count();
    r.integer("silent_for_ms", 0, 86'400'000, ms);
    f.silentFor = std::chrono::milliseconds{ms};
    r.number("corrupt_every_nth_byte", f.corruptEveryNthByte, 0, 1'000'000);
    r.number("corrupt_xor", f.corruptXor, 1, 0xFF);
    r.number("corrupt_byte_count", f.corruptByteCount, 0, 1'000'000);
    r.number("length_delta", f.lengthDelta, -kMaxLengthDelta, kMaxLengthDelta);
    r.number("length_count", f.lengthCount, 0, 1'000'000);
    r.boolean("no_irq", f.noIrq);
    for (TomlReader& entry : r.arrayOfTables("completion_code")) {
        CompletionCodeFault fault;
        entry.require({"netfn", "code"});
        entry.number("netfn", fault.netfn, 0, 0x3F);
        entry.optionalNumber("cmd", fault.cmd);
        entry.number("code", fault.completionCode);
        entry.number("count", fault.count, 0, 1'000'000);
        entry.finish();
        f.completionCodes.push_back(fault);
    }
    r.finish();
}

// A present [[key]] array replaces the built-in list; two entries with one
// number are refused.
template <typename Config, typename Read, typename Twice>
void readNumbered(TomlReader& top, std::string_view key, std::vector<Config>& out, Read read, Twice twice)
{
    if (!top.has(key)) {
        return;
    }
    out.clear();
    std::set<std::uint8_t> seen;
    for (TomlReader& entry : top.arrayOfTables(key)) {
        Config item = read(entry);
        if (!seen.insert(item.number).second) {
            entry.failHere(twice(item.number));
        }
        out.push_back(std::move(item));
    }
}

void readTop(TomlReader& top, BmcConfig& c)
{
    top.number("bmc_address", c.bmcAddress, 0x02, 0xFE);
    std::int64_t value = static_cast<std::int64_t>(c.systemInterface);
    top.named("system_interface", {{"kcs", 0}, {"smic", 1}, {"bt", 2}, {"ssif", 3}}, 0, 3, value);
    c.systemInterface = static_cast<SystemInterfaceType>(value);
    top.number("sel_capacity", c.selCapacity, 1, 0xFFFE);
    top.number("receive_queue_capacity", c.receiveQueueCapacity, 1, 1024);
    top.number("event_buffer_capacity", c.eventBufferCapacity, 1, 1024);
    top.number("wall_clock_at_start", c.wallClockAtStart, 0, 0xFFFFFFFF);
    top.string("mc_locator_name", c.mcLocatorName, 16);
    if (auto t = top.table("identity")) {
        readIdentity(*t, c.identity);
        t->finish();
    }
    readNumbered(top, "channel", c.channels, readChannel,
                 [](std::uint8_t number) { return fmt::format("channel {} is defined twice", number); });
    readNumbered(top, "sensor", c.sensors, readSensor,
                 [](std::uint8_t number) { return fmt::format("sensor number {} is used twice", number); });
    if (top.has("satellite")) {
        c.satellites.clear();
        for (TomlReader& entry : top.arrayOfTables("satellite")) {
            SatelliteConfig sat = readSatellite(entry);
            if (sat.address == c.bmcAddress) {
                entry.failHere(fmt::format("satellite address {:#04x} is the BMC's own", sat.address));
            }
            c.satellites.push_back(sat);
        }
    }
    if (top.has("sel_entry")) {
        c.selSeeds.clear();
        for (TomlReader& entry : top.arrayOfTables("sel_entry")) {
            SelSeed seed;
            entry.number("record_type", seed.recordType);
            std::vector<std::uint8_t> data;
            if (!entry.has("data")) {
                entry.failHere(fmt::format("{}data (13 bytes) is required", entry.context()));
            }
            entry.bytes("data", data, 13, 13);
            std::copy(data.begin(), data.end(), seed.data.begin());
            entry.finish();
            c.selSeeds.push_back(seed);
        }
    }
    if (auto t = top.table("fru")) {
        readFru(*t, c.fru);
    }
    if (auto t = top.table("chassis")) {
        t->boolean("powered_on_at_start", c.chassis.poweredOnAtStart);
        value = c.chassis.powerRestorePolicy;
        t->named("power_restore_policy", {{"always_off", 0}, {"previous", 1}, {"always_on", 2}}, 0, 2, value);
        c.chassis.powerRestorePolicy = static_cast<std::uint8_t>(value);
        std::int64_t ms = c.chassis.powerCycleInterval.count();
        t->integer("power_cycle_interval_ms", 0, 600'000, ms);
        c.chassis.powerCycleInterval = std::chrono::milliseconds{ms};
        t->finish();
    }
    if (auto t = top.table("bt")) {
        t->number("outstanding_requests", c.bt.outstandingRequests, 1, 0xFF);
        t->number("input_buffer_size", c.bt.inputBufferSize, 8, 0xFF);
        t->number("output_buffer_size", c.bt.outputBufferSize, 8, 0xFF);
        t->number("request_to_response_seconds", c.bt.requestToResponseSeconds, 1, 0xFF);
        t->number("retries", c.bt.retries);
        t->finish();
    }
    if (auto t = top.table("ssif")) {
        value = static_cast<std::int64_t>(c.ssif.transactions);
        t->named("transactions", {{"single", 0}, {"start_end", 1}, {"start_middle_end", 2}}, 0, 2, value);
        c.ssif.transactions = static_cast<SsifCapabilities::Transactions>(value);
        t->boolean("pec", c.ssif.pec);
        t->number("max_input_size", c.ssif.maxInputSize, 32, 0xFF);
        t->number("max_output_size", c.ssif.maxOutputSize, 32, 0xFF);
        t->finish();
    }
    if (auto t = top.table("faults")) {
        readFaults(*t, c.faults);
    }
    top.finish();
}

} // namespace

ConfigResult parseBmcConfig(std::string_view text, std::string_view sourceName)
{
    BmcConfig config = BmcConfig::defaults();
    try {
        toml::table document = toml::parse(text, sourceName);
        TomlReader top(document, sourceName, "");
        readTop(top, config);
    } catch (const toml::parse_error& e) {
        const auto& begin = e.source().begin;
        return ConfigError{fmt::format("{}:{}:{}: {}", sourceName, begin.line, begin.column, e.description())};
    } catch (const ConfigProblem& e) {
        return ConfigError{e.what()};
    }
    return config;
}

ConfigResult loadBmcConfig(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return ConfigError{fmt::format("{}: cannot be opened", path.string())};
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return ConfigError{fmt::format("{}: cannot be read", path.string())};
    }
    return parseBmcConfig(text.str(), path.string());
}

} // namespace ipmi::sim
