// Storage netfn, the SDR repository: the records are built once from the
// configuration (an MC device locator, type 0x12, then one full sensor
// record, type 0x01, per sensor), and served by Get SDR Repository Info,
// Allocation Info, Reserve and Get SDR. Get SDR reads any part of a record
// (ipmitool reads the 5-byte header, then the body in chunks; FreeIPMI reads
// 0xFF = whole record first and falls back to chunks): a read that would not
// fit the system interface's response answers 0xCA, "cannot return the
// requested number of bytes", as a real BMC does.
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

#include <algorithm>

namespace ipmi::sim {
namespace {

constexpr std::uint8_t sdrVersion = 0x51;
constexpr std::size_t headerSize = 5;
constexpr std::uint16_t allocationUnit = 16;
constexpr std::uint16_t repositoryUnits = 256; // a 4 KiB repository
constexpr std::size_t maxIdString = 16;

void pushIdString(Bytes& record, const std::string& name)
{
    std::size_t length = std::min(name.size(), maxIdString);
    record.push_back(static_cast<std::uint8_t>(0xC0 | length)); // 8-bit ASCII + Latin 1
    record.insert(record.end(), name.begin(), name.begin() + static_cast<std::ptrdiff_t>(length));
}

Bytes header(std::uint8_t type)
{
    return Bytes{0x00, 0x00, sdrVersion, type, 0x00};
}

void finish(Bytes& record, std::uint16_t id)
{
    record[0] = static_cast<std::uint8_t>(id & 0xFF);
    record[1] = static_cast<std::uint8_t>(id >> 8);
    record[4] = static_cast<std::uint8_t>(record.size() - headerSize);
}

Bytes mcLocator(const BmcConfig& config)
{
    Bytes r = header(0x12);
    r.push_back(config.bmcAddress);
    r.push_back(0x00);                                    // channel 0
    r.push_back(0x00);                                    // no ACPI notification; events enabled
    r.push_back(config.identity.additionalDeviceSupport); // device capabilities
    r.insert(r.end(), {0x00, 0x00, 0x00});                // reserved
    r.push_back(0x06);                                    // entity: system management module
    r.push_back(0x01);
    r.push_back(0x00); // OEM
    pushIdString(r, config.mcLocatorName);
    return r;
}

std::uint8_t thresholdMask(const SensorThresholds& t)
{
    std::uint8_t mask = 0;
    const std::optional<std::uint8_t>* all[] = {&t.lowerNonCritical, &t.lowerCritical, &t.lowerNonRecoverable,
                                                &t.upperNonCritical, &t.upperCritical, &t.upperNonRecoverable};
    for (unsigned i = 0; i < 6; ++i) {
        if (all[i]->has_value()) {
            mask |= static_cast<std::uint8_t>(1U << i);
        }
    }
    return mask;
}

Bytes fullSensorRecord(const BmcConfig& config, const SensorConfig& s)
{
    Bytes r = header(0x01);
    r.push_back(config.bmcAddress); // owner
    r.push_back(0x00);              // channel 0, LUN 0
    r.push_back(s.number);
    r.push_back(s.entityId);
    r.push_back(s.entityInstance & 0x7F);
    r.push_back(0x7F); // initialise scanning, events, thresholds, hysteresis, type; enabled
    // Auto re-arm, hysteresis and thresholds readable+settable, per-threshold event enables.
    r.push_back(s.eventReadingType == 0x01 ? 0x68 : 0x40);
    r.push_back(s.sensorType);
    r.push_back(s.eventReadingType);
    std::uint8_t mask = thresholdMask(s.thresholds);
    // Comparisons returned: lower (bits 12-14) and upper (bits 12-14) thresholds.
    auto lowerCompared = static_cast<std::uint16_t>((mask & 0x07) << 12);
    auto upperCompared = static_cast<std::uint16_t>(((mask >> 3) & 0x07) << 12);
    auto assertion = static_cast<std::uint16_t>((s.assertionMask & 0x0FFF) | lowerCompared);
    auto deassertion = static_cast<std::uint16_t>((s.deassertionMask & 0x0FFF) | upperCompared);
    r.push_back(static_cast<std::uint8_t>(assertion & 0xFF));
    r.push_back(static_cast<std::uint8_t>(assertion >> 8));
    r.push_back(static_cast<std::uint8_t>(deassertion & 0xFF));
    r.push_back(static_cast<std::uint8_t>(deassertion >> 8));
    r.push_back(mask); // readable thresholds
    r.push_back(mask); // settable thresholds
    r.push_back(static_cast<std::uint8_t>((s.analogFormat & 0x03) << 6));
    r.push_back(s.baseUnit);
    r.push_back(0x00); // modifier unit
    r.push_back(0x00); // linear
    auto m = static_cast<std::uint16_t>(s.m) & 0x3FF;
    auto b = static_cast<std::uint16_t>(s.b) & 0x3FF;
    r.push_back(static_cast<std::uint8_t>(m & 0xFF));
    r.push_back(static_cast<std::uint8_t>((m >> 8) << 6)); // tolerance 0
    r.push_back(static_cast<std::uint8_t>(b & 0xFF));
    r.push_back(static_cast<std::uint8_t>((b >> 8) << 6)); // accuracy 0
    r.push_back(0x00);                                     // accuracy exp, direction unspecified
    r.push_back(static_cast<std::uint8_t>(((s.rExp & 0x0F) << 4) | (s.bExp & 0x0F)));
    r.push_back(0x07); // nominal, normal max and normal min given
    r.push_back(s.nominalRaw);
    r.push_back(s.normalMaxRaw);
    r.push_back(s.normalMinRaw);
    r.push_back(s.analogFormat == 2 ? 0x7F : 0xFF); // sensor maximum
    r.push_back(s.analogFormat == 2 ? 0x80 : 0x00); // sensor minimum
    const SensorThresholds& t = s.thresholds;
    for (const auto* th : {&t.upperNonRecoverable, &t.upperCritical, &t.upperNonCritical, &t.lowerNonRecoverable,
                           &t.lowerCritical, &t.lowerNonCritical}) {
        r.push_back(th->value_or(0));
    }
    r.push_back(s.positiveHysteresis);
    r.push_back(s.negativeHysteresis);
    r.insert(r.end(), {0x00, 0x00, 0x00}); // reserved, reserved, OEM
    pushIdString(r, s.name);
    return r;
}

std::size_t usedUnits(const SdrState& sdr)
{
    std::size_t units = 0;
    for (const Bytes& record : sdr.records) {
        units += (record.size() + allocationUnit - 1) / allocationUnit;
    }
    return units;
}

void getSdrRepositoryInfo(BmcState& state, const Request& /*req*/, Response& rsp)
{
    const SdrState& sdr = state.sdr;
    std::size_t freeUnits = repositoryUnits - std::min<std::size_t>(usedUnits(sdr), repositoryUnits);
    rsp.push(sdrVersion);
    rsp.push16(static_cast<std::uint16_t>(sdr.records.size()));
    rsp.push16(static_cast<std::uint16_t>(freeUnits * allocationUnit));
    rsp.push32(sdr.lastAdd);
    rsp.push32(sdr.lastErase);
    rsp.push(0x03); // non-modal unspecified; reserve and allocation info supported
}

void getSdrAllocationInfo(BmcState& state, const Request& /*req*/, Response& rsp)
{
    auto freeUnits =
        static_cast<std::uint16_t>(repositoryUnits - std::min<std::size_t>(usedUnits(state.sdr), repositoryUnits));
    rsp.push16(repositoryUnits);
    rsp.push16(allocationUnit);
    rsp.push16(freeUnits);
    rsp.push16(freeUnits);
    rsp.push(0x04); // largest record: 4 units (64 bytes)
}

void reserveSdr(BmcState& state, const Request& /*req*/, Response& rsp)
{
    auto next = static_cast<std::uint16_t>(state.sdr.reservation + 1);
    state.sdr.reservation = next == 0 ? 1 : next;
    rsp.push16(state.sdr.reservation);
}

void getSdr(BmcState& state, const Request& req, Response& rsp)
{
    std::uint16_t reservation = le16(req.data, 0);
    std::uint16_t id = le16(req.data, 2);
    std::uint8_t offset = req.data[4];
    std::uint8_t count = req.data[5];
    const auto& records = state.sdr.records;
    if (offset != 0 && (state.sdr.reservation == 0 || reservation != state.sdr.reservation)) {
        rsp.fail(cc::reservationCancelled);
        return;
    }
    std::optional<std::size_t> index;
    if (!records.empty()) {
        if (id == 0x0000) {
            index = 0;
        } else if (id == 0xFFFF) {
            index = records.size() - 1;
        } else {
            auto it = std::find_if(records.begin(), records.end(), [id](const Bytes& r) { return le16(r, 0) == id; });
            if (it != records.end()) {
                index = static_cast<std::size_t>(it - records.begin());
            }
        }
    }
    if (!index) {
        rsp.fail(cc::notPresent);
        return;
    }
    const Bytes& record = records[*index];
    if (offset >= record.size()) {
        rsp.fail(cc::parameterOutOfRange);
        return;
    }
    std::size_t available = record.size() - offset;
    // A count past the record's end reads to its end.
    std::size_t length = std::min<std::size_t>(count, available);
    // [netfn][cmd][cc][next id 2][data]
    if (3 + 2 + length > state.responseLimit()) {
        rsp.fail(cc::cannotReturnBytes);
        return;
    }
    rsp.push16(*index + 1 < records.size() ? le16(records[*index + 1], 0) : 0xFFFF);
    rsp.append(std::span<const std::uint8_t>(record).subspan(offset, length));
}

constexpr CommandEntry sdrTable[] = {
    {abi::IPMI_GET_SDR_REPOSITORY_INFO_CMD, getSdrRepositoryInfo, 0, 0},
    {abi::IPMI_GET_SDR_REPOSITORY_ALLOCATION_INFO_CMD, getSdrAllocationInfo, 0, 0},
    {abi::IPMI_RESERVE_SDR_REPOSITORY_CMD, reserveSdr, 0, 0},
    {abi::STORAGE_CMD_GET_SDR, getSdr, 6, 6},
};

} // namespace

void buildSdrRepository(BmcState& state)
{
    state.sdr.records.clear();
    state.sdr.records.push_back(mcLocator(state.config));
    for (const SensorConfig& sensor : state.config.sensors) {
        state.sdr.records.push_back(fullSensorRecord(state.config, sensor));
    }
    std::uint16_t id = 1;
    for (Bytes& record : state.sdr.records) {
        finish(record, id++);
    }
    state.sdr.lastAdd = state.wallClock();
}

std::span<const CommandEntry> sdrCommands()
{
    return sdrTable;
}

} // namespace ipmi::sim
