// The kernel's number syntax for module parameters and sysfs files
// (kstrtoul and simple_strtoul with base 0): "0x" hex, a leading 0 octal,
// else decimal, and nothing else in the string; and its yes/no syntax
// (kstrtobool). One parser of each for everything that reads what the kernel
// would: si/discovery's parameters and sysfs, the watchdog's parameters, the
// daemon's settings and control words. Header-only, so the watchdog's
// parameter logic still links without the message handler.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace ipmi::core {

[[nodiscard]] inline std::optional<std::uint64_t> parseKernelNumber(std::string_view text)
{
    if (text.empty()) {
        return std::nullopt;
    }
    int base = 10;
    if (text.size() > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    } else if (text.size() > 1 && text[0] == '0') {
        base = 8;
        text.remove_prefix(1);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

// A signed (int) module parameter: an optional '-' before the same syntax.
// Whitespace around it is ignored, as the kernel strips a sysfs write.
[[nodiscard]] inline std::optional<long long> parseKernelInteger(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\n");
    if (first == std::string_view::npos) {
        return std::nullopt;
    }
    text = text.substr(first, text.find_last_not_of(" \t\n") - first + 1);
    bool negative = false;
    if (text.front() == '-') {
        negative = true;
        text.remove_prefix(1);
    }
    const auto magnitude = parseKernelNumber(text);
    if (!magnitude || *magnitude > static_cast<std::uint64_t>(std::numeric_limits<long long>::max())) {
        return std::nullopt;
    }
    const auto value = static_cast<long long>(*magnitude);
    return negative ? -value : value;
}

// A bool module parameter as the kernel reads it (param_set_bool, kstrtobool):
// y/Y/t/T/1 and on true, n/N/f/F/0 and off false, judged by the first one or
// two characters ("yes", "true" and "no" read the same way); an empty value,
// the bare parameter name, is true.
[[nodiscard]] inline std::optional<bool> parseKernelBool(std::string_view text)
{
    if (text.empty()) {
        return true;
    }
    switch (text.front()) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1':
        return true;
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0':
        return false;
    case 'o':
    case 'O':
        if (text.size() >= 2 && (text[1] == 'n' || text[1] == 'N')) {
            return true;
        }
        if (text.size() >= 2 && (text[1] == 'f' || text[1] == 'F')) {
            return false;
        }
        return std::nullopt;
    default:
        return std::nullopt;
    }
}

} // namespace ipmi::core
