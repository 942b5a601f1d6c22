// The textual form of a node policy (grammar in node_policy.hpp): parse()
// refuses bad text with a message that quotes the policy and names the part
// that is wrong; text() writes the canonical form parse() reads back.
#include "abi/ipmi_commands.hpp"
#include "cuse_dev/node_policy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <charconv>

namespace ipmi::cuse {

namespace {

constexpr std::string_view kFull = "full";
constexpr std::string_view kMonitor = "monitor";
constexpr std::string_view kRawMasterWriteRead = "raw-master-write-read";
constexpr unsigned kMaxNetfn = 0x3f;
constexpr unsigned kMaxLun = 3;

std::string_view trim(std::string_view s)
{
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Splits at every `sep`; empty pieces are kept so they can be refused.
std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const auto at = s.find(sep, start);
        parts.push_back(trim(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
        if (at == std::string_view::npos) {
            return parts;
        }
        start = at + 1;
    }
}

// A number (0x-prefixed hex or decimal) or '*' (nullopt); the error names
// the field and its limit.
using Field = std::variant<std::optional<std::uint8_t>, std::string>;

Field parseField(std::string_view text, std::string_view what, unsigned max, bool wildcard)
{
    if (text == "*" && wildcard) {
        return std::optional<std::uint8_t>{};
    }
    int base = 10;
    std::string_view digits = text;
    if (digits.starts_with("0x") || digits.starts_with("0X")) {
        base = 16;
        digits.remove_prefix(2);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
        return fmt::format("{} '{}' is not a number{}", what, text, wildcard ? " or '*'" : "");
    }
    if (value > max) {
        return fmt::format("{} {} is out of range (0 to {:#x})", what, text, max);
    }
    return std::optional<std::uint8_t>{static_cast<std::uint8_t>(value)};
}

// NETFN:CMD[:BODY][@LUN]; a message on error.
std::variant<CommandRule, std::string> parseRule(std::string_view item)
{
    CommandRule rule;
    std::string_view command = item;
    if (const auto at = item.find('@'); at != std::string_view::npos) {
        command = trim(item.substr(0, at));
        auto lun = parseField(trim(item.substr(at + 1)), "LUN", kMaxLun, false);
        if (auto* error = std::get_if<std::string>(&lun)) {
            return *error;
        }
        rule.lun = std::get<0>(lun);
    }
    const auto fields = split(command, ':');
    if (fields.size() < 2 || fields.size() > 3) {
        return std::string("expected NETFN:CMD[:BODY][@LUN]");
    }
    struct Spec
    {
        std::optional<std::uint8_t>* into;
        std::string_view what;
        unsigned max;
    };
    const std::array<Spec, 3> specs{Spec{&rule.netfn, "netfn", kMaxNetfn}, Spec{&rule.cmd, "command", 0xff},
                                    Spec{&rule.body, "defining body", 0xff}};
    for (std::size_t i = 0; i < fields.size(); ++i) {
        auto field = parseField(fields[i], specs[i].what, specs[i].max, true);
        if (auto* error = std::get_if<std::string>(&field)) {
            return *error;
        }
        *specs[i].into = std::get<0>(field);
    }
    if (fields.size() == 3 && rule.netfn != abi::IPMI_NETFN_GROUP_EXTENSION_REQUEST) {
        return fmt::format("a defining body is only meaningful under netfn {:#04x} (group extension)",
                           abi::IPMI_NETFN_GROUP_EXTENSION_REQUEST);
    }
    return rule;
}

std::string fieldText(const std::optional<std::uint8_t>& v)
{
    return v ? fmt::format("{:#04x}", *v) : std::string("*");
}

std::string ruleText(const CommandRule& r)
{
    std::string out = fieldText(r.netfn) + ":" + fieldText(r.cmd);
    if (r.body) {
        out += ":" + fieldText(r.body);
    }
    if (r.lun) {
        out += fmt::format("@{}", *r.lun);
    }
    return out;
}

} // namespace

std::variant<NodePolicy, std::string> NodePolicy::parse(std::string_view text)
{
    const auto fail = [text](std::string_view what) { return fmt::format("bad policy '{}': {}", text, what); };
    NodePolicy policy;
    policy.preset_ = Preset::None;
    std::string_view presetSeen;
    for (const auto part : split(text, ';')) {
        if (part.empty()) {
            return fail("an empty part (two ';' in a row, or one at an end)");
        }
        if (part == kFull || part == kMonitor) {
            if (!presetSeen.empty()) {
                return fail(fmt::format("more than one preset ('{}' after '{}')", part, presetSeen));
            }
            presetSeen = part;
            policy.preset_ = part == kFull ? Preset::Full : Preset::Monitor;
            continue;
        }
        const auto eq = part.find('=');
        const auto key = trim(part.substr(0, eq));
        if (eq == std::string_view::npos || (key != "allow" && key != "deny")) {
            return fail(fmt::format("unknown part '{}': expected full, monitor, allow=RULES or deny=RULES", part));
        }
        const bool allow = key == "allow";
        for (const auto item : split(part.substr(eq + 1), ',')) {
            if (item.empty()) {
                return fail(fmt::format("an empty rule in '{}'", part));
            }
            if (item == kRawMasterWriteRead) {
                if (!allow) {
                    return fail("raw-master-write-read can only be allowed (deny 0x06:0x52 to refuse every "
                                "Master Write-Read)");
                }
                policy.rawMasterWriteRead_ = true;
                continue;
            }
            auto rule = parseRule(item);
            if (auto* error = std::get_if<std::string>(&rule)) {
                return fail(fmt::format("rule '{}': {}", item, *error));
            }
            (allow ? policy.allow_ : policy.deny_).push_back(std::get<CommandRule>(rule));
        }
    }
    if (policy.preset_ == Preset::None && policy.allow_.empty() && !policy.rawMasterWriteRead_) {
        return fail("it allows nothing: name a preset (full, monitor) or allow= rules");
    }
    return policy;
}

std::string NodePolicy::text() const
{
    std::vector<std::string> parts;
    if (preset_ != Preset::None) {
        parts.emplace_back(preset_ == Preset::Full ? kFull : kMonitor);
    }
    std::vector<std::string> allowed;
    for (const auto& r : allow_) {
        allowed.push_back(ruleText(r));
    }
    if (rawMasterWriteRead_) {
        allowed.emplace_back(kRawMasterWriteRead);
    }
    if (!allowed.empty()) {
        parts.push_back(fmt::format("allow={}", fmt::join(allowed, ",")));
    }
    if (!deny_.empty()) {
        std::vector<std::string> denied;
        for (const auto& r : deny_) {
            denied.push_back(ruleText(r));
        }
        parts.push_back(fmt::format("deny={}", fmt::join(denied, ",")));
    }
    return fmt::format("{}", fmt::join(parts, ";"));
}

} // namespace ipmi::cuse
