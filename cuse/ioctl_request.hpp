// The shape of one unrestricted FUSE ioctl as every CUSE device of ours sees
// it, independent of what the device does with it: the caller's memory
// ranges a FUSE_IOCTL_RETRY names, and the request libfuse hands over once
// the kernel has fetched them. Plain data, no libfuse or core types, so the
// watchdog's glue and /dev/ipmiN's marshaller share it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ipmi::cuse {

// A range of the calling process's memory.
struct UserRange
{
    std::uint64_t addr = 0;
    std::size_t len = 0;
    friend bool operator==(const UserRange&, const UserRange&) = default;
};

// One FUSE_IOCTL request as libfuse hands it over.
struct IoctlCall
{
    std::uint32_t cmd = 0;
    std::uint64_t arg = 0;            // the caller's pointer (32-bit value if compat)
    bool compat = false;              // FUSE_IOCTL_COMPAT: a 32-bit caller
    std::span<const std::uint8_t> in; // the fetched in-ranges, concatenated
    std::size_t outSize = 0;          // total size of the declared out-ranges
};

} // namespace ipmi::cuse
