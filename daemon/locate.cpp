// ipmi-cuse-locate's command line and report: see locate.hpp.
#include "daemon/locate.hpp"

#include "daemon/cli_common.hpp"
#include "daemon/options.hpp"
#include "daemon/version.hpp"
#include "si/discovery/discovery.hpp"
#include "si/discovery/ownership.hpp"

#include <fmt/format.h>
#include <sysexits.h>

#include <filesystem>
#include <system_error>

namespace ipmi::daemon {

namespace {

using namespace si::discovery;

constexpr const char* kDescription =
    "ipmi-cuse-locate: prints the IPMI system interfaces discovery finds (SMBIOS type 38, ACPI IPI0001 and\n"
    "SPMI, PCI, and the interfaces the ipmi_si parameters describe) and those ipmi-cuse would drive, without\n"
    "starting anything. Parameters are the daemon's: --ipmi_si.PARAM=VALUE, or PARAM=VALUE as modprobe takes\n"
    "them; -c reads the daemon's configuration file.";

// Where the tree to read is, if it is not there: the daemon would find
// nothing either, so this is a refused setting, not an empty report.
std::optional<std::string> sysrootProblem(const std::string& sysroot)
{
    if (sysroot.empty()) {
        return std::nullopt;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(sysroot, ec)) {
        return fmt::format("--sysroot {}: {}", sysroot,
                           std::filesystem::exists(sysroot, ec) ? "not a directory" : "no such directory");
    }
    return std::nullopt;
}

void printInterface(std::ostream& out, const DiscoveredInterface& entry, const char* indent)
{
    out << fmt::format("{}{}\n", indent, entry.description());
    out << fmt::format("{}  interface type: {}\n", indent, entry.typeName());
    if (entry.space == AddrSpace::Smbus) {
        out << fmt::format("{}  i2c adapter: {}\n", indent,
                           entry.i2cAdapter ? fmt::format("i2c-{}", *entry.i2cAdapter)
                                            : std::string("not stated (any)"));
        out << fmt::format("{}  i2c address: {}\n", indent,
                           entry.address != 0 ? fmt::format("{:#04x}", entry.i2cAddress()) : std::string("unknown"));
    } else {
        out << fmt::format("{}  {} base address: {:#x}\n", indent, entry.space == AddrSpace::Io ? "I/O" : "memory",
                           entry.address);
        out << fmt::format("{}  register spacing: {}{}\n", indent, entry.regSpacing,
                           entry.spacingNeedsProbe ? " (probed 1/4/16 when started, as the kernel does)" : "");
        out << fmt::format("{}  register size: {}, shift: {}\n", indent, entry.regSize, entry.regShift);
        out << fmt::format("{}  irq: {}{}\n", indent, entry.irq,
                           entry.irq != 0 ? " (reported only: ipmi-cuse polls)" : "");
    }
    out << fmt::format("{}  slave address: {:#04x}{}\n", indent, entry.effectiveSlaveAddr(),
                       entry.slaveAddr == 0 ? " (default)" : "");
    if (entry.specMajor != 0 || entry.specMinor != 0) {
        out << fmt::format("{}  IPMI version: {}.{}\n", indent, entry.specMajor, entry.specMinor);
    }
    out << fmt::format("{}  source: {}{}{}\n", indent, core::toString(entry.addrSource),
                       entry.deviceName.empty() ? "" : " " + entry.deviceName,
                       entry.acpiPath.empty() ? "" : " " + entry.acpiPath);
}

void printSource(std::ostream& out, const char* title, bool tried, const std::vector<DiscoveredInterface>& found,
                 const std::vector<std::string>& problems)
{
    out << fmt::format("{}:\n", title);
    if (!tried) {
        out << "  (disabled)\n";
        return;
    }
    for (const auto& entry : found) {
        printInterface(out, entry, "  ");
    }
    for (const auto& problem : problems) {
        out << fmt::format("  note: {}\n", problem);
    }
    if (found.empty() && problems.empty()) {
        out << "  nothing found\n";
    }
}

} // namespace

ParsedLocate parseLocateCommandLine(int argc, const char* const* argv)
{
    CLI::App app{kDescription, "ipmi-cuse-locate"};
    app.set_version_flag("--version", "ipmi-cuse-locate " + std::string(kVersion));
    app.get_formatter()->column_width(44);

    Options options;
    std::string configFile;
    ModuleOptions values;
    addValueOption(app, "--sysroot", values.values["daemon.sysroot"],
                   "prefix for /sys when discovering (a copy of another machine's tables)", false)
        ->group("Options");
    values.flagOf["daemon.sysroot"] = "--sysroot";
    app.add_option("-c,--config", configFile, "the daemon's configuration file (its [ipmi_si] and sysroot)");
    bool noDmi = false;
    bool noAcpi = false;
    bool noPci = false;
    app.add_flag("--no-dmi", noDmi, "do not look in SMBIOS (as --ipmi_si.trydmi=0)");
    app.add_flag("--no-acpi", noAcpi, "do not look in ACPI (as --ipmi_si.tryacpi=0)");
    app.add_flag("--no-pci", noPci, "do not look for PCI IPMI devices (as --ipmi_si.trypci=0)");
    addModuleOptions(app, "ipmi_si", values);
    // The spelling of earlier versions, --PARAM=VALUE without the module.
    ModuleOptions bare;
    for (const auto& info : settingCatalogue()) {
        if (std::string_view(info.section) == "ipmi_si") {
            const std::string id = std::string("ipmi_si.") + info.key;
            addValueOption(app, std::string("--") + info.key, bare.values[id], info.help, info.boolean)->group("");
            bare.flagOf[id] = std::string("--") + info.key;
        }
    }
    std::vector<std::string> kernelStyle;
    app.add_option("PARAMS", kernelStyle,
                   "ipmi_si parameters as PARAM=VALUE, as modprobe takes them (type=kcs ports=0xca2)");

    if (auto exit = parseArguments(app, argc, argv)) {
        return ParsedLocate{std::nullopt, exit->exitCode, std::move(exit->out), std::move(exit->err)};
    }
    if (!configFile.empty()) {
        options.configFile = configFile;
    }
    for (const auto& word : kernelStyle) {
        const auto equals = word.find('=');
        if (equals == 0 || equals == std::string::npos) {
            return ParsedLocate{std::nullopt,
                                EX_USAGE,
                                {},
                                fmt::format("ipmi-cuse-locate: '{}': expected PARAM=VALUE, an ipmi_si parameter "
                                            "(e.g. type=kcs)\nRun with --help for more information.\n",
                                            word)};
        }
        options.settings.push_back(
            Setting{"ipmi_si", word.substr(0, equals), word.substr(equals + 1), "argument " + word});
    }
    for (const auto& [given, key, flag] :
         {std::tuple{noDmi, "trydmi", "--no-dmi"}, std::tuple{noAcpi, "tryacpi", "--no-acpi"},
          std::tuple{noPci, "trypci", "--no-pci"}}) {
        if (given) {
            options.settings.push_back(Setting{"ipmi_si", key, "0", std::string("option ") + flag});
        }
    }
    for (auto& setting : givenSettings(app, bare)) {
        options.settings.push_back(std::move(setting));
    }
    for (auto& setting : givenSettings(app, values)) {
        options.settings.push_back(std::move(setting));
    }

    Config config;
    if (auto error = loadConfig(options, config)) {
        return ParsedLocate{std::nullopt, EX_CONFIG, {}, "ipmi-cuse-locate: " + *error + "\n"};
    }
    if (auto problem = sysrootProblem(config.daemon.sysroot)) {
        return ParsedLocate{std::nullopt, EX_CONFIG, {}, "ipmi-cuse-locate: " + *problem + "\n"};
    }
    return ParsedLocate{std::move(config), 0, {}, {}};
}

int runLocate(const Config& config, std::ostream& out, std::ostream& err)
{
    const Sysroot root(config.daemon.sysroot);
    auto report = discover(root, config.si);
    if (!report) {
        err << fmt::format("ipmi-cuse-locate: {}\n", report.error());
        return 1;
    }
    const DiscoveryReport& found = report.value();

    printSource(out, "Parameters (hardcoded)", true, found.hardcoded, {});
    std::vector<DiscoveredInterface> hotmodAdds;
    for (const auto& op : found.hotmod) {
        if (op.action == HotmodAction::Add) {
            hotmodAdds.push_back(op.target);
        }
    }
    printSource(out, "hotmod", config.si.tryPlatform, hotmodAdds, {});
    printSource(out, "ACPI IPI0001 devices", found.acpiTried, found.acpi.interfaces, found.acpi.problems);
    printSource(out, "ACPI SPMI table", found.acpiTried, found.spmi.interfaces, found.spmi.problems);
    std::vector<std::string> smbiosNotes = found.smbios.problems;
    if (!found.smbios.smbiosVersion.empty()) {
        smbiosNotes.insert(smbiosNotes.begin(), "SMBIOS " + found.smbios.smbiosVersion);
    }
    printSource(out, "SMBIOS type 38", found.dmiTried, found.smbios.interfaces, smbiosNotes);
    printSource(out, "PCI class 0x0c07", found.pciTried, found.pci.interfaces, found.pci.problems);

    out << "\nDecisions:\n";
    for (const auto& line : found.merged.log) {
        out << fmt::format("  ipmi_si: {}\n", line);
    }

    out << "\nInterfaces ipmi-cuse would drive:\n";
    if (found.merged.interfaces.empty()) {
        out << "  none\n";
    }
    int number = 0;
    for (const auto& entry : found.merged.interfaces) {
        const Ownership ownership = checkKernelOwnership(root, entry);
        if (entry.space == AddrSpace::Smbus) {
            out << fmt::format(
                "  ipmi_ssif: {}-specified ssif at i2c address {:#04x}, adapter {}, slave address {:#x}\n",
                core::toString(entry.addrSource), entry.i2cAddress(),
                entry.i2cAdapter ? fmt::format("i2c-{}", *entry.i2cAdapter) : std::string("any"),
                entry.effectiveSlaveAddr());
        } else {
            out << fmt::format(
                "  ipmi_si: Trying {}-specified {} state machine at {} address {:#x}, slave address {:#x}, irq {}\n",
                core::toString(entry.addrSource), entry.typeName(), toString(entry.space), entry.address,
                entry.effectiveSlaveAddr(), entry.irq);
        }
        out << fmt::format("    interface {}: {}; {}\n", number++, entry.paramsString(),
                           ownership.ownedByKernel ? "REFUSED: " + ownership.message : ownership.message);
    }
    for (const auto& entry : found.merged.unresolved) {
        out << fmt::format("  not usable as found: {} from {} {} ({}): {}\n", entry.description(),
                           core::toString(entry.addrSource), entry.deviceName, entry.acpiPath,
                           entry.typeUnknown
                               ? "the interface type is not visible to userspace; give type= and ports=/addrs="
                               : "the I2C address is not visible to userspace");
    }
    const auto kernel = kernelIpmiInterfaces(root);
    if (!kernel.empty()) {
        out << "\nThe kernel already has IPMI interfaces:";
        for (const auto& line : kernel) {
            out << fmt::format(" {}", line);
        }
        out << "\n";
    }
    return 0;
}

} // namespace ipmi::daemon
