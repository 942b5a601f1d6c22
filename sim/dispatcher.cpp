// The one place that applies the generic request rules before any handler
// runs (the QEMU ipmi_bmc_sim pattern): a request too short to carry netfn
// and cmd, or longer than the system interface carries, a LUN other than 0,
// an unknown netfn/command, and data shorter or longer than the command's
// table entry each get their completion code here. A handler that throws
// answers 0xFF (unspecified), as does a response that would not fit the
// interface — never a crash.
#include "abi/ipmi_commands.hpp"
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <exception>
#include <optional>

namespace ipmi::sim {
namespace {

using CommandTable = std::array<std::optional<CommandEntry>, 256>;

void addAll(CommandTable& table, std::span<const CommandEntry> entries)
{
    for (const CommandEntry& entry : entries) {
        table[entry.cmd] = entry;
    }
}

struct NetfnTables
{
    CommandTable chassis;
    CommandTable sensorEvent;
    CommandTable app;
    CommandTable storage;

    NetfnTables()
    {
        addAll(chassis, chassisCommands());
        addAll(sensorEvent, sensorEventCommands());
        addAll(app, appDeviceCommands());
        addAll(app, messagingCommands());
        addAll(app, watchdogCommands());
        addAll(app, satelliteCommands());
        addAll(storage, selCommands());
        addAll(storage, sdrCommands());
        addAll(storage, fruCommands());
    }

    [[nodiscard]] const CommandTable* forNetfn(std::uint8_t fn) const
    {
        switch (fn) {
        case abi::IPMI_NETFN_CHASSIS_REQUEST:
            return &chassis;
        case abi::IPMI_NETFN_SENSOR_EVENT_REQUEST:
            return &sensorEvent;
        case abi::IPMI_NETFN_APP_REQUEST:
            return &app;
        case abi::IPMI_NETFN_STORAGE_REQUEST:
            return &storage;
        default:
            return nullptr;
        }
    }
};

const NetfnTables& tables()
{
    static const NetfnTables instance;
    return instance;
}

Bytes answer(std::uint8_t netfnLun, std::uint8_t cmd, std::uint8_t code, std::span<const std::uint8_t> data = {})
{
    Bytes out;
    out.reserve(3 + data.size());
    out.push_back(static_cast<std::uint8_t>(netfnLun | 0x04)); // response netfn = request netfn | 1
    out.push_back(cmd);
    out.push_back(code);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

} // namespace

Bytes dispatch(BmcState& state, std::span<const std::uint8_t> request)
{
    if (request.size() < 2) {
        return answer(request.empty() ? 0 : request[0], 0, cc::lengthInvalid);
    }
    Request req{
        .netfn = static_cast<std::uint8_t>(request[0] >> 2),
        .lun = static_cast<std::uint8_t>(request[0] & 0x03),
        .cmd = request[1],
        .data = request.subspan(2),
    };
    if (request.size() > abi::IPMI_MAX_MSG_LENGTH) {
        return answer(request[0], req.cmd, cc::lengthExceeded);
    }
    const CommandTable* table = (req.netfn & 1) == 0 ? tables().forNetfn(req.netfn) : nullptr;
    if (table == nullptr || !(*table)[req.cmd]) {
        return answer(request[0], req.cmd, cc::invalidCommand);
    }
    if (req.lun != 0) {
        return answer(request[0], req.cmd, cc::invalidForLun);
    }
    const CommandEntry& entry = *(*table)[req.cmd];
    if (req.data.size() < entry.minLength || req.data.size() > entry.maxLength) {
        return answer(request[0], req.cmd, cc::lengthInvalid);
    }
    Response rsp;
    try {
        entry.handler(state, req, rsp);
    } catch (const std::exception& e) {
        spdlog::warn("sim bmc: netfn {:#04x} cmd {:#04x} failed: {}", req.netfn, req.cmd, e.what());
        rsp.fail(cc::unspecified);
    }
    if (3 + rsp.data().size() > state.responseLimit()) {
        spdlog::warn("sim bmc: netfn {:#04x} cmd {:#04x} response of {} bytes exceeds the interface", req.netfn,
                     req.cmd, 3 + rsp.data().size());
        rsp.fail(cc::unspecified);
    }
    return answer(request[0], req.cmd, rsp.completionCode(), rsp.data());
}

} // namespace ipmi::sim
