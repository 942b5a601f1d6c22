// Register layout arithmetic shared by port and memory access.
#include "si/register_io.hpp"

#include <fmt/format.h>

#include <utility>

namespace ipmi::si {

std::optional<std::string> validateLayout(const RegisterLayout& layout)
{
    if (layout.size != 1 && layout.size != 2 && layout.size != 4 && layout.size != 8) {
        return fmt::format("regsize {} is not 1, 2, 4 or 8", layout.size);
    }
    if (layout.spacing == 0 || layout.spacing > 1024) {
        return fmt::format("regspacing {} is out of range (1..1024)", layout.spacing);
    }
    if (layout.spacing < layout.size) {
        return fmt::format("regspacing {} is smaller than regsize {}", layout.spacing, layout.size);
    }
    if (layout.shift + 8 > layout.size * 8) {
        return fmt::format("regshift {} leaves no full byte in a {}-byte register", layout.shift, layout.size);
    }
    return std::nullopt;
}

LayoutRegisterIo::LayoutRegisterIo(std::unique_ptr<RawBus> bus, RegisterLayout layout)
    : bus_(std::move(bus)), layout_(layout)
{
}

std::uint8_t LayoutRegisterIo::read(unsigned index)
{
    const std::uint64_t raw = bus_->readRaw(std::uint64_t{index} * layout_.spacing, layout_.size);
    return static_cast<std::uint8_t>((raw >> layout_.shift) & 0xFF);
}

void LayoutRegisterIo::write(unsigned index, std::uint8_t value)
{
    bus_->writeRaw(std::uint64_t{index} * layout_.spacing, layout_.size, std::uint64_t{value} << layout_.shift);
}

std::string LayoutRegisterIo::describe() const
{
    std::string text = fmt::format("{} spacing {}", bus_->describe(), layout_.spacing);
    if (layout_.size != 1) {
        text += fmt::format(" size {}", layout_.size);
    }
    if (layout_.shift != 0) {
        text += fmt::format(" shift {}", layout_.shift);
    }
    return text;
}

} // namespace ipmi::si
