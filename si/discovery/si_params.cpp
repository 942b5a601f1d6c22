// Parsing of the ipmi_si module parameters; see si_params.hpp.
#include "si/discovery/si_params.hpp"

#include "core/kernel_number.hpp"
#include "si/discovery/hotmod.hpp"
#include "si/discovery/sysroot.hpp"

#include <fmt/format.h>

#include <limits>
#include <type_traits>

namespace ipmi::si::discovery {
namespace {

constexpr std::size_t kMaxTypeString = 30; // MAX_SI_TYPE_STR, including the NUL

std::vector<std::string_view> splitCommas(std::string_view text)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        parts.push_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return parts;
}

// A signed value as kstrtoint(.., 0, ..) reads it: optional '-', C syntax.
std::optional<long> parseSigned(std::string_view text)
{
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    auto magnitude = core::parseKernelNumber(text);
    if (!magnitude || *magnitude > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
        return std::nullopt;
    }
    const long value = static_cast<long>(*magnitude);
    return negative ? -value : value;
}

// What is wrong with entry `value` of a per-interface register or address
// list, or nullopt: the same rule for a value given as a parameter
// (applySiParam, at start-up whatever the backend) and for one set straight
// into SiParams (hardcodedInterfaces).
std::optional<std::string_view> entryProblem(std::string_view name, long value)
{
    if (name == "regsizes" && value != 0 && value != 1 && value != 2 && value != 4 && value != 8) {
        return "must be 1, 2, 4 or 8";
    }
    if ((name == "regspacings" || name == "irqs") && value < 0) {
        return "must not be negative";
    }
    if (name == "regshifts" && (value < 0 || value >= 64)) {
        return "must be 0..63";
    }
    if (name == "slave_addrs" && (value < 0 || value > 0xFF)) {
        return "must be 0..0xff";
    }
    return std::nullopt;
}

std::string entryRefusal(std::string_view name, std::size_t index, long value, std::string_view problem)
{
    return fmt::format("{}: entry {} is {}; {}", name, index, value, problem);
}

template <typename T, typename Parse>
Parsed<bool> parseArray(std::string_view name, std::string_view value, std::vector<T>& out, Parse parse)
{
    std::vector<T> parsed;
    const auto parts = splitCommas(value);
    if (parts.size() > kSiMaxParams) {
        return Parsed<bool>::failure(
            fmt::format("{}: can only take {} arguments, got {} ('{}')", name, kSiMaxParams, parts.size(), value));
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto element = parse(parts[i]);
        if (!element) {
            return Parsed<bool>::failure(
                fmt::format("{}: entry {} '{}' is not a valid number (in '{}')", name, i, parts[i], value));
        }
        if constexpr (std::is_same_v<T, long>) {
            if (const auto problem = entryProblem(name, *element)) {
                return Parsed<bool>::failure(entryRefusal(name, i, *element, *problem) +
                                             fmt::format(" (in '{}')", value));
            }
        }
        parsed.push_back(static_cast<T>(*element));
    }
    out = std::move(parsed);
    return true;
}

Parsed<bool> parseBoolInto(std::string_view name, std::string_view value, bool& out)
{
    auto parsed = core::parseKernelBool(value);
    if (!parsed) {
        return Parsed<bool>::failure(fmt::format("{}: '{}' is not a boolean (use 1/0, y/n, on/off)", name, value));
    }
    out = *parsed;
    return true;
}

std::optional<std::uint64_t> parseUnsignedInt(std::string_view text)
{
    auto value = core::parseKernelNumber(text);
    if (!value || *value > std::numeric_limits<unsigned int>::max()) {
        return std::nullopt;
    }
    return value;
}

template <typename T>
T at(const std::vector<T>& values, std::size_t index)
{
    return index < values.size() ? values[index] : T{};
}

} // namespace

std::optional<bool> SiParams::forceKipmidFor(std::size_t interfaceNumber) const
{
    if (interfaceNumber >= forceKipmid.size()) {
        return std::nullopt;
    }
    return forceKipmid[interfaceNumber] != 0;
}

unsigned long SiParams::kipmidMaxBusyUsFor(std::size_t interfaceNumber) const
{
    return at(kipmidMaxBusyUs, interfaceNumber);
}

unsigned SiParams::debugBitsFor(SiType type) const
{
    switch (type) {
    case SiType::Kcs:
        return kcsDebug;
    case SiType::Bt:
        return btDebug;
    case SiType::Smic:
        return smicDebug;
    case SiType::Ssif:
        break;
    }
    return 0;
}

