// Source collection and the kernel's duplicate rules; see discovery.hpp.
#include "si/discovery/discovery.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ipmi::si::discovery {
namespace {

bool isSi(const DiscoveredInterface& entry)
{
    return entry.space != AddrSpace::Smbus;
}

bool sameSiAddress(const DiscoveredInterface& a, const DiscoveredInterface& b)
{
    return a.space == b.space && a.address == b.address;
}

// SSIF: an unknown address (0, ACPI without SMBIOS) or adapter matches any.
bool sameSsif(const DiscoveredInterface& a, const DiscoveredInterface& b)
{
    const bool addressMatch = a.address == 0 || b.address == 0 || a.address == b.address;
    const bool adapterMatch = !a.i2cAdapter || !b.i2cAdapter || *a.i2cAdapter == *b.i2cAdapter;
    return addressMatch && adapterMatch;
}

bool isFirmware(core::AddrSource source)
{
    return source != core::AddrSource::Hardcoded && source != core::AddrSource::Hotmod;
}

// What the kept entry learns from a duplicate.
void adoptMissing(DiscoveredInterface& kept, const DiscoveredInterface& other)
{
    if (kept.slaveAddr == 0 && other.slaveAddr != 0) {
        kept.slaveAddr = other.slaveAddr;
    }
    if (kept.typeUnknown && !other.typeUnknown) {
        kept.type = other.type;
        kept.invalid = other.invalid;
        kept.typeUnknown = false;
    }
    if (kept.specMajor == 0 && kept.specMinor == 0) {
        kept.specMajor = other.specMajor;
        kept.specMinor = other.specMinor;
    }
    if (kept.space == AddrSpace::Smbus) {
        if (kept.address == 0) {
            kept.address = other.address;
        }
        if (!kept.i2cAdapter) {
            kept.i2cAdapter = other.i2cAdapter;
        }
    }
}

} // namespace

MergeResult mergeInterfaces(const std::vector<DiscoveredInterface>& candidates,
                            const std::vector<HotmodOperation>& removals)
{
    MergeResult result;
    std::vector<DiscoveredInterface> kept;

    std::vector<const DiscoveredInterface*> hardcoded;
    for (const auto& candidate : candidates) {
        if (candidate.addrSource == core::AddrSource::Hardcoded && isSi(candidate)) {
            hardcoded.push_back(&candidate);
        }
    }

    for (const auto& candidate : candidates) {
        const char* source = core::toString(candidate.addrSource);
        const char* type = candidate.typeName();
        if (isSi(candidate)) {
            if (isFirmware(candidate.addrSource) &&
                std::any_of(hardcoded.begin(), hardcoded.end(),
                            [&](const DiscoveredInterface* h) { return sameSiAddress(*h, candidate); })) {
                result.log.push_back(
                    fmt::format("{}-specified {} at {} {:#x}: hard-coded device at this address already exists", source,
                                type, toString(candidate.space), candidate.address));
                continue;
            }
            if (candidate.invalid) {
                result.log.push_back(
                    fmt::format("{} {:#x}: disabled by type=invalid", toString(candidate.space), candidate.address));
                continue;
            }
        }
        auto dup = std::find_if(kept.begin(), kept.end(), [&](const DiscoveredInterface& k) {
            if (isSi(k) != isSi(candidate)) {
                return false;
            }
            return isSi(k) ? sameSiAddress(k, candidate) : sameSsif(k, candidate);
        });
        if (dup == kept.end()) {
            result.log.push_back(fmt::format("Adding {}-specified {} state machine", source, type));
            kept.push_back(candidate);
            continue;
        }
        if (candidate.addrSource == core::AddrSource::Acpi && dup->addrSource == core::AddrSource::Smbios) {
            result.log.push_back(
                fmt::format("Removing SMBIOS-specified {} state machine in favor of ACPI", dup->typeName()));
            DiscoveredInterface replacement = candidate;
            adoptMissing(replacement, *dup);
            *dup = std::move(replacement);
            continue;
        }
        result.log.push_back(fmt::format("{}-specified {} state machine: duplicate", source, type));
        adoptMissing(*dup, candidate);
    }

    for (const auto& removal : removals) {
        const auto before = kept.size();
        kept.erase(std::remove_if(kept.begin(), kept.end(),
                                  [&](const DiscoveredInterface& k) { return hotmodRemoveMatches(removal, k); }),
                   kept.end());
        result.log.push_back(fmt::format("hotmod remove {} {} {:#x}: {} interface(s) removed",
                                         removal.target.typeName(), toString(removal.target.space),
                                         removal.target.address, before - kept.size()));
    }

    // Interface numbers: SI with an IRQ, SI without, then SSIF.
    auto rank = [](const DiscoveredInterface& entry) { return !isSi(entry) ? 2 : (entry.irq != 0 ? 0 : 1); };
    std::stable_sort(kept.begin(), kept.end(),
                     [&](const DiscoveredInterface& a, const DiscoveredInterface& b) { return rank(a) < rank(b); });
    for (auto& entry : kept) {
        const bool unresolved = entry.typeUnknown || (entry.space == AddrSpace::Smbus && entry.address == 0);
        (unresolved ? result.unresolved : result.interfaces).push_back(std::move(entry));
    }
    return result;
}

Parsed<DiscoveryReport> discover(const Sysroot& root, const SiParams& params)
{
    DiscoveryReport report;
    auto hardcoded = hardcodedInterfaces(params);
    if (!hardcoded) {
        return Parsed<DiscoveryReport>::failure(hardcoded.error());
    }
    report.hardcoded = std::move(hardcoded).value();
    if (!params.hotmod.empty()) {
        auto hotmod = parseHotmod(params.hotmod);
        if (!hotmod) {
            return Parsed<DiscoveryReport>::failure(hotmod.error());
        }
        report.hotmod = std::move(hotmod).value();
    }

    std::vector<DiscoveredInterface> candidates = report.hardcoded;
    std::vector<HotmodOperation> removals;
    if (params.tryPlatform) {
        for (const auto& op : report.hotmod) {
            if (op.action == HotmodAction::Add) {
                candidates.push_back(op.target);
            } else {
                removals.push_back(op);
            }
        }
    }
    if (params.tryAcpi) {
        report.acpiTried = true;
        report.acpi = readAcpiDevices(root);
        report.spmi = readSpmi(root);
        candidates.insert(candidates.end(), report.acpi.interfaces.begin(), report.acpi.interfaces.end());
        candidates.insert(candidates.end(), report.spmi.interfaces.begin(), report.spmi.interfaces.end());
    }
    if (params.tryDmi) {
        report.dmiTried = true;
        report.smbios = readSmbios(root);
        candidates.insert(candidates.end(), report.smbios.interfaces.begin(), report.smbios.interfaces.end());
    }
    if (params.tryPci) {
        report.pciTried = true;
        report.pci = readPci(root);
        candidates.insert(candidates.end(), report.pci.interfaces.begin(), report.pci.interfaces.end());
    }
    report.merged = mergeInterfaces(candidates, removals);
    return report;
}

} // namespace ipmi::si::discovery
