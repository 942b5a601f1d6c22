// Choosing and building the interfaces: see backends.hpp.
#include "daemon/backends/backends.hpp"

#include "core/kernel_number.hpp"
#include "daemon/backends/si_factory.hpp"
#include "daemon/backends/ssif_factory.hpp"
#include "daemon/logging.hpp"
#include "si/discovery/discovery.hpp"
#include "si/discovery/ownership.hpp"
#include "sim/config.hpp"

#include <chrono>

namespace ipmi::daemon {

namespace {

// kcs_debug, bt_debug, smic_debug: the state machine's lines go to the "si"
// logger at info level, so they show without --debug, as the kernel's do
// in dmesg once the parameter is set.
si::SmTrace traceOf(const Config& config, si::SiType type, std::string where)
{
    return si::SmTrace{config.si.debugBitsFor(type), [where = std::move(where)](const std::string& line) {
                           subsystemLog("si")->info("{}: {}", where, line);
                       }};
}

Backend simBackend(const Config& config, sim::Bmc& bmc)
{
    const SimInterface kind = config.daemon.simInterface;
    const char* names[] = {"kcs", "bt", "smic", "ssif"};
    Backend b;
    b.simulated = true;
    b.description = std::string("simulated BMC over ") + names[static_cast<int>(kind)];
    const si::SiType type = kind == SimInterface::Bt     ? si::SiType::Bt
                            : kind == SimInterface::Smic ? si::SiType::Smic
                                                         : si::SiType::Kcs;
    b.make = [&bmc, kind, type, trace = traceOf(config, type, b.description)](core::EventLoop& loop) -> MakeResult {
        if (kind == SimInterface::Ssif) {
            return makeSimulatedSsif(loop, bmc);
        }
        return makeSimulatedSi(loop, bmc, type, trace);
    };
    return b;
}

} // namespace

Backend siBackend(const Config& config, const si::discovery::DiscoveredInterface& d, std::size_t index)
{
    si::PollPacing polling;
    polling.kipmid = config.si.forceKipmidFor(index).value_or(true);
    polling.maxBusy = std::chrono::microseconds(static_cast<unsigned>(config.si.kipmidMaxBusyUsFor(index)));
    Backend b;
    b.target = d;
    b.description = d.description() + " (" + core::toString(d.addrSource) + ")";
    b.make = [d, polling, trace = traceOf(config, d.type, b.description)](core::EventLoop& loop) -> MakeResult {
        return makeHardwareSi(loop, d, polling, trace);
    };
    return b;
}

Backend ssifBackend(const Config& config, ssif::SsifParams p)
{
    p.dbgProbe = config.ssif.dbgProbe;
    p.tryacpi = config.ssif.tryAcpi;
    p.trydmi = config.ssif.tryDmi;
    if (!config.daemon.sysroot.empty()) {
        p.sysfsRoot = std::filesystem::path(config.daemon.sysroot) / "sys";
    }
    Backend b;
    b.target.type = si::SiType::Ssif;
    b.target.space = si::discovery::AddrSpace::Smbus;
    b.target.address = p.addr;
    b.target.slaveAddr = p.slaveAddr;
    b.target.addrSource = p.addrSource;
    b.target.acpiPath = p.acpiPath;
    b.target.i2cAdapter = i2cAdapterNumber(config, p.adapter);
    b.ssifAdapter = p.adapter;
    b.description = "ssif " + (p.adapter.empty() ? std::string("any adapter") : p.adapter) + " addr " +
                    std::to_string(p.addr) + " (" + core::toString(p.addrSource) + ")";
    b.make = [p](core::EventLoop& loop) { return makeHardwareSsif(loop, p); };
    return b;
}

std::optional<int> i2cAdapterNumber(const Config& config, const std::string& adapter)
{
    std::string_view text = adapter;
    if (text.rfind("i2c-", 0) == 0) {
        text.remove_prefix(4);
    }
    if (const auto n = core::parseKernelNumber(text); n && *n < 1U << 20) {
        return static_cast<int>(*n);
    }
    if (adapter.empty()) {
        return std::nullopt;
    }
    const si::discovery::Sysroot root(config.daemon.sysroot);
    for (const auto& entry : root.list("/sys/class/i2c-adapter")) {
        const auto name = root.readText("/sys/class/i2c-adapter/" + entry + "/name");
        if (name && ssif::adapterNameMatches(*name, adapter) && entry.rfind("i2c-", 0) == 0) {
            if (const auto n = core::parseKernelNumber(std::string_view(entry).substr(4))) {
                return static_cast<int>(*n);
            }
        }
    }
    return std::nullopt;
}

const Backend* findSameSsifBmc(const std::vector<Backend>& planned, const Backend& candidate)
{
    const auto& c = candidate.target;
    for (const auto& b : planned) {
        const auto& t = b.target;
        if (!b.simulated && t.type == si::SiType::Ssif && t.address == c.address &&
            (t.i2cAdapter == c.i2cAdapter || !t.i2cAdapter || !c.i2cAdapter)) {
            return &b;
        }
    }
    return nullptr;
}

std::optional<std::string> kernelOwnershipRefusal(const Config& config, const Backend& backend)
{
    if (backend.simulated) {
        return std::nullopt;
    }
    const auto ownership =
        si::discovery::checkKernelOwnership(si::discovery::Sysroot(config.daemon.sysroot), backend.target);
    if (!ownership.ownedByKernel) {
        return std::nullopt;
    }
    return backend.description + ": " + ownership.message;
}

std::string noInterfaceMessage(const Config& config)
{
    std::string looked = "the parameters ipmi_si.type/ports/addrs";
    if (config.si.tryPlatform) {
        looked += ", ipmi_si.hotmod";
    }
    looked += " and ipmi_ssif.addr";
    if (config.si.tryDmi) {
        looked += ", SMBIOS type 38";
    }
    if (config.si.tryAcpi) {
        looked += ", ACPI IPI0001/SPMI";
    }
    if (config.si.tryPci) {
        looked += ", PCI";
    }
    return "no IPMI interface found: nothing to serve (looked at " + looked +
           "; the kernel's ipmi_si would say \"Unable to find any System Interface(s)\" and load nothing). On a "
           "host with a BMC, name it with --ipmi_si.type/--ipmi_si.ports (e.g. --ipmi_si.ports=0xca2) or "
           "--ipmi_ssif.addr; --sim serves the embedded simulated BMC instead.";
}

std::variant<BackendPlan, NoInterface, std::string> planBackends(const Config& config)
{
    BackendPlan plan;
    if (config.daemon.sim) {
        // sim_config was read (and refused if bad) when it was applied.
        sim::BmcConfig bmcConfig = config.daemon.simBmc.value_or(sim::BmcConfig::defaults());
        static constexpr sim::SystemInterfaceType kTypes[] = {
            sim::SystemInterfaceType::Kcs, sim::SystemInterfaceType::Bt, sim::SystemInterfaceType::Smic,
            sim::SystemInterfaceType::Ssif};
        bmcConfig.systemInterface = kTypes[static_cast<int>(config.daemon.simInterface)];
        plan.bmc = std::make_unique<sim::Bmc>(std::move(bmcConfig), std::chrono::steady_clock::now());
        plan.backends.push_back(simBackend(config, *plan.bmc));
        return plan;
    }

    const si::discovery::Sysroot root(config.daemon.sysroot);
    auto report = si::discovery::discover(root, config.si);
    if (!report) {
        return "ipmi_si parameters: " + report.error();
    }
    plan.log = report.value().merged.log;
    std::size_t siIndex = 0;
    for (const auto& d : report.value().merged.interfaces) {
        if (d.type == si::SiType::Ssif) {
            const bool allowed = (d.addrSource == core::AddrSource::Acpi && config.ssif.tryAcpi) ||
                                 (d.addrSource == core::AddrSource::Smbios && config.ssif.tryDmi) ||
                                 (d.addrSource != core::AddrSource::Acpi && d.addrSource != core::AddrSource::Smbios);
            if (allowed) {
                ssif::SsifParams p;
                p.addr = d.i2cAddress();
                p.adapter = d.i2cAdapter ? "i2c-" + std::to_string(*d.i2cAdapter) : std::string{};
                p.slaveAddr = d.slaveAddr;
                p.addrSource = d.addrSource;
                p.acpiPath = d.acpiPath;
                plan.backends.push_back(ssifBackend(config, p));
            }
            continue;
        }
        if (d.invalid || d.typeUnknown) {
            plan.log.push_back("skipping " + d.description() + ": its interface type is unknown");
            continue;
        }
        plan.backends.push_back(siBackend(config, d, siIndex++));
    }
    for (std::size_t i = 0; i < config.ssif.addrs.size(); ++i) {
        ssif::SsifParams p;
        p.addr = config.ssif.addrs[i];
        p.adapter = i < config.ssif.adapters.size() ? config.ssif.adapters[i] : std::string{};
        p.slaveAddr = i < config.ssif.slaveAddrs.size() ? static_cast<std::uint8_t>(config.ssif.slaveAddrs[i]) : 0;
        p.dbg = i < config.ssif.dbg.size() ? config.ssif.dbg[i] : 0;
        p.alertsBroken = i < config.ssif.alertsBroken.size() && config.ssif.alertsBroken[i];
        p.addrSource = core::AddrSource::Hardcoded;
        auto backend = ssifBackend(config, p);
        if (const auto* same = findSameSsifBmc(plan.backends, backend)) {
            // The kernel gets one ipmi_ssif client per bus address too (the
            // I2C core refuses a second one), and two drivers polling one BMC
            // would read each other's responses.
            plan.log.push_back("ipmi_ssif.addr " + backend.description + ": already found as " + same->description);
            continue;
        }
        plan.backends.push_back(std::move(backend));
    }
    std::vector<std::string> refusals;
    std::erase_if(plan.backends, [&](const Backend& b) {
        auto refusal = kernelOwnershipRefusal(config, b);
        if (!refusal) {
            return false;
        }
        plan.log.push_back("refusing " + *refusal);
        refusals.push_back(std::move(*refusal));
        return true;
    });
    if (plan.backends.empty()) {
        if (!refusals.empty()) {
            std::string joined;
            for (const auto& r : refusals) {
                joined += (joined.empty() ? "" : "; ") + r;
            }
            return "every interface found is driven by the kernel: " + joined;
        }
        return NoInterface{noInterfaceMessage(config)};
    }
    return plan;
}

} // namespace ipmi::daemon