Parsed<bool> applySiParam(SiParams& params, std::string_view name, std::string_view value)
{
    if (name == "type") {
        if (value.size() >= kMaxTypeString) {
            return Parsed<bool>::failure(
                fmt::format("type: '{}' is longer than {} characters", value, kMaxTypeString - 1));
        }
        std::vector<std::string> types;
        if (!value.empty()) {
            const auto parts = splitCommas(value);
            if (parts.size() > kSiMaxParams) {
                return Parsed<bool>::failure(
                    fmt::format("type: can only take {} arguments, got {} ('{}')", kSiMaxParams, parts.size(), value));
            }
            for (std::size_t i = 0; i < parts.size(); ++i) {
                // The kernel only warns and skips the interface; we refuse
                // the whole configuration so a typo cannot go unnoticed.
                const auto parsed = siTypeFromString(parts[i]);
                if (!parts[i].empty() && parts[i] != "invalid" && (!parsed || *parsed == SiType::Ssif)) {
                    return Parsed<bool>::failure(fmt::format(
                        "type: entry {} '{}' is not one of kcs, smic, bt, invalid (in '{}')", i, parts[i], value));
                }
                types.emplace_back(parts[i]);
            }
        }
        params.types = std::move(types);
        return true;
    }
    if (name == "ports") {
        return parseArray(name, value, params.ports, parseUnsignedInt);
    }
    if (name == "addrs") {
        return parseArray(name, value, params.addrs, core::parseKernelNumber);
    }
    if (name == "irqs") {
        return parseArray(name, value, params.irqs, parseSigned);
    }
    if (name == "regspacings") {
        return parseArray(name, value, params.regSpacings, parseSigned);
    }
    if (name == "regsizes") {
        return parseArray(name, value, params.regSizes, parseSigned);
    }
    if (name == "regshifts") {
        return parseArray(name, value, params.regShifts, parseSigned);
    }
    if (name == "slave_addrs") {
        return parseArray(name, value, params.slaveAddrs, parseSigned);
    }
    if (name == "force_kipmid") {
        return parseArray(name, value, params.forceKipmid, parseSigned);
    }
    if (name == "kipmid_max_busy_us") {
        return parseArray(name, value, params.kipmidMaxBusyUs, parseUnsignedInt);
    }
    if (name == "unload_when_empty") {
        return parseBoolInto(name, value, params.unloadWhenEmpty);
    }
    if (name == "trydmi") {
        return parseBoolInto(name, value, params.tryDmi);
    }
    if (name == "tryacpi") {
        return parseBoolInto(name, value, params.tryAcpi);
    }
    if (name == "trypci") {
        return parseBoolInto(name, value, params.tryPci);
    }
    if (name == "tryplatform") {
        return parseBoolInto(name, value, params.tryPlatform);
    }
    if (name == "kcs_debug" || name == "bt_debug" || name == "smic_debug") {
        const auto bits = parseUnsignedInt(value);
        if (!bits) {
            return Parsed<bool>::failure(
                fmt::format("{}: '{}' is not a number (bits: 1 generic, 2 messages, 4 states)", name, value));
        }
        (name == "kcs_debug"  ? params.kcsDebug
         : name == "bt_debug" ? params.btDebug
                              : params.smicDebug) = static_cast<unsigned>(*bits);
        return true;
    }
    if (name == "hotmod") {
        // Parsed when set, as the kernel's hotmod parameter is: a bad string
        // is refused at start-up, not when discovery first reads it.
        // An empty one is none, as unset.
        if (const auto parsed = parseHotmod(value); !value.empty() && !parsed) {
            return Parsed<bool>::failure(parsed.error());
        }
        params.hotmod = std::string(value);
        return true;
    }
    return Parsed<bool>::failure(fmt::format("unknown ipmi_si parameter '{}' (value '{}')", name, value));
}

Parsed<SiParams> parseSiParams(const std::vector<std::pair<std::string, std::string>>& keyValues)
{
    SiParams params;
    for (const auto& [name, value] : keyValues) {
        auto applied = applySiParam(params, name, value);
        if (!applied) {
            return Parsed<SiParams>::failure(applied.error());
        }
    }
    return params;
}

Parsed<std::vector<DiscoveredInterface>> hardcodedInterfaces(const SiParams& params)
{
    std::vector<DiscoveredInterface> found;
    for (std::size_t i = 0; i < kSiMaxParams; ++i) {
        const std::uint64_t port = at(params.ports, i);
        const std::uint64_t addr = at(params.addrs, i);
        if (port == 0 && addr == 0) {
            continue;
        }
        DiscoveredInterface base;
        const std::string typeText = at(params.types, i);
        base.invalid = typeText == "invalid";
        const auto type =
            typeText.empty() || base.invalid ? std::optional<SiType>(SiType::Kcs) : siTypeFromString(typeText);
        if (!type || *type == SiType::Ssif) {
            return Parsed<std::vector<DiscoveredInterface>>::failure(
                fmt::format("type: entry {} '{}' is not one of kcs, smic, bt, invalid", i, typeText));
        }
        base.type = *type;
        base.addrSource = core::AddrSource::Hardcoded;

        const long size = at(params.regSizes, i);
        const long spacing = at(params.regSpacings, i);
        const long shift = at(params.regShifts, i);
        const long slave = at(params.slaveAddrs, i);
        const long irq = at(params.irqs, i);
        for (const auto& [entryName, entry] : {std::pair<std::string_view, long>{"regsizes", size},
                                               {"regspacings", spacing},
                                               {"regshifts", shift},
                                               {"slave_addrs", slave},
                                               {"irqs", irq}}) {
            if (const auto problem = entryProblem(entryName, entry)) {
                return Parsed<std::vector<DiscoveredInterface>>::failure(entryRefusal(entryName, i, entry, *problem));
            }
        }
        // ipmi_platform_add: regsize 0 -> 1, regspacing 0 -> regsize.
        base.regSize = size == 0 ? kDefaultRegSize : static_cast<unsigned>(size);
        base.regSpacing = spacing == 0 ? base.regSize : static_cast<unsigned>(spacing);
        base.regShift = static_cast<unsigned>(shift);
        base.slaveAddr = static_cast<std::uint8_t>(slave);
        base.irq = static_cast<unsigned>(irq);
        base.deviceName = fmt::format("hardcode-ipmi-si.{}", i);
        if (port != 0) {
            DiscoveredInterface io = base;
            io.space = AddrSpace::Io;
            io.address = port;
            found.push_back(io);
        }
        if (addr != 0) {
            DiscoveredInterface mem = base;
            mem.space = AddrSpace::Memory;
            mem.address = addr;
            found.push_back(mem);
        }
    }
    return found;
}

} // namespace ipmi::si::discovery
