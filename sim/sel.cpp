// Storage netfn, the System Event Log: info, allocation info, reservation,
// Get SEL Entry with partial reads, Add, Delete, Clear (with the "CLR" +
// initiate/status protocol), SEL time and UTC offset. Records are 16 bytes;
// ids count up from 1 and are not reused until the log is cleared. A full
// log refuses new records (0xC4 for Add SEL Entry, silently for events) and
// sets the overflow flag that Get SEL Info reports until Clear SEL.
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

#include <algorithm>

namespace ipmi::sim {
namespace {

constexpr std::uint8_t selVersion = 0x51;
constexpr std::uint16_t recordSize = 16;
constexpr std::uint16_t firstRecord = 0x0000;
constexpr std::uint16_t lastRecord = 0xFFFF;

std::uint16_t newReservation(std::uint16_t previous)
{
    auto next = static_cast<std::uint16_t>(previous + 1);
    return next == 0 ? 1 : next;
}

bool timestamped(std::uint8_t recordType)
{
    // System event records and OEM timestamped records get the BMC's time.
    return recordType == 0x02 || (recordType >= 0xC0 && recordType <= 0xDF);
}

// Index of the record a Get/Delete names, resolving 0x0000 / 0xFFFF.
std::optional<std::size_t> findRecord(const SelState& sel, std::uint16_t id)
{
    if (sel.records.empty()) {
        return std::nullopt;
    }
    if (id == firstRecord) {
        return 0;
    }
    if (id == lastRecord) {
        return sel.records.size() - 1;
    }
    auto it =
        std::find_if(sel.records.begin(), sel.records.end(), [id](const SelState::Record& r) { return r.id == id; });
    if (it == sel.records.end()) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(it - sel.records.begin());
}

void getSelInfo(BmcState& state, const Request& /*req*/, Response& rsp)
{
    const SelState& sel = state.sel;
    std::size_t freeEntries =
        state.config.selCapacity - std::min<std::size_t>(sel.records.size(), state.config.selCapacity);
    rsp.push(selVersion);
    rsp.push16(static_cast<std::uint16_t>(sel.records.size()));
    rsp.push16(static_cast<std::uint16_t>(std::min<std::size_t>(freeEntries * recordSize, 0xFFFE)));
    rsp.push32(sel.lastAdd);
    rsp.push32(sel.lastErase);
    // Overflow, delete supported, reserve supported, allocation info supported.
    rsp.push(static_cast<std::uint8_t>((sel.overflow ? 0x80 : 0x00) | 0x08 | 0x02 | 0x01));
}

void getSelAllocationInfo(BmcState& state, const Request& /*req*/, Response& rsp)
{
    std::uint16_t capacity = state.config.selCapacity;
    auto used = static_cast<std::uint16_t>(std::min<std::size_t>(state.sel.records.size(), capacity));
    auto freeUnits = static_cast<std::uint16_t>(capacity - used);
    rsp.push16(capacity);
    rsp.push16(recordSize);
    rsp.push16(freeUnits);
    rsp.push16(freeUnits); // one contiguous store
    rsp.push(0x01);        // a record fits one unit
}

void reserveSel(BmcState& state, const Request& /*req*/, Response& rsp)
{
    state.sel.reservation = newReservation(state.sel.reservation);
    rsp.push16(state.sel.reservation);
}

bool reservationValid(const BmcState& state, std::uint16_t reservation)
{
    return state.sel.reservation != 0 && reservation == state.sel.reservation;
}

void getSelEntry(BmcState& state, const Request& req, Response& rsp)
{
    std::uint16_t reservation = le16(req.data, 0);
    std::uint16_t id = le16(req.data, 2);
    std::uint8_t offset = req.data[4];
    std::uint8_t count = req.data[5];
    // Only a partial read needs the reservation (IPMI 2.0 31.5).
    if (offset != 0 && !reservationValid(state, reservation)) {
        rsp.fail(cc::reservationCancelled);
        return;
    }
    auto index = findRecord(state.sel, id);
    if (!index) {
        rsp.fail(cc::notPresent);
        return;
    }
    if (offset >= recordSize) {
        rsp.fail(cc::parameterOutOfRange);
        return;
    }
    std::size_t available = recordSize - offset;
    std::size_t length = count == 0xFF ? available : std::min<std::size_t>(count, available);
    std::uint16_t next = *index + 1 < state.sel.records.size() ? state.sel.records[*index + 1].id : lastRecord;
    rsp.push16(next);
    const SelRecordBytes& bytes = state.sel.records[*index].bytes;
    rsp.append(std::span<const std::uint8_t>(bytes).subspan(offset, length));
}

void addSelEntry(BmcState& state, const Request& req, Response& rsp)
{
    SelRecordBytes record{};
    std::copy(req.data.begin(), req.data.end(), record.begin());
    auto id = selAdd(state, record);
    if (!id) {
        rsp.fail(cc::outOfSpace);
        return;
    }
    rsp.push16(*id);
}

void deleteSelEntry(BmcState& state, const Request& req, Response& rsp)
{
    if (!reservationValid(state, le16(req.data, 0))) {
        rsp.fail(cc::reservationCancelled);
        return;
    }
    auto index = findRecord(state.sel, le16(req.data, 2));
    if (!index) {
        rsp.fail(cc::notPresent);
        return;
    }
    std::uint16_t id = state.sel.records[*index].id;
    state.sel.records.erase(state.sel.records.begin() + static_cast<std::ptrdiff_t>(*index));
    state.sel.lastErase = state.wallClock();
    state.sel.reservation = 0; // a deletion cancels the reservation
    rsp.push16(id);
}

void clearSel(BmcState& state, const Request& req, Response& rsp)
{
    if (!reservationValid(state, le16(req.data, 0))) {
        rsp.fail(cc::reservationCancelled);
        return;
    }
    if (req.data[2] != 'C' || req.data[3] != 'L' || req.data[4] != 'R') {
        rsp.fail(cc::invalidDataField);
        return;
    }
    std::uint8_t op = req.data[5];
    if (op == 0xAA) {
        state.sel.records.clear();
        state.sel.overflow = false;
        state.sel.nextId = 1;
        state.sel.lastErase = state.wallClock();
    } else if (op != 0x00) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    rsp.push(0x01); // erasure completed (the simulated flash erases at once)
}

void getSelTime(BmcState& state, const Request& /*req*/, Response& rsp)
{
    rsp.push32(state.wallClock());
}

void setSelTime(BmcState& state, const Request& req, Response& /*rsp*/)
{
    state.setWallClock(le32(req.data, 0));
}

void getSelUtcOffset(BmcState& state, const Request& /*req*/, Response& rsp)
{
    rsp.push16(static_cast<std::uint16_t>(state.sel.utcOffsetMinutes));
}

void setSelUtcOffset(BmcState& state, const Request& req, Response& rsp)
{
    auto offset = static_cast<std::int16_t>(le16(req.data, 0));
    if (offset != 0x07FF && (offset < -1440 || offset > 1440)) {
        rsp.fail(cc::parameterOutOfRange);
        return;
    }
    state.sel.utcOffsetMinutes = offset;
}

constexpr CommandEntry selTable[] = {
    {abi::IPMI_GET_SEL_INFO_CMD, getSelInfo, 0, 0},
    {abi::IPMI_GET_SEL_ALLOCATION_INFO_CMD, getSelAllocationInfo, 0, 0},
    {abi::IPMI_RESERVE_SEL_CMD, reserveSel, 0, 0},
    {abi::IPMI_GET_SEL_ENTRY_CMD, getSelEntry, 6, 6},
    {abi::IPMI_ADD_SEL_ENTRY_CMD, addSelEntry, 16, 16},
    {abi::IPMI_DELETE_SEL_ENTRY_CMD, deleteSelEntry, 4, 4},
    {abi::IPMI_CLEAR_SEL_CMD, clearSel, 6, 6},
    {abi::IPMI_GET_SEL_TIME_CMD, getSelTime, 0, 0},
    {abi::IPMI_SET_SEL_TIME_CMD, setSelTime, 4, 4},
    {abi::IPMI_GET_SEL_TIME_UTC_OFFSET_CMD, getSelUtcOffset, 0, 0},
    {abi::IPMI_SET_SEL_TIME_UTC_OFFSET_CMD, setSelUtcOffset, 2, 2},
};

} // namespace

std::optional<std::uint16_t> selAdd(BmcState& state, SelRecordBytes record)
{
    SelState& sel = state.sel;
    if (sel.records.size() >= state.config.selCapacity || sel.nextId == lastRecord) {
        sel.overflow = true;
        return std::nullopt;
    }
    std::uint16_t id = sel.nextId++;
    record[0] = static_cast<std::uint8_t>(id & 0xFF);
    record[1] = static_cast<std::uint8_t>(id >> 8);
    std::uint32_t now = state.wallClock();
    if (timestamped(record[2])) {
        for (int i = 0; i < 4; ++i) {
            record[3 + i] = static_cast<std::uint8_t>(now >> (8 * i));
        }
    }
    sel.records.push_back(SelState::Record{id, record});
    sel.lastAdd = now;
    return id;
}

std::span<const CommandEntry> selCommands()
{
    return selTable;
}

} // namespace ipmi::sim
