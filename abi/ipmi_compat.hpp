// The 32-bit compat layouts of the four IPMICTL ioctls that carry user
// pointers, as ipmi_devintf.c's compat_ipmi_ioctl defines them: a 32-bit
// process on a 64-bit kernel reaches /dev/ipmiN with these (the CUSE request
// carries FUSE_IOCTL_COMPAT). Every other ioctl has one layout on all ABIs.
#pragma once

#include "abi/ipmi.hpp"

#include <cstddef>
#include <cstdint>

namespace ipmi::abi {

// NOLINTBEGIN(readability-identifier-naming): kernel spellings.
using compat_uptr_t = std::uint32_t;

struct compat_ipmi_msg
{
    std::uint8_t netfn;
    std::uint8_t cmd;
    std::uint16_t data_len;
    compat_uptr_t data;
};

struct compat_ipmi_req
{
    compat_uptr_t addr;
    std::uint32_t addr_len;
    std::int32_t msgid;
    compat_ipmi_msg msg;
};

struct compat_ipmi_recv
{
    std::int32_t recv_type;
    compat_uptr_t addr;
    std::uint32_t addr_len;
    std::int32_t msgid;
    compat_ipmi_msg msg;
};

struct compat_ipmi_req_settime
{
    compat_ipmi_req req;
    std::int32_t retries;
    std::uint32_t retry_time_ms;
};

inline constexpr std::uint32_t COMPAT_IPMICTL_SEND_COMMAND = ioc_r(IPMI_IOC_MAGIC, 13, sizeof(compat_ipmi_req));
inline constexpr std::uint32_t COMPAT_IPMICTL_SEND_COMMAND_SETTIME =
    ioc_r(IPMI_IOC_MAGIC, 21, sizeof(compat_ipmi_req_settime));
inline constexpr std::uint32_t COMPAT_IPMICTL_RECEIVE_MSG = ioc_wr(IPMI_IOC_MAGIC, 12, sizeof(compat_ipmi_recv));
inline constexpr std::uint32_t COMPAT_IPMICTL_RECEIVE_MSG_TRUNC = ioc_wr(IPMI_IOC_MAGIC, 11, sizeof(compat_ipmi_recv));
// NOLINTEND(readability-identifier-naming)

static_assert(sizeof(compat_ipmi_msg) == 8);
static_assert(offsetof(compat_ipmi_msg, data) == 4);
static_assert(sizeof(compat_ipmi_req) == 20);
static_assert(offsetof(compat_ipmi_req, msgid) == 8);
static_assert(offsetof(compat_ipmi_req, msg) == 12);
static_assert(sizeof(compat_ipmi_req_settime) == 28);
static_assert(offsetof(compat_ipmi_req_settime, retries) == 20);
static_assert(offsetof(compat_ipmi_req_settime, retry_time_ms) == 24);
static_assert(sizeof(compat_ipmi_recv) == 24);
static_assert(offsetof(compat_ipmi_recv, addr) == 4);
static_assert(offsetof(compat_ipmi_recv, addr_len) == 8);
static_assert(offsetof(compat_ipmi_recv, msgid) == 12);
static_assert(offsetof(compat_ipmi_recv, msg) == 16);

static_assert(COMPAT_IPMICTL_SEND_COMMAND == 0x8014690DU);
static_assert(COMPAT_IPMICTL_SEND_COMMAND_SETTIME == 0x801C6915U);
static_assert(COMPAT_IPMICTL_RECEIVE_MSG == 0xC018690CU);
static_assert(COMPAT_IPMICTL_RECEIVE_MSG_TRUNC == 0xC018690BU);

} // namespace ipmi::abi
