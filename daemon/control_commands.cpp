// The control verbs' grammar and replies: see control_commands.hpp.
// GCC 12 with -fsanitize=address reports a -Wmaybe-uninitialized false
// positive in std::variant's move constructor as inlined into
// parseControlCommand's result; the pragma must precede <variant>.
#if !defined(__clang__) // clang has no such warning (nor the false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "daemon/asio.hpp"

#include "daemon/control_commands.hpp"

#include "daemon/control_words.hpp"
#include "daemon/poweroff_hook.hpp"

#include <cstdio>
#include <vector>

namespace ipmi::daemon {

namespace {

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(' ');
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(' ');
    return text.substr(first, last - first + 1);
}

// The first word and the rest (trimmed).
std::pair<std::string_view, std::string_view> splitWord(std::string_view text)
{
    text = trim(text);
    const auto space = text.find(' ');
    if (space == std::string_view::npos) {
        return {text, {}};
    }
    return {text.substr(0, space), trim(text.substr(space + 1))};
}

std::string hexByte(unsigned value)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%02x", value & 0xFFU);
    return text;
}

// "add|remove ADAPTER... ADDR": the adapter is every word in between, so
// names with spaces need no quoting.
ParsedControlCommand parseSsifCommand(std::string_view args)
{
    const auto w = splitWords(args);
    if (w.empty() || (w[0] != "add" && w[0] != "remove")) {
        return "ssif needs add or remove: ssif add|remove ADAPTER ADDR";
    }
    SsifCommand c;
    c.add = w[0] == "add";
    if (w.size() < 3) {
        return "ssif " + std::string(w[0]) + " needs ADAPTER ADDR (e.g. i2c-0 0x10)";
    }
    const auto addr = boundedNumber(w.back(), "ADDR", 1, 0x7F);
    if (const auto* error = std::get_if<std::string>(&addr)) {
        return "ssif " + std::string(w[0]) + ": " + *error + " (a 7-bit SMBus address)";
    }
    c.addr = static_cast<std::uint8_t>(std::get<std::uint64_t>(addr));
    const auto first = static_cast<std::size_t>(w[1].data() - args.data());
    const auto last = static_cast<std::size_t>(w[w.size() - 2].data() - args.data()) + w[w.size() - 2].size();
    c.adapter = std::string(args.substr(first, last - first));
    return ControlCommand{std::move(c)};
}

} // namespace

ParsedControlCommand parseControlCommand(std::string_view line)
{
    const auto [verb, rest] = splitWord(line);
    if (verb == "status") {
        if (rest.empty()) {
            return ControlCommand{StatusCommand{}};
        }
        const auto format = parseStatusFormat(rest);
        if (!format) {
            return "status: unknown format '" + std::string(rest) + "' (known: text, json, openmetrics)";
        }
        return ControlCommand{StatusCommand{*format}};
    }
    if (verb == "version") {
        if (!rest.empty()) {
            return std::string(verb) + " takes no arguments";
        }
        return ControlCommand{VersionCommand{}};
    }
    if (verb == "poweroff-powercycle") {
        if (rest.empty()) {
            return ControlCommand{PowerCycleCommand{}};
        }
        const auto value = PowerCycleSetting::parse(rest);
        if (!value) {
            return "poweroff-powercycle: '" + std::string(rest) + "' is not an integer";
        }
        return ControlCommand{PowerCycleCommand{*value}};
    }
    if (verb == "panic-event") {
        if (rest.empty()) {
            return "panic-event needs a MESSAGE";
        }
        return ControlCommand{PanicEventCommand{std::string(rest)}};
    }
    if (verb == "acpi-ipmi") {
        const auto [address, buffer] = splitWord(rest);
        if (address.empty() || buffer.empty()) {
            return "acpi-ipmi needs ADDRESS_HEX BUFFER_HEX";
        }
        auto command = core::services::parseAcpiIpmiCommand(address, buffer);
        if (const auto* problem = std::get_if<std::string>(&command)) {
            return "acpi-ipmi: " + *problem;
        }
        return ControlCommand{std::get<AcpiIpmiCommand>(command)};
    }
    if (verb == "fault") {
        auto command = parseFaultCommand(rest);
        if (auto* error = std::get_if<std::string>(&command)) {
            return std::move(*error);
        }
        return ControlCommand{std::get<FaultCommand>(std::move(command))};
    }
    if (verb == "hotmod") {
        auto parsed = si::discovery::parseHotmod(rest);
        if (!parsed) {
            return parsed.error();
        }
        return ControlCommand{HotmodCommand{std::string(rest), std::move(parsed).value()}};
    }
    if (verb == "ssif") {
        return parseSsifCommand(rest);
    }
    return "unknown command '" + std::string(verb) + "' (known: " + kControlVerbs + ")";
}

std::string formatPowerCycleReply(int value)
{
    return "poweroff_powercycle " + std::to_string(value) + "\n";
}

std::string formatPanicReport(const core::services::PanicReport& report, core::services::PanicOp op)
{
    std::string out = "panic_op " + std::string(core::services::toString(op)) + "\n";
    if (op == core::services::PanicOp::None) {
        return out + "nothing sent (panic_op is none)\n";
    }
    if (report.interfaces.empty()) {
        return out + "nothing sent: no usable interface\n";
    }
    for (const auto& i : report.interfaces) {
        out += "interface " + std::to_string(i.ifnum);
        if (i.eventError != 0) {
            out += " event error " + std::to_string(i.eventError);
        } else {
            out += " event cc " + hexByte(i.eventCc);
        }
        if (op == core::services::PanicOp::String) {
            out += " string records " + std::to_string(i.stringRecords);
        }
        out += "\n";
    }
    return out;
}

} // namespace ipmi::daemon
