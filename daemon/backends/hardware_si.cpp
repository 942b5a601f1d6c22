// makeHardwareSi: map the registers, make sure something answers there
// (the kernel's detect step), and wire policy, worker transport and state
// machine together.
#include "daemon/backends/si_factory.hpp"
#include "si/register_io_hw.hpp"
#include "si/si_transport.hpp"
#include "si/smi_policy.hpp"
#include "si/state_machines.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ipmi::daemon {

HardwareSiResult makeHardwareSi(core::EventLoop& loop, const si::discovery::DiscoveredInterface& where,
                                si::PollPacing polling, si::SmTrace trace)
{
    const si::RegisterLayout layout{where.regSpacing, where.regSize, where.regShift};
    const unsigned count = where.registerCount();
    const char* type = si::toString(where.type);
    si::RegisterIoResult opened = where.space == si::discovery::AddrSpace::Memory
                                      ? si::openMemoryIo(where.address, count, layout)
                                      : si::openPortIo(where.address, count, layout);
    if (const auto* error = std::get_if<std::string>(&opened)) {
        return fmt::format("{} at {:#x}: {}", type, where.address, *error);
    }
    auto& io = std::get<std::unique_ptr<si::RegisterIo>>(opened);
    const std::string at = io->describe();
    auto sm = si::makeStateMachine(where.type, *io, std::move(trace));
    if (!sm->detect()) {
        return fmt::format("no {} interface at {}: its registers read as all ones", type, at);
    }
    if (where.irq != 0) {
        spdlog::info("{} {}: irq {} accepted but unused: ipmi-cuse polls", type, at, where.irq);
    }

    core::InterfaceInfo info;
    info.type = type;
    info.description = fmt::format("{} {}", info.type, at);
    info.addrSource = where.addrSource;
    info.acpiPath = where.acpiPath;
    info.slaveAddr = where.effectiveSlaveAddr();

    auto transport =
        std::make_unique<si::WorkerSiTransport>(loop, std::move(io), std::move(sm), std::move(info), polling);
    return std::make_unique<si::SmiPolicy>(loop, std::move(transport));
}

} // namespace ipmi::daemon
