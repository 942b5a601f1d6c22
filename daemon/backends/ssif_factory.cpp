// makeHardwareSsif: SSIF over /dev/i2c-N (see ssif_factory.hpp).
#include "daemon/backends/ssif_factory.hpp"

#include "ssif/linux_smbus.hpp"
#include "ssif/ssif_interface.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ipmi::daemon {

SsifInterfaceResult makeHardwareSsif(core::EventLoop& loop, const ssif::SsifParams& params)
{
    auto resolved = ssif::resolveSsifParams(params);
    if (auto* error = std::get_if<std::string>(&resolved)) {
        return std::move(*error);
    }
    const auto& where = std::get<ssif::ResolvedSsif>(resolved);
    if (params.addrSource == core::AddrSource::Hardcoded || params.addrSource == core::AddrSource::Hotmod) {
        // No firmware table vouches for this address: the user asked for it.
        spdlog::warn("ssif: probing address 0x{:02x} on i2c-{} (\"{}\") as asked; no firmware table lists it, and "
                     "probing can upset other I2C devices",
                     params.addr, where.adapterNumber, where.adapterName);
    }
    auto bus = ssif::LinuxSmbus::open(where.device.string(), params.addr);
    if (auto* error = std::get_if<std::string>(&bus)) {
        return "ssif: " + *error;
    }

    ssif::SsifInterfaceConfig config;
    config.info.type = "ssif";
    config.info.description = fmt::format("ssif i2c-{} 0x{:02x}", where.adapterNumber, params.addr);
    config.info.addrSource = params.addrSource;
    config.info.acpiPath = params.acpiPath;
    config.info.slaveAddr = params.slaveAddr != 0 ? params.slaveAddr : 0x20;
    config.dbg = params.dbg;
    config.dbgProbe = params.dbgProbe;
    config.alertsBroken = params.alertsBroken;
    spdlog::info("ssif: trying {}-specified SSIF interface at i2c address 0x{:02x}, adapter {} (i2c-{}), slave "
                 "address 0x{:02x}",
                 core::toString(params.addrSource), params.addr, where.adapterName, where.adapterNumber,
                 config.info.slaveAddr);
    return std::unique_ptr<core::Interface>(std::make_unique<ssif::SsifInterface>(
        loop, std::move(std::get<std::unique_ptr<ssif::LinuxSmbus>>(bus)), std::move(config)));
}

} // namespace ipmi::daemon
