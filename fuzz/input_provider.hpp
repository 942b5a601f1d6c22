// The fuzz input split the way libFuzzer's FuzzedDataProvider splits it, so
// the targets build without clang's headers too (a plain build runs their
// corpora as regression tests) and inputs keep their meaning either way:
// integers are taken from the end of the input, most significant byte
// first, as few bytes as their range needs; byte runs from the front.
// Past the end, integers are their minimum and runs are short.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

namespace ipmi::fuzz {

class InputProvider
{
  public:
    InputProvider(const std::uint8_t* data, std::size_t size) : bytes_(data, size), end_(size) {}

    [[nodiscard]] std::size_t remaining() const { return end_ - front_; }

    template <typename T>
    [[nodiscard]] T integralInRange(T min, T max)
    {
        static_assert(std::is_integral_v<T> && sizeof(T) <= sizeof(std::uint64_t));
        const auto range = static_cast<std::uint64_t>(max) - static_cast<std::uint64_t>(min);
        std::uint64_t value = 0;
        for (std::size_t bits = 0; bits < 8 * sizeof(T) && (range >> bits) != 0 && remaining() != 0; bits += 8) {
            --end_;
            value = (value << 8) | bytes_[end_];
        }
        if (range != std::numeric_limits<std::uint64_t>::max()) {
            value %= range + 1;
        }
        return static_cast<T>(static_cast<std::uint64_t>(min) + value);
    }

    template <typename T>
    [[nodiscard]] T integral()
    {
        return integralInRange<T>(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    }

    // Up to `n` bytes from the front (fewer at the end of the input).
    [[nodiscard]] std::vector<std::uint8_t> bytes(std::size_t n)
    {
        const std::size_t take = n < remaining() ? n : remaining();
        const auto run = bytes_.subspan(front_, take);
        front_ += take;
        return {run.begin(), run.end()};
    }

    [[nodiscard]] std::vector<std::uint8_t> rest() { return bytes(remaining()); }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t front_ = 0;
    std::size_t end_;
};

} // namespace ipmi::fuzz
