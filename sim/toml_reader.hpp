// Checked access to one TOML table for the BMC configuration loader: typed,
// range-checked getters that leave the target untouched when a key is
// absent, and a finish() that refuses keys nobody asked for (a misspelt key
// must not be silently ignored). Every problem is thrown as a ConfigProblem
// carrying "source:line:column: message"; loadBmcConfig turns it into a
// ConfigError. Private to sim/.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ipmi::sim {

class ConfigProblem : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

class TomlReader
{
  public:
    TomlReader(const toml::table& table, std::string_view sourceName, std::string context);

    [[nodiscard]] bool has(std::string_view key) const;
    [[noreturn]] void fail(const toml::node& at, std::string_view message) const;
    [[noreturn]] void failHere(std::string_view message) const;
    // Fails at the table unless it has every one of `keys`.
    void require(std::initializer_list<std::string_view> keys) const;

    // Integers in [min, max]; the target keeps its value when the key is absent.
    void integer(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out);
    template <typename T>
    void number(std::string_view key, T& out, std::int64_t min = std::numeric_limits<T>::min(),
                std::int64_t max = std::numeric_limits<T>::max())
    {
        std::int64_t value = out;
        integer(key, min, max, value);
        out = static_cast<T>(value);
    }
    template <typename T>
    void optionalNumber(std::string_view key, std::optional<T>& out)
    {
        if (has(key)) {
            T value{};
            number(key, value);
            out = value;
        }
    }
    void boolean(std::string_view key, bool& out);
    void string(std::string_view key, std::string& out, std::size_t maxLength = 255);
    // Either one of `names` (mapped to its value) or an integer in [min, max].
    void named(std::string_view key, const std::vector<std::pair<std::string_view, std::int64_t>>& names,
               std::int64_t min, std::int64_t max, std::int64_t& out);
    void bytes(std::string_view key, std::vector<std::uint8_t>& out, std::size_t minCount, std::size_t maxCount);
    [[nodiscard]] std::optional<TomlReader> table(std::string_view key);
    [[nodiscard]] std::vector<TomlReader> arrayOfTables(std::string_view key);
    // Refuses every key that none of the getters above looked at.
    void finish() const;

    [[nodiscard]] const toml::table& raw() const { return *table_; }
    [[nodiscard]] const std::string& context() const { return context_; }

  private:
    [[nodiscard]] const toml::node* lookup(std::string_view key);

    const toml::table* table_;
    std::string source_;
    std::string context_;
    std::set<std::string, std::less<>> used_;
};

} // namespace ipmi::sim
