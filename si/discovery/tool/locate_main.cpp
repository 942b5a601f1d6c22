// ipmi-cuse-locate: prints what discovery finds — every source on its own,
// as FreeIPMI's ipmi-locate does, then the kernel-style decisions
// ("Adding SMBIOS-specified kcs state machine", "... duplicate") and the
// interfaces ipmi-cuse would drive, each with the kernel-ownership check.
// It reads tables and sysfs only; it never touches an interface.
#include "si/discovery/discovery.hpp"
#include "si/discovery/ownership.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace ipmi::si::discovery;

void printInterface(const DiscoveredInterface& entry, const char* indent)
{
    fmt::print("{}{}\n", indent, entry.description());
    fmt::print("{}  interface type: {}\n", indent, entry.typeName());
    if (entry.space == AddrSpace::Smbus) {
        fmt::print("{}  i2c adapter: {}\n", indent,
                   entry.i2cAdapter ? fmt::format("i2c-{}", *entry.i2cAdapter) : std::string("not stated (any)"));
        fmt::print("{}  i2c address: {}\n", indent,
                   entry.address != 0 ? fmt::format("{:#04x}", entry.i2cAddress()) : std::string("unknown"));
    } else {
        fmt::print("{}  {} base address: {:#x}\n", indent, entry.space == AddrSpace::Io ? "I/O" : "memory",
                   entry.address);
        fmt::print("{}  register spacing: {}{}\n", indent, entry.regSpacing,
                   entry.spacingNeedsProbe ? " (probed 1/4/16 when started, as the kernel does)" : "");
        fmt::print("{}  register size: {}, shift: {}\n", indent, entry.regSize, entry.regShift);
        fmt::print("{}  irq: {}{}\n", indent, entry.irq, entry.irq != 0 ? " (reported only: ipmi-cuse polls)" : "");
    }
    fmt::print("{}  slave address: {:#04x}{}\n", indent, entry.effectiveSlaveAddr(),
               entry.slaveAddr == 0 ? " (default)" : "");
    if (entry.specMajor != 0 || entry.specMinor != 0) {
        fmt::print("{}  IPMI version: {}.{}\n", indent, entry.specMajor, entry.specMinor);
    }
    fmt::print("{}  source: {}{}{}\n", indent, ipmi::core::toString(entry.addrSource),
               entry.deviceName.empty() ? "" : " " + entry.deviceName,
               entry.acpiPath.empty() ? "" : " " + entry.acpiPath);
}

void printSource(const char* title, bool tried, const std::vector<DiscoveredInterface>& found,
                 const std::vector<std::string>& problems)
{
    fmt::print("{}:\n", title);
    if (!tried) {
        fmt::print("  (disabled)\n");
        return;
    }
    for (const auto& entry : found) {
        printInterface(entry, "  ");
    }
    for (const auto& problem : problems) {
        fmt::print("  note: {}\n", problem);
    }
    if (found.empty() && problems.empty()) {
        fmt::print("  nothing found\n");
    }
}

constexpr const char* kUsage =
    "usage: ipmi-cuse-locate [--sysroot DIR] [--no-dmi] [--no-acpi] [--no-pci] [ipmi_si parameters]\n"
    "Prints the IPMI system interfaces discovery finds, without starting anything.\n"
    "Parameters use the kernel's syntax, as name=value or --name=value:\n"
    "  type ports addrs irqs regspacings regsizes regshifts slave_addrs force_kipmid\n"
    "  kipmid_max_busy_us unload_when_empty trydmi tryacpi trypci tryplatform hotmod\n";

} // namespace

