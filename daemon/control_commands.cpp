// The control verbs' grammar and replies: see control_commands.hpp.
// GCC 12 with -fsanitize=address reports a -Wmaybe-uninitialized false
// positive in std::variant's move constructor as inlined into
// std::optional<ControlCommand>; the pragma must precede <variant>.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "daemon/asio.hpp"

#include "daemon/control_commands.hpp"

#include "core/services/poweroff_hook.hpp"

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

} // namespace

std::optional<ControlCommand> parseControlCommand(std::string_view line, std::string& error)
{
    const auto [verb, rest] = splitWord(line);
    if (verb == "status" || verb == "version") {
        if (!rest.empty()) {
            error = std::string(verb) + " takes no arguments";
            return std::nullopt;
        }
        if (verb == "status") {
            return ControlCommand{StatusCommand{}};
        }
        return ControlCommand{VersionCommand{}};
    }
    if (verb == "poweroff-powercycle") {
        if (rest.empty()) {
            return ControlCommand{PowerCycleCommand{}};
        }
        const auto value = core::services::PowerCycleSetting::parse(rest);
        if (!value) {
            error = "poweroff-powercycle: '" + std::string(rest) + "' is not an integer";
            return std::nullopt;
        }
        return ControlCommand{PowerCycleCommand{*value}};
    }
    if (verb == "panic-event") {
        if (rest.empty()) {
            error = "panic-event needs a MESSAGE";
            return std::nullopt;
        }
        return ControlCommand{PanicEventCommand{std::string(rest)}};
    }
    if (verb == "acpi-ipmi") {
        const auto [address, buffer] = splitWord(rest);
        if (address.empty() || buffer.empty()) {
            error = "acpi-ipmi needs ADDRESS_HEX BUFFER_HEX";
            return std::nullopt;
        }
        std::string problem;
        auto command = core::services::parseAcpiIpmiCommand(address, buffer, problem);
        if (!command) {
            error = "acpi-ipmi: " + problem;
            return std::nullopt;
        }
        return ControlCommand{*command};
    }
    error = "unknown command '" + std::string(verb) + "' (known: " + kControlVerbs + ")";
    return std::nullopt;
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
