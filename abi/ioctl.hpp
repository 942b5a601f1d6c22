// The kernel's ioctl number encoding (include/uapi/asm-generic/ioctl.h), as
// constexpr functions so abi/ can spell every IPMICTL_* and WDIOC_* value
// without the system's _IOR/_IOW macros.
#pragma once

#include <cstdint>

namespace ipmi::abi {

inline constexpr unsigned IOC_NRBITS = 8;
inline constexpr unsigned IOC_TYPEBITS = 8;
inline constexpr unsigned IOC_SIZEBITS = 14;
inline constexpr unsigned IOC_NRSHIFT = 0;
inline constexpr unsigned IOC_TYPESHIFT = IOC_NRSHIFT + IOC_NRBITS;
inline constexpr unsigned IOC_SIZESHIFT = IOC_TYPESHIFT + IOC_TYPEBITS;
inline constexpr unsigned IOC_DIRSHIFT = IOC_SIZESHIFT + IOC_SIZEBITS;

inline constexpr unsigned IOC_NONE = 0U;
inline constexpr unsigned IOC_WRITE = 1U;
inline constexpr unsigned IOC_READ = 2U;

constexpr std::uint32_t ioc(unsigned dir, unsigned type, unsigned nr, unsigned size)
{
    return (dir << IOC_DIRSHIFT) | (type << IOC_TYPESHIFT) | (nr << IOC_NRSHIFT) | (size << IOC_SIZESHIFT);
}
constexpr std::uint32_t ioc_r(unsigned type, unsigned nr, unsigned size)
{
    return ioc(IOC_READ, type, nr, size);
}
constexpr std::uint32_t ioc_w(unsigned type, unsigned nr, unsigned size)
{
    return ioc(IOC_WRITE, type, nr, size);
}
constexpr std::uint32_t ioc_wr(unsigned type, unsigned nr, unsigned size)
{
    return ioc(IOC_READ | IOC_WRITE, type, nr, size);
}

constexpr unsigned ioc_nr(std::uint32_t cmd)
{
    return (cmd >> IOC_NRSHIFT) & 0xFFU;
}
constexpr unsigned ioc_type(std::uint32_t cmd)
{
    return (cmd >> IOC_TYPESHIFT) & 0xFFU;
}
constexpr unsigned ioc_size(std::uint32_t cmd)
{
    return (cmd >> IOC_SIZESHIFT) & 0x3FFFU;
}
constexpr unsigned ioc_dir(std::uint32_t cmd)
{
    return cmd >> IOC_DIRSHIFT;
}

} // namespace ipmi::abi
