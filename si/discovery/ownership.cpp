// Kernel ownership checks; see ownership.hpp.
#include "si/discovery/ownership.hpp"

#include "core/kernel_number.hpp"
#include "si/discovery/acpi.hpp"
#include "si/discovery/hotmod.hpp"

#include <fmt/format.h>

namespace ipmi::si::discovery {
namespace {

Ownership owned(std::string message)
{
    return Ownership{true, std::move(message)};
}

std::optional<Ownership> checkPlatformParams(const Sysroot& root, const DiscoveredInterface& interface)
{
    const std::string dir = "/sys/bus/platform/drivers/ipmi_si/";
    for (const auto& device : root.list(dir)) {
        auto params = root.readText(dir + device + "/params");
        if (!params) {
            continue;
        }
        auto parsed = parseHotmod("add," + *params);
        if (!parsed || parsed.value().empty()) {
            continue;
        }
        const auto& target = parsed.value().front().target;
        if (target.space == interface.space && target.address == interface.address) {
            return owned(fmt::format("the kernel's ipmi_si already drives {} {:#x} (platform device {}, params {}); "
                                     "unload ipmi_si (or unbind {}) first",
                                     toString(interface.space), interface.address, device, *params, device));
        }
    }
    return std::nullopt;
}

std::optional<Ownership> checkRegions(const Sysroot& root, const DiscoveredInterface& interface)
{
    const char* file = interface.space == AddrSpace::Io ? "/proc/ioports" : "/proc/iomem";
    auto text = root.readText(file);
    if (!text) {
        return std::nullopt;
    }
    const std::uint64_t first = interface.address;
    const std::uint64_t last = interface.lastAddress();
    for (const auto& entry : parseResourceTree(*text)) {
        if (entry.name != "ipmi_si" || (entry.start == 0 && entry.end == 0)) {
            continue;
        }
        if (entry.start <= last && first <= entry.end) {
            return owned(fmt::format("the kernel's ipmi_si holds {:x}-{:x} in {}, overlapping {} {:#x}-{:#x}; "
                                     "unload ipmi_si first",
                                     entry.start, entry.end, file, toString(interface.space), first, last));
        }
    }
    return std::nullopt;
}

std::optional<Ownership> checkSsif(const Sysroot& root, const DiscoveredInterface& interface)
{
    const std::string dir = "/sys/bus/i2c/drivers/ipmi_ssif/";
    for (const auto& client : root.list(dir)) {
        // Clients the kernel names "<bus>-<4 hex digits of address>".
        const auto dash = client.find('-');
        if (dash != std::string::npos && client.rfind("i2c-", 0) != 0) {
            const auto bus = core::parseKernelNumber(client.substr(0, dash));
            const auto address = core::parseKernelNumber("0x" + client.substr(dash + 1));
            if (bus && address && *address == interface.address &&
                (!interface.i2cAdapter || static_cast<std::uint64_t>(*interface.i2cAdapter) == *bus)) {
                return owned(fmt::format("the kernel's ipmi_ssif already drives i2c-{} address {:#04x} (client {}); "
                                         "unload ipmi_ssif first",
                                         *bus, *address, client));
            }
            continue;
        }
        // ACPI-enumerated clients carry the ACPI name instead of the address.
        if (!interface.deviceName.empty() && client == interface.deviceName) {
            return owned(
                fmt::format("the kernel's ipmi_ssif already drives ACPI client {}; unload ipmi_ssif first", client));
        }
    }
    return std::nullopt;
}

} // namespace

Ownership checkKernelOwnership(const Sysroot& root, const DiscoveredInterface& interface)
{
    if (interface.space == AddrSpace::Smbus) {
        if (auto result = checkSsif(root, interface)) {
            return *result;
        }
        return Ownership{false, "not driven by the kernel's ipmi_ssif"};
    }
    if (auto result = checkPlatformParams(root, interface)) {
        return *result;
    }
    if (interface.addrSource == core::AddrSource::Pci && !interface.deviceName.empty() &&
        root.exists("/sys/bus/pci/drivers/ipmi_si/" + interface.deviceName)) {
        return owned(
            fmt::format("the kernel's ipmi_si already drives PCI device {}; unload ipmi_si (or unbind {}) first",
                        interface.deviceName, interface.deviceName));
    }
    if (!interface.deviceName.empty() && root.exists("/sys/bus/platform/drivers/ipmi_si/" + interface.deviceName)) {
        return owned(fmt::format("the kernel's ipmi_si is bound to {}; unload ipmi_si (or unbind {}) first",
                                 interface.deviceName, interface.deviceName));
    }
    if (auto result = checkRegions(root, interface)) {
        return *result;
    }
    return Ownership{false, "not driven by the kernel's ipmi_si"};
}

std::vector<std::string> kernelIpmiInterfaces(const Sysroot& root)
{
    std::vector<std::string> found;
    for (const auto& name : root.list("/sys/class/ipmi")) {
        if (name.rfind("ipmi", 0) != 0) {
            continue;
        }
        auto device = root.linkTargetName("/sys/class/ipmi/" + name + "/device");
        found.push_back(device ? fmt::format("{} -> {}", name, *device) : name);
    }
    return found;
}

} // namespace ipmi::si::discovery
