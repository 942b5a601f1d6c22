// hotmod string parsing; see hotmod.hpp for the semantics.
#include "si/discovery/hotmod.hpp"

#include "core/kernel_number.hpp"
#include "si/discovery/sysroot.hpp"

#include <fmt/format.h>

#include <limits>

namespace ipmi::si::discovery {
namespace {

std::string_view trim(std::string_view text)
{
    constexpr std::string_view kSpace = " \t\r\n";
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(kSpace);
    return text.substr(first, last - first + 1);
}

// Takes the next comma-separated field off the front of rest.
std::string_view takeField(std::string_view& rest, bool& hadComma)
{
    const auto comma = rest.find(',');
    hadComma = comma != std::string_view::npos;
    std::string_view field = rest.substr(0, comma);
    rest = hadComma ? rest.substr(comma + 1) : std::string_view{};
    return field;
}

Parsed<HotmodOperation> parseOne(std::string_view text, std::size_t index)
{
    auto fail = [&](const std::string& message) {
        return Parsed<HotmodOperation>::failure(fmt::format("hotmod operation {} '{}': {}", index, text, message));
    };
    HotmodOperation op;
    op.target.addrSource = core::AddrSource::Hotmod;
    op.target.regSize = 0;
    op.target.regSpacing = 0;

    std::string_view rest = text;
    bool hadComma = false;
    std::string_view field = takeField(rest, hadComma);
    if (!hadComma) {
        return fail("no hotmod operation given");
    }
    if (field == "add") {
        op.action = HotmodAction::Add;
    } else if (field == "remove") {
        op.action = HotmodAction::Remove;
    } else {
        return fail(fmt::format("invalid hotmod operation '{}' (add or remove)", field));
    }

    field = takeField(rest, hadComma);
    if (!hadComma) {
        return fail("no hotmod interface type given");
    }
    const auto type = siTypeFromString(field);
    if (!type || *type == SiType::Ssif) {
        return fail(fmt::format("invalid hotmod interface type '{}' (kcs, bt or smic)", field));
    }
    op.target.type = *type;

    field = takeField(rest, hadComma);
    if (!hadComma) {
        return fail("no hotmod address space given");
    }
    if (field == "mem") {
        op.target.space = AddrSpace::Memory;
    } else if (field == "i/o") {
        op.target.space = AddrSpace::Io;
    } else {
        return fail(fmt::format("invalid hotmod address space '{}' (mem or i/o)", field));
    }

    field = takeField(rest, hadComma);
    const auto address = core::parseKernelNumber(field);
    if (!address) {
        return fail(fmt::format("invalid hotmod address '{}'", field));
    }
    op.target.address = *address;

    while (hadComma) {
        field = takeField(rest, hadComma);
        const auto equals = field.find('=');
        const std::string_view key = field.substr(0, equals);
        if (key != "rsp" && key != "rsi" && key != "rsh" && key != "irq" && key != "ipmb") {
            return fail(fmt::format("invalid hotmod option '{}'", key));
        }
        if (equals == std::string_view::npos) {
            return fail(fmt::format("no option given for '{}'", key));
        }
        const std::string_view valueText = field.substr(equals + 1);
        const auto value = core::parseKernelNumber(valueText);
        if (!value || *value > std::numeric_limits<unsigned int>::max()) {
            return fail(fmt::format("bad option given for '{}': '{}'", key, valueText));
        }
        const auto number = static_cast<unsigned>(*value);
        if (key == "rsp") {
            op.target.regSpacing = number;
        } else if (key == "rsi") {
            if (number != 0 && number != 1 && number != 2 && number != 4 && number != 8) {
                return fail(fmt::format("bad option given for 'rsi': {} (1, 2, 4 or 8)", number));
            }
            op.target.regSize = number;
        } else if (key == "rsh") {
            if (number >= 64) {
                return fail(fmt::format("bad option given for 'rsh': {} (0..63)", number));
            }
            op.target.regShift = number;
        } else if (key == "irq") {
            op.target.irq = number;
        } else {
            if (number > 0xFF) {
                return fail(fmt::format("bad option given for 'ipmb': {} (0..0xff)", number));
            }
            op.target.slaveAddr = static_cast<std::uint8_t>(number);
        }
    }
    // ipmi_platform_add's defaults.
    if (op.target.regSize == 0) {
        op.target.regSize = kDefaultRegSize;
    }
    if (op.target.regSpacing == 0) {
        op.target.regSpacing = op.target.regSize;
    }
    return op;
}

} // namespace

Parsed<std::vector<HotmodOperation>> parseHotmod(std::string_view text)
{
    std::vector<HotmodOperation> operations;
    text = trim(text);
    if (text.empty()) {
        return Parsed<std::vector<HotmodOperation>>::failure("hotmod: empty string (no operation given)");
    }
    std::size_t index = 0;
    while (true) {
        const auto colon = text.find(':');
        auto one = parseOne(text.substr(0, colon), index);
        if (!one) {
            return Parsed<std::vector<HotmodOperation>>::failure(one.error());
        }
        operations.push_back(std::move(one).value());
        if (colon == std::string_view::npos) {
            break;
        }
        text = text.substr(colon + 1);
        ++index;
    }
    return operations;
}

bool hotmodRemoveMatches(const HotmodOperation& remove, const DiscoveredInterface& candidate)
{
    return candidate.space == remove.target.space && !candidate.typeUnknown && !candidate.invalid &&
           candidate.type == remove.target.type && candidate.address == remove.target.address;
}

} // namespace ipmi::si::discovery
