// makeHardwareInterface: map the registers, make sure something answers
// there (the kernel's detect step), and wire policy, worker transport and
// state machine together.
#include "si/register_io_hw.hpp"
#include "si/si_interface.hpp"
#include "si/si_transport.hpp"
#include "si/smi_policy.hpp"
#include "si/state_machines.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ipmi::si {

HardwareInterfaceResult makeHardwareInterface(core::EventLoop& loop, const SiParams& params)
{
    const RegisterLayout layout{params.regSpacing, params.regSize, params.regShift};
    const unsigned count = registerCountOf(params.type);
    RegisterIoResult opened = params.space == AddressSpace::Io ? openPortIo(params.address, count, layout)
                                                               : openMemoryIo(params.address, count, layout);
    if (!opened.io) {
        return {nullptr, fmt::format("{} at {:#x}: {}", toString(params.type), params.address, opened.error)};
    }
    const std::string where = opened.io->describe();
    auto sm = makeStateMachine(params.type, *opened.io);
    if (!sm->detect()) {
        return {nullptr, fmt::format("no {} interface at {}: its registers read as all ones", toString(params.type),
                                     where)};
    }
    if (params.irq != 0) {
        spdlog::info("{} {}: irq {} accepted but unused: ipmi-cuse polls", toString(params.type), where,
                     params.irq);
    }

    core::InterfaceInfo info;
    info.type = toString(params.type);
    info.description = fmt::format("{} {}", info.type, where);
    info.addrSource = params.addrSource;
    info.acpiPath = params.acpiPath;
    info.slaveAddr = params.slaveAddr != 0 ? params.slaveAddr : 0x20;

    WorkerSiTransport::Polling polling;
    polling.kipmid = params.forceKipmid.value_or(true);
    polling.maxBusy = std::chrono::microseconds(params.kipmidMaxBusyUs);
    auto transport =
        std::make_unique<WorkerSiTransport>(loop, std::move(opened.io), std::move(sm), std::move(info), polling);
    return {std::make_unique<SmiPolicy>(loop, std::move(transport)), {}};
}

} // namespace ipmi::si
