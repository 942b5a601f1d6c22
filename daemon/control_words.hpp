// Small text helpers shared by the control verbs' parsers: words separated
// by spaces, and bounded numbers in the kernel's notation (decimal, 0x hex,
// 0 octal) with a message naming the field when one is wrong.
#pragma once

#include "core/kernel_number.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ipmi::daemon {

[[nodiscard]] inline std::vector<std::string_view> splitWords(std::string_view text)
{
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto start = text.find_first_not_of(" \t", pos);
        if (start == std::string_view::npos) {
            break;
        }
        const auto end = text.find_first_of(" \t", start);
        words.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        pos = end == std::string_view::npos ? text.size() : end;
    }
    return words;
}

// The number in [min, max], or "FIELD 'TEXT' is not a number in MIN..MAX".
[[nodiscard]] inline std::variant<std::uint64_t, std::string>
boundedNumber(std::string_view text, std::string_view field, std::uint64_t min, std::uint64_t max)
{
    const auto value = core::parseKernelNumber(text);
    if (!value || *value < min || *value > max) {
        return std::string(field) + " '" + std::string(text) + "' is not a number in " + std::to_string(min) + ".." +
               std::to_string(max);
    }
    return *value;
}

} // namespace ipmi::daemon
