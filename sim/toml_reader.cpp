// TomlReader: the checked getters behind the BMC configuration loader. Error
// messages name the file, the line and column of the offending value (or of
// the table, for a missing key), the key with its table, and what was wrong.
#include "sim/toml_reader.hpp"

#include <fmt/format.h>

namespace ipmi::sim {

TomlReader::TomlReader(const toml::table& table, std::string_view sourceName, std::string context)
    : table_(&table), source_(sourceName), context_(std::move(context))
{
}

bool TomlReader::has(std::string_view key) const
{
    return table_->contains(key);
}

void TomlReader::fail(const toml::node& at, std::string_view message) const
{
    const auto& begin = at.source().begin;
    throw ConfigProblem(fmt::format("{}:{}:{}: {}", source_, begin.line, begin.column, message));
}

void TomlReader::failHere(std::string_view message) const
{
    fail(*table_, message);
}

void TomlReader::require(std::initializer_list<std::string_view> keys) const
{
    std::string names;
    bool missing = false;
    for (std::string_view key : keys) {
        missing = missing || !has(key);
        names += fmt::format("{}{}{}", names.empty() ? "" : " and ", context_, key);
    }
    if (missing) {
        failHere(fmt::format("{} {} required", names, keys.size() == 1 ? "is" : "are"));
    }
}

const toml::node* TomlReader::lookup(std::string_view key)
{
    used_.insert(std::string(key));
    return table_->get(key);
}

void TomlReader::integer(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out)
{
    const toml::node* node = lookup(key);
    if (node == nullptr) {
        return;
    }
    // as_integer, not value<int64_t>: toml++ converts a float to an integer
    // there, and one out of range (1e300) is undefined behaviour.
    const auto* integer = node->as_integer();
    if (integer == nullptr) {
        fail(*node, fmt::format("{}{} must be an integer", context_, key));
    }
    const std::int64_t value = integer->get();
    if (value < min || value > max) {
        fail(*node, fmt::format("{}{} = {} is out of range {}..{}", context_, key, value, min, max));
    }
    out = value;
}

void TomlReader::boolean(std::string_view key, bool& out)
{
    const toml::node* node = lookup(key);
    if (node == nullptr) {
        return;
    }
    if (!node->is_boolean()) {
        fail(*node, fmt::format("{}{} must be true or false", context_, key));
    }
    out = node->as_boolean()->get();
}

void TomlReader::string(std::string_view key, std::string& out, std::size_t maxLength)
{
    const toml::node* node = lookup(key);
    if (node == nullptr) {
        return;
    }
    if (!node->is_string()) {
        fail(*node, fmt::format("{}{} must be a string", context_, key));
    }
    const std::string& value = node->as_string()->get();
    if (value.size() > maxLength) {
        fail(*node, fmt::format("{}{} is longer than {} bytes", context_, key, maxLength));
    }
    out = value;
}

void TomlReader::named(std::string_view key, const std::vector<std::pair<std::string_view, std::int64_t>>& names,
                       std::int64_t min, std::int64_t max, std::int64_t& out)
{
    const toml::node* node = lookup(key);
    if (node == nullptr) {
        return;
    }
    if (node->is_string()) {
        const std::string& text = node->as_string()->get();
        for (const auto& [name, value] : names) {
            if (name == text) {
                out = value;
                return;
            }
        }
        std::string choices;
        for (const auto& entry : names) {
            choices += choices.empty() ? "" : ", ";
            choices += entry.first;
        }
        fail(*node, fmt::format("{}{} = \"{}\" is not one of {}", context_, key, text, choices));
    }
    integer(key, min, max, out);
}

void TomlReader::bytes(std::string_view key, std::vector<std::uint8_t>& out, std::size_t minCount, std::size_t maxCount)
{
    const toml::node* node = lookup(key);
    if (node == nullptr) {
        return;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        fail(*node, fmt::format("{}{} must be an array of bytes", context_, key));
    }
    if (array->size() < minCount || array->size() > maxCount) {
        fail(*node,
             fmt::format("{}{} must hold {}..{} bytes, not {}", context_, key, minCount, maxCount, array->size()));
    }
    std::vector<std::uint8_t> result;
    for (const toml::node& element : *array) {
        const auto* integer = element.as_integer();
        if (integer == nullptr || integer->get() < 0 || integer->get() > 0xFF) {
            fail(element, fmt::format("{}{} must hold bytes 0..255", context_, key));
        }
        result.push_back(static_cast<std::uint8_t>(integer->get()));
    }
    out = std::move(result);
}

std::optional<TomlReader> TomlReader::table(std::string_view key)
{
    const toml::node* node = lookup(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (!node->is_table()) {
        fail(*node, fmt::format("{}{} must be a table", context_, key));
    }
    return TomlReader(*node->as_table(), source_, fmt::format("{}{}.", context_, key));
}

std::vector<TomlReader> TomlReader::arrayOfTables(std::string_view key)
{
    std::vector<TomlReader> result;
    const toml::node* node = lookup(key);
    if (node == nullptr) {
        return result;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        fail(*node, fmt::format("{}{} must be an array of tables ([[{}]])", context_, key, key));
    }
    std::size_t index = 0;
    for (const toml::node& element : *array) {
        if (!element.is_table()) {
            fail(element, fmt::format("{}{} must be an array of tables ([[{}]])", context_, key, key));
        }
        result.emplace_back(*element.as_table(), source_, fmt::format("{}{}[{}].", context_, key, index++));
    }
    return result;
}

void TomlReader::finish() const
{
    for (auto&& [key, node] : *table_) {
        if (!used_.contains(key.str())) {
            const auto& begin = key.source().begin.line != 0 ? key.source().begin : node.source().begin;
            throw ConfigProblem(
                fmt::format("{}:{}:{}: unknown key {}{}", source_, begin.line, begin.column, context_, key.str()));
        }
    }
}

} // namespace ipmi::sim
