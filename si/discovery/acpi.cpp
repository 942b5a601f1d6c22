// ACPI IPI0001 discovery through sysfs and the resource trees; see acpi.hpp.
#include "si/discovery/acpi.hpp"

#include "core/kernel_number.hpp"
#include "si/discovery/hotmod.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ipmi::si::discovery {
namespace {

constexpr std::string_view kAcpiDevices = "/sys/bus/acpi/devices/";
constexpr std::string_view kHid = "IPI0001";

std::string lower(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::optional<std::uint64_t> parseHex(std::string_view text)
{
    if (text.empty()) {
        return std::nullopt;
    }
    return core::parseKernelNumber(std::string("0x") + std::string(text));
}

// "ipmi_kcs", "IPMI_BT", "ipmi_smbus": the words firmware uses in _STR.
std::optional<SiType> typeFromDescription(std::string_view description)
{
    const std::string text = lower(description);
    auto has = [&](std::string_view word) {
        for (std::size_t pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1)) {
            const bool startOk = pos == 0 || !std::isalpha(static_cast<unsigned char>(text[pos - 1]));
            const std::size_t after = pos + word.size();
            const bool endOk = after >= text.size() || !std::isalpha(static_cast<unsigned char>(text[after]));
            if (startOk && endOk) {
                return true;
            }
        }
        return false;
    };
    if (has("kcs")) {
        return SiType::Kcs;
    }
    if (has("smic")) {
        return SiType::Smic;
    }
    if (has("bt")) {
        return SiType::Bt;
    }
    if (has("ssif") || has("smbus")) {
        return SiType::Ssif;
    }
    return std::nullopt;
}

struct NamedResources
{
    std::vector<ResourceEntry> io;
    std::vector<ResourceEntry> mem;
    bool hidden = false; // non-root view: every range reads 0
};

NamedResources resourcesNamed(const Sysroot& root, const std::string& name)
{
    NamedResources found;
    auto collect = [&](const char* file, std::vector<ResourceEntry>& out) {
        auto text = root.readText(file);
        if (!text) {
            return;
        }
        const auto entries = parseResourceTree(*text);
        bool anyNonZero = false;
        for (const auto& entry : entries) {
            anyNonZero = anyNonZero || entry.end != 0;
            if (entry.name == name) {
                out.push_back(entry);
            }
        }
        if (!entries.empty() && !anyNonZero) {
            found.hidden = true;
        }
    };
    collect("/proc/ioports", found.io);
    collect("/proc/iomem", found.mem);
    return found;
}

} // namespace

std::vector<ResourceEntry> parseResourceTree(std::string_view text)
{
    std::vector<ResourceEntry> entries;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        std::size_t indent = 0;
        while (indent < line.size() && line[indent] == ' ') {
            ++indent;
        }
        line.remove_prefix(indent);
        const auto dash = line.find('-');
        const auto colon = line.find(" : ");
        if (dash == std::string_view::npos || colon == std::string_view::npos || dash > colon) {
            continue;
        }
        const auto start = parseHex(line.substr(0, dash));
        const auto end = parseHex(line.substr(dash + 1, colon - dash - 1));
        if (!start || !end) {
            continue;
        }
        entries.push_back(
            ResourceEntry{*start, *end, std::string(line.substr(colon + 3)), static_cast<unsigned>(indent / 2)});
    }
    return entries;
}

