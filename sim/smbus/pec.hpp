// SMBus Packet Error Code: the CRC-8 (polynomial x^8 + x^2 + x + 1, initial
// value 0) that SMBus 1.1+ appends to a transfer, computed over every byte on
// the wire including the address bytes. Both ends of the simulated SSIF link
// use it: the target (sim/smbus) to check writes and sign reads, the host's
// simulated bus (ssif/) to sign writes and check reads, as the kernel's
// software emulation of I2C_PEC does.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

namespace ipmi::sim::smbus {

[[nodiscard]] constexpr std::uint8_t pecUpdate(std::uint8_t crc, std::uint8_t byte)
{
    crc = static_cast<std::uint8_t>(crc ^ byte);
    for (int bit = 0; bit < 8; ++bit) {
        crc = (crc & 0x80U) != 0 ? static_cast<std::uint8_t>((crc << 1) ^ 0x07U) : static_cast<std::uint8_t>(crc << 1);
    }
    return crc;
}

[[nodiscard]] constexpr std::uint8_t pecUpdate(std::uint8_t crc, std::span<const std::uint8_t> bytes)
{
    for (const std::uint8_t byte : bytes) {
        crc = pecUpdate(crc, byte);
    }
    return crc;
}

// PEC of an SMBus block write: [addr<<1 | W][command][count][data...].
[[nodiscard]] constexpr std::uint8_t blockWritePec(std::uint8_t address7, std::uint8_t command,
                                                   std::span<const std::uint8_t> data)
{
    std::uint8_t crc = 0;
    crc = pecUpdate(crc, static_cast<std::uint8_t>(address7 << 1));
    crc = pecUpdate(crc, command);
    crc = pecUpdate(crc, static_cast<std::uint8_t>(data.size()));
    return pecUpdate(crc, data);
}

// PEC of an SMBus block read:
// [addr<<1 | W][command][addr<<1 | R][count][data...].
[[nodiscard]] constexpr std::uint8_t blockReadPec(std::uint8_t address7, std::uint8_t command,
                                                  std::span<const std::uint8_t> data)
{
    std::uint8_t crc = 0;
    crc = pecUpdate(crc, static_cast<std::uint8_t>(address7 << 1));
    crc = pecUpdate(crc, command);
    crc = pecUpdate(crc, static_cast<std::uint8_t>((address7 << 1) | 1U));
    crc = pecUpdate(crc, static_cast<std::uint8_t>(data.size()));
    return pecUpdate(crc, data);
}

} // namespace ipmi::sim::smbus
