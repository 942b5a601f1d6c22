// The result of parsing untrusted input (firmware tables, sysfs files, user
// strings): a value, or a message that names what was wrong. Discovery never
// throws on bad input; a caller decides whether a bad record is fatal.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace ipmi::si::discovery {

template <typename T>
class Parsed
{
  public:
    Parsed(T value) : value_(std::move(value)) {} // NOLINT(google-explicit-constructor)

    [[nodiscard]] static Parsed failure(std::string message)
    {
        Parsed result;
        result.error_ = std::move(message);
        return result;
    }

    [[nodiscard]] bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const T& value() const& { return *value_; }
    [[nodiscard]] T& value() & { return *value_; }
    [[nodiscard]] T&& value() && { return std::move(*value_); }
    [[nodiscard]] const std::string& error() const { return error_; }

  private:
    Parsed() = default;
    std::optional<T> value_;
    std::string error_;
};

} // namespace ipmi::si::discovery