AcpiResult readAcpiDevices(const Sysroot& root)
{
    AcpiResult result;
    for (const auto& name : root.list(kAcpiDevices)) {
        if (name.rfind(kHid, 0) != 0) {
            continue;
        }
        const std::string dir = std::string(kAcpiDevices) + name;
        if (auto hid = root.readText(dir + "/hid"); hid && *hid != kHid) {
            continue;
        }
        if (auto status = root.readText(dir + "/status")) {
            const auto value = core::parseKernelNumber(*status);
            if (value && (*value & 1U) == 0) {
                result.problems.push_back(fmt::format("{}: _STA says not present ({})", name, *status));
                continue;
            }
        }
        DiscoveredInterface found;
        found.addrSource = core::AddrSource::Acpi;
        found.acpiPath = root.readText(dir + "/path").value_or("");
        const std::string description = root.readText(dir + "/description").value_or("");
        const auto described = typeFromDescription(description);
        found.type = described.value_or(SiType::Kcs);
        found.typeUnknown = !described;

        auto physical = root.linkTarget(dir + "/physical_node");
        if (!physical) {
            result.problems.push_back(
                fmt::format("{} ({}): no physical node, so no resources are visible", name, found.acpiPath));
            continue;
        }
        std::string_view target = *physical;
        const auto lastSlash = target.rfind('/');
        const std::string nodeName(lastSlash == std::string_view::npos ? target : target.substr(lastSlash + 1));
        found.deviceName = nodeName;

        if (nodeName.rfind("i2c-", 0) == 0) {
            // An I2C client: its parent directory is the adapter, "i2c-N".
            found.type = SiType::Ssif;
            found.typeUnknown = false;
            found.space = AddrSpace::Smbus;
            found.regSpacing = 0;
            found.regSize = 0;
            const std::string_view parentPath = target.substr(0, lastSlash);
            const auto parentSlash = parentPath.rfind('/');
            const std::string_view parent =
                parentSlash == std::string_view::npos ? parentPath : parentPath.substr(parentSlash + 1);
            if (parent.rfind("i2c-", 0) == 0) {
                if (auto number = core::parseKernelNumber(parent.substr(4))) {
                    found.i2cAdapter = static_cast<int>(*number);
                }
            }
            result.interfaces.push_back(std::move(found));
            continue;
        }

        // ipmi_si's own attributes, when it drives the device, are exact:
        // "params" is the hotmod syntax without the operation.
        const std::string platformDir = "/sys/bus/platform/devices/" + nodeName;
        if (auto params = root.readText(platformDir + "/params")) {
            auto parsed = parseHotmod("add," + *params);
            if (parsed && parsed.value().size() == 1) {
                DiscoveredInterface exact = parsed.value().front().target;
                exact.addrSource = core::AddrSource::Acpi;
                exact.acpiPath = found.acpiPath;
                exact.deviceName = nodeName;
                result.interfaces.push_back(std::move(exact));
                continue;
            }
            result.problems.push_back(fmt::format("{}: cannot read ipmi_si's params '{}'", nodeName, *params));
        }
        if (auto type = root.readText(platformDir + "/type")) {
            if (auto parsed = siTypeFromString(*type)) {
                found.type = *parsed;
                found.typeUnknown = false;
            } else if (*type == "invalid") {
                found.invalid = true;
                found.typeUnknown = false;
            }
        }

        const NamedResources resources = resourcesNamed(root, nodeName);
        const std::vector<ResourceEntry>& chosen = !resources.io.empty() ? resources.io : resources.mem;
        if (chosen.empty()) {
            result.problems.push_back(
                fmt::format("{} ({}): no I/O or memory resource named {} in /proc/ioports or /proc/iomem{}", name,
                            found.acpiPath, nodeName, resources.hidden ? " (addresses are hidden: run as root)" : ""));
            continue;
        }
        if (chosen.front().start == 0 && chosen.front().end == 0) {
            result.problems.push_back(
                fmt::format("{} ({}): its resource addresses are hidden: run as root", name, found.acpiPath));
            continue;
        }
        found.space = !resources.io.empty() ? AddrSpace::Io : AddrSpace::Memory;
        found.address = chosen.front().start;
        // ipmi_get_info_from_resources: spacing from the second resource of
        // the same kind, else the default.
        found.regSpacing = kDefaultRegSpacing;
        if (chosen.size() > 1 && chosen[1].start > chosen[0].start) {
            found.regSpacing = static_cast<unsigned>(chosen[1].start - chosen[0].start);
        }
        found.regSize = kDefaultRegSize;
        result.interfaces.push_back(std::move(found));
    }
    return result;
}

} // namespace ipmi::si::discovery
