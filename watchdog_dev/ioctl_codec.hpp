// WDIOC ioctl marshalling as plain functions over byte buffers: which user
// memory each command reads and writes (so a CUSE front end can ask for it
// with FUSE_IOCTL_RETRY before running the command), and the encodings of
// what goes in and out. One layout on every ABI: ipmi_watchdog uses
// compat_ptr_ioctl, so 32-bit callers need nothing else.
#pragma once

#include "abi/watchdog.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ipmi::watchdog {

// User memory at `arg` that the command reads (in) and writes (out).
struct IoctlShape
{
    std::size_t in = 0;
    std::size_t out = 0;
};

// The shape of a command ipmi_watchdog handles, or nullopt: the kernel
// answers ENOIOCTLCMD, which the caller sees as ENOTTY (GETBOOTSTATUS,
// GETTEMP, GETTIMELEFT and anything unknown).
[[nodiscard]] std::optional<IoctlShape> ioctlShape(std::uint32_t cmd);

// What a CUSE front end does with an unrestricted ioctl, given the user
// memory the kernel has brought (inBufSize) and has room for (outBufSize).
enum class IoctlStep : std::uint8_t
{
    Unsupported, // answer -ENOTTY at once
    Retry,       // FUSE_IOCTL_RETRY with ioctlShape(cmd) at arg, in and out
    Run,         // the in-bytes are here: run the command
};
[[nodiscard]] IoctlStep planIoctl(std::uint32_t cmd, std::size_t inBufSize, std::size_t outBufSize);

// The native-endian int the SET ioctls read; nullopt if `in` is too short.
[[nodiscard]] std::optional<int> decodeInt(std::span<const std::uint8_t> in);
[[nodiscard]] std::vector<std::uint8_t> encodeInt(int value);
// WDIOC_GETSUPPORT's answer: options 0, firmware_version 1, identity "IPMI".
[[nodiscard]] std::vector<std::uint8_t> encodeWatchdogInfo();

// What an ioctl returns to the caller: 0 or -errno, and the bytes to copy
// to `arg` (only on success, and only as many as ioctlShape().out).
struct IoctlReply
{
    long result = 0;
    std::vector<std::uint8_t> out;
};

} // namespace ipmi::watchdog
