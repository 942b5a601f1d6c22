// The fuzz input read as a stream of small fields, for targets that turn it
// into a sequence of operations. Reading past the end yields zeros (and
// empty byte runs), so every input is a complete program: a short input is
// a program whose last fields are zero, never an out-of-range read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ipmi::fuzz {

class FuzzInput
{
  public:
    FuzzInput(const std::uint8_t* data, std::size_t size) : bytes_(data, size) {}

    [[nodiscard]] bool empty() const { return at_ >= bytes_.size(); }
    [[nodiscard]] std::size_t remaining() const { return empty() ? 0 : bytes_.size() - at_; }

    std::uint8_t u8() { return empty() ? 0 : bytes_[at_++]; }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
    std::uint32_t u32()
    {
        const std::uint32_t low = u16();
        return low | (std::uint32_t{u16()} << 16);
    }
    std::uint64_t u64()
    {
        const std::uint64_t low = u32();
        return low | (std::uint64_t{u32()} << 32);
    }
    bool flag() { return (u8() & 1U) != 0; }

    // Up to `n` bytes (fewer at the end of the input).
    std::vector<std::uint8_t> bytes(std::size_t n)
    {
        const std::size_t take = n < remaining() ? n : remaining();
        std::vector<std::uint8_t> out(bytes_.begin() + static_cast<std::ptrdiff_t>(at_),
                                      bytes_.begin() + static_cast<std::ptrdiff_t>(at_ + take));
        at_ += take;
        return out;
    }
    // A run of bytes whose length is the next byte.
    std::vector<std::uint8_t> shortBytes() { return bytes(u8()); }
    // Everything left.
    std::span<const std::uint8_t> rest()
    {
        const auto out = bytes_.subspan(empty() ? bytes_.size() : at_);
        at_ = bytes_.size();
        return out;
    }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t at_ = 0;
};

// What a target did, on stderr, when IPMI_FUZZ_TRACE is set (for reading
// a crash input or checking that a seed reaches what it was written for).
void trace(const std::string& what);

// A finding: the target's own check failed. Prints and aborts, so libFuzzer
// keeps the input as a crash (and the regression driver fails).
[[noreturn]] void fail(const std::string& what);

} // namespace ipmi::fuzz
