// Register access to real hardware: x86 port I/O (ioperm for ports below
// 0x400, iopl above, falling back to /dev/port) and memory-mapped registers
// (/dev/mem). Without the privilege, the error says which capability
// (CAP_SYS_RAWIO) or device is missing, so the interface is not started.
#pragma once

#include "si/register_io.hpp"

#include <cstdint>
#include <string>

namespace ipmi::si {

struct PortIoOptions
{
    bool tryDirect = true; // ioperm/iopl before the device
    std::string devicePath = "/dev/port";
};

// `registerCount` registers of `layout` at I/O port `base`.
[[nodiscard]] RegisterIoResult openPortIo(std::uint64_t base, unsigned registerCount, const RegisterLayout& layout,
                                          const PortIoOptions& options = {});

// `registerCount` registers of `layout` at physical address `base`.
[[nodiscard]] RegisterIoResult openMemoryIo(std::uint64_t base, unsigned registerCount, const RegisterLayout& layout,
                                            const std::string& devicePath = "/dev/mem");

} // namespace ipmi::si
