// Mirror of <linux/watchdog.h>: the Linux watchdog API that ipmi_watchdog
// implements. One layout on every ABI (compat_ptr_ioctl).
//
// Include abi/ headers before <linux/watchdog.h>: its macros would otherwise
// rewrite these constants' names.
#pragma once

#ifdef _LINUX_WATCHDOG_H
#error "include abi/watchdog.hpp before <linux/watchdog.h>: its macros rewrite our names"
#endif

#include "abi/ioctl.hpp"

#include <cstddef>
#include <cstdint>

namespace ipmi::abi {

// NOLINTBEGIN(readability-identifier-naming,modernize-avoid-c-arrays): kernel spellings.
inline constexpr unsigned WATCHDOG_IOCTL_BASE = 'W';

struct watchdog_info
{
    std::uint32_t options;
    std::uint32_t firmware_version;
    std::uint8_t identity[32];
};

inline constexpr std::uint32_t WDIOC_GETSUPPORT = ioc_r(WATCHDOG_IOCTL_BASE, 0, sizeof(watchdog_info));
inline constexpr std::uint32_t WDIOC_GETSTATUS = ioc_r(WATCHDOG_IOCTL_BASE, 1, sizeof(int));
inline constexpr std::uint32_t WDIOC_GETBOOTSTATUS = ioc_r(WATCHDOG_IOCTL_BASE, 2, sizeof(int));
inline constexpr std::uint32_t WDIOC_GETTEMP = ioc_r(WATCHDOG_IOCTL_BASE, 3, sizeof(int));
inline constexpr std::uint32_t WDIOC_SETOPTIONS = ioc_r(WATCHDOG_IOCTL_BASE, 4, sizeof(int));
inline constexpr std::uint32_t WDIOC_KEEPALIVE = ioc_r(WATCHDOG_IOCTL_BASE, 5, sizeof(int));
inline constexpr std::uint32_t WDIOC_SETTIMEOUT = ioc_wr(WATCHDOG_IOCTL_BASE, 6, sizeof(int));
inline constexpr std::uint32_t WDIOC_GETTIMEOUT = ioc_r(WATCHDOG_IOCTL_BASE, 7, sizeof(int));
inline constexpr std::uint32_t WDIOC_SETPRETIMEOUT = ioc_wr(WATCHDOG_IOCTL_BASE, 8, sizeof(int));
inline constexpr std::uint32_t WDIOC_GETPRETIMEOUT = ioc_r(WATCHDOG_IOCTL_BASE, 9, sizeof(int));
inline constexpr std::uint32_t WDIOC_GETTIMELEFT = ioc_r(WATCHDOG_IOCTL_BASE, 10, sizeof(int));

inline constexpr int WDIOF_UNKNOWN = -1;
inline constexpr int WDIOS_UNKNOWN = -1;

inline constexpr std::uint32_t WDIOF_OVERHEAT = 0x0001;
inline constexpr std::uint32_t WDIOF_FANFAULT = 0x0002;
inline constexpr std::uint32_t WDIOF_EXTERN1 = 0x0004;
inline constexpr std::uint32_t WDIOF_EXTERN2 = 0x0008;
inline constexpr std::uint32_t WDIOF_POWERUNDER = 0x0010;
inline constexpr std::uint32_t WDIOF_CARDRESET = 0x0020;
inline constexpr std::uint32_t WDIOF_POWEROVER = 0x0040;
inline constexpr std::uint32_t WDIOF_SETTIMEOUT = 0x0080;
inline constexpr std::uint32_t WDIOF_MAGICCLOSE = 0x0100;
inline constexpr std::uint32_t WDIOF_PRETIMEOUT = 0x0200;
inline constexpr std::uint32_t WDIOF_ALARMONLY = 0x0400;
inline constexpr std::uint32_t WDIOF_KEEPALIVEPING = 0x8000;

inline constexpr int WDIOS_DISABLECARD = 0x0001;
inline constexpr int WDIOS_ENABLECARD = 0x0002;
inline constexpr int WDIOS_TEMPPANIC = 0x0004;
// NOLINTEND(readability-identifier-naming,modernize-avoid-c-arrays)

static_assert(sizeof(watchdog_info) == 40);
static_assert(offsetof(watchdog_info, identity) == 8);
static_assert(WDIOC_GETSUPPORT == 0x80285700U);
static_assert(WDIOC_GETSTATUS == 0x80045701U);
static_assert(WDIOC_GETBOOTSTATUS == 0x80045702U);
static_assert(WDIOC_GETTEMP == 0x80045703U);
static_assert(WDIOC_SETOPTIONS == 0x80045704U);
static_assert(WDIOC_KEEPALIVE == 0x80045705U);
static_assert(WDIOC_SETTIMEOUT == 0xC0045706U);
static_assert(WDIOC_GETTIMEOUT == 0x80045707U);
static_assert(WDIOC_SETPRETIMEOUT == 0xC0045708U);
static_assert(WDIOC_GETPRETIMEOUT == 0x80045709U);
static_assert(WDIOC_GETTIMELEFT == 0x8004570AU);

} // namespace ipmi::abi
