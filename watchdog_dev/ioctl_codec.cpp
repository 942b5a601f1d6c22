// WDIOC marshalling (see ioctl_codec.hpp).
#include "watchdog_dev/ioctl_codec.hpp"

#include <cstring>

namespace ipmi::watchdog {

std::optional<IoctlShape> ioctlShape(std::uint32_t cmd)
{
    constexpr std::size_t kInt = sizeof(int);
    switch (cmd) {
    case abi::WDIOC_GETSUPPORT:
        return IoctlShape{0, sizeof(abi::watchdog_info)};
    case abi::WDIOC_GETSTATUS:
    case abi::WDIOC_GETTIMEOUT:
    case abi::WDIOC_GETPRETIMEOUT:
        return IoctlShape{0, kInt};
    // Declared _IOWR, but ipmi_watchdog never writes the value back.
    case abi::WDIOC_SETTIMEOUT:
    case abi::WDIOC_SETPRETIMEOUT:
    // Declared _IOR, yet it reads an int: why CUSE must run unrestricted.
    case abi::WDIOC_SETOPTIONS:
        return IoctlShape{kInt, 0};
    case abi::WDIOC_KEEPALIVE: // the argument is ignored
        return IoctlShape{0, 0};
    default:
        return std::nullopt;
    }
}

IoctlStep planIoctl(std::uint32_t cmd, std::size_t inBufSize, std::size_t outBufSize)
{
    const auto shape = ioctlShape(cmd);
    if (!shape) {
        return IoctlStep::Unsupported;
    }
    if (inBufSize < shape->in || outBufSize < shape->out) {
        return IoctlStep::Retry;
    }
    return IoctlStep::Run;
}

std::optional<int> decodeInt(std::span<const std::uint8_t> in)
{
    if (in.size() < sizeof(int)) {
        return std::nullopt;
    }
    int value = 0;
    std::memcpy(&value, in.data(), sizeof value);
    return value;
}

std::vector<std::uint8_t> encodeInt(int value)
{
    std::vector<std::uint8_t> out(sizeof value);
    std::memcpy(out.data(), &value, sizeof value);
    return out;
}

std::vector<std::uint8_t> encodeWatchdogInfo()
{
    abi::watchdog_info info{};
    info.options = 0; // the kernel leaves even WDIOF_SETTIMEOUT out
    info.firmware_version = 1;
    constexpr char kIdentity[] = "IPMI";
    std::memcpy(info.identity, kIdentity, sizeof kIdentity);
    std::vector<std::uint8_t> out(sizeof info);
    std::memcpy(out.data(), &info, sizeof info);
    return out;
}

} // namespace ipmi::watchdog