int main(int argc, char** argv)
{
    // Hand-parsed: the options are few and kernel-shaped (name=value), and
    // CLI11 2.1's headers trip GCC 12's -Wnull-dereference.
    std::string sysroot;
    std::vector<std::pair<std::string, std::string>> keyValues;
    const std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string word = args[i];
        if (word == "-h" || word == "--help") {
            fmt::print("{}", kUsage);
            return 0;
        }
        if (word == "--no-dmi" || word == "--no-acpi" || word == "--no-pci") {
            keyValues.emplace_back("try" + word.substr(5), "0");
            continue;
        }
        if (word.rfind("--", 0) == 0) {
            word = word.substr(2);
            // "--name value" for anything but the flags above.
            if (word.find('=') == std::string::npos) {
                if (i + 1 >= args.size()) {
                    fmt::print(stderr, "ipmi-cuse-locate: --{} needs a value\n{}", word, kUsage);
                    return 2;
                }
                word += "=" + args[++i];
            }
        }
        const auto equals = word.find('=');
        const std::string name = word.substr(0, equals);
        const std::string value = equals == std::string::npos ? std::string() : word.substr(equals + 1);
        if (name == "sysroot") {
            sysroot = value;
        } else {
            keyValues.emplace_back(name, value);
        }
    }

    auto params = parseSiParams(keyValues);
    if (!params) {
        fmt::print(stderr, "ipmi-cuse-locate: {}\n", params.error());
        return 2;
    }
    const Sysroot root(sysroot);
    auto report = discover(root, params.value());
    if (!report) {
        fmt::print(stderr, "ipmi-cuse-locate: {}\n", report.error());
        return 2;
    }
    const DiscoveryReport& found = report.value();

    printSource("Parameters (hardcoded)", true, found.hardcoded, {});
    std::vector<DiscoveredInterface> hotmodAdds;
    for (const auto& op : found.hotmod) {
        if (op.action == HotmodAction::Add) {
            hotmodAdds.push_back(op.target);
        }
    }
    printSource("hotmod", params.value().tryPlatform, hotmodAdds, {});
    printSource("ACPI IPI0001 devices", found.acpiTried, found.acpi.interfaces, found.acpi.problems);
    printSource("ACPI SPMI table", found.acpiTried, found.spmi.interfaces, found.spmi.problems);
    std::vector<std::string> smbiosNotes = found.smbios.problems;
    if (!found.smbios.smbiosVersion.empty()) {
        smbiosNotes.insert(smbiosNotes.begin(), "SMBIOS " + found.smbios.smbiosVersion);
    }
    printSource("SMBIOS type 38", found.dmiTried, found.smbios.interfaces, smbiosNotes);
    printSource("PCI class 0x0c07", found.pciTried, found.pci.interfaces, found.pci.problems);

    fmt::print("\nDecisions:\n");
    for (const auto& line : found.merged.log) {
        fmt::print("  ipmi_si: {}\n", line);
    }

    fmt::print("\nInterfaces ipmi-cuse would drive:\n");
    if (found.merged.interfaces.empty()) {
        fmt::print("  none\n");
    }
    int number = 0;
    for (const auto& entry : found.merged.interfaces) {
        const Ownership ownership = checkKernelOwnership(root, entry);
        if (entry.space == AddrSpace::Smbus) {
            fmt::print("  ipmi_ssif: {}-specified ssif at i2c address {:#04x}, adapter {}, slave address {:#x}\n",
                       ipmi::core::toString(entry.addrSource), entry.i2cAddress(),
                       entry.i2cAdapter ? fmt::format("i2c-{}", *entry.i2cAdapter) : std::string("any"),
                       entry.effectiveSlaveAddr());
        } else {
            fmt::print(
                "  ipmi_si: Trying {}-specified {} state machine at {} address {:#x}, slave address {:#x}, irq {}\n",
                ipmi::core::toString(entry.addrSource), entry.typeName(), toString(entry.space), entry.address,
                entry.effectiveSlaveAddr(), entry.irq);
        }
        fmt::print("    interface {}: {}; {}\n", number++, entry.paramsString(),
                   ownership.ownedByKernel ? "REFUSED: " + ownership.message : ownership.message);
    }
    for (const auto& entry : found.merged.unresolved) {
        fmt::print("  not usable as found: {} from {} {} ({}): {}\n", entry.description(),
                   ipmi::core::toString(entry.addrSource), entry.deviceName, entry.acpiPath,
                   entry.typeUnknown ? "the interface type is not visible to userspace; give type= and ports=/addrs="
                                     : "the I2C address is not visible to userspace");
    }
    const auto kernel = kernelIpmiInterfaces(root);
    if (!kernel.empty()) {
        fmt::print("\nThe kernel already has IPMI interfaces:");
        for (const auto& line : kernel) {
            fmt::print(" {}", line);
        }
        fmt::print("\n");
    }
    return 0;
}
