// Mirror of <linux/ipmi.h>: the /dev/ipmiN user ABI (address types, message and
// request structs, IPMICTL_* ioctl numbers) with the kernel's spellings, so it
// can be compared with uapi. The odd _IOR directions of the "set" ioctls are
// the kernel's and are kept: the numbers depend on them.
//
// Layouts are checked at compile time below and against the system header by
// tests/unit/abi when that header is present.
//
// Include abi/ headers before <linux/ipmi.h>: its macros would otherwise
// rewrite these constants' names.
#pragma once

#ifdef __LINUX_IPMI_H
#error "include abi/ipmi.hpp before <linux/ipmi.h>: its macros rewrite our names"
#endif

#include "abi/ioctl.hpp"
#include "abi/ipmi_msgdefs.hpp"

#include <cstddef>

namespace ipmi::abi {

// NOLINTBEGIN(readability-identifier-naming,modernize-avoid-c-arrays): kernel spellings.
inline constexpr int IPMI_MAX_ADDR_SIZE = 32;

struct ipmi_addr
{
    int addr_type;
    short channel;
    char data[IPMI_MAX_ADDR_SIZE];
};

inline constexpr int IPMI_SYSTEM_INTERFACE_ADDR_TYPE = 0x0c;
struct ipmi_system_interface_addr
{
    int addr_type;
    short channel;
    unsigned char lun;
};

inline constexpr int IPMI_IPMB_ADDR_TYPE = 0x01;
inline constexpr int IPMI_IPMB_BROADCAST_ADDR_TYPE = 0x41;
struct ipmi_ipmb_addr
{
    int addr_type;
    short channel;
    unsigned char slave_addr;
    unsigned char lun;
};

inline constexpr int IPMI_IPMB_DIRECT_ADDR_TYPE = 0x81;
struct ipmi_ipmb_direct_addr
{
    int addr_type;
    short channel;
    unsigned char slave_addr;
    unsigned char rs_lun;
    unsigned char rq_lun;
};

inline constexpr int IPMI_LAN_ADDR_TYPE = 0x04;
struct ipmi_lan_addr
{
    int addr_type;
    short channel;
    unsigned char privilege;
    unsigned char session_handle;
    unsigned char remote_SWID;
    unsigned char local_SWID;
    unsigned char lun;
};

inline constexpr short IPMI_BMC_CHANNEL = 0xf;
inline constexpr int IPMI_NUM_CHANNELS = 0x10;
inline constexpr int IPMI_CHAN_ALL = ~0;

struct ipmi_msg
{
    unsigned char netfn;
    unsigned char cmd;
    unsigned short data_len;
    unsigned char* data;
};

inline constexpr unsigned char IPMI_INVALID_CMD_COMPLETION_CODE = 0xC1;
inline constexpr unsigned char IPMI_TIMEOUT_COMPLETION_CODE = 0xC3;
inline constexpr unsigned char IPMI_UNKNOWN_ERR_COMPLETION_CODE = 0xff;

inline constexpr int IPMI_RESPONSE_RECV_TYPE = 1;
inline constexpr int IPMI_ASYNC_EVENT_RECV_TYPE = 2;
inline constexpr int IPMI_CMD_RECV_TYPE = 3;
inline constexpr int IPMI_RESPONSE_RESPONSE_TYPE = 4;
inline constexpr int IPMI_OEM_RECV_TYPE = 5;

inline constexpr int IPMI_MAINTENANCE_MODE_AUTO = 0;
inline constexpr int IPMI_MAINTENANCE_MODE_OFF = 1;
inline constexpr int IPMI_MAINTENANCE_MODE_ON = 2;

inline constexpr unsigned IPMI_IOC_MAGIC = 'i';

struct ipmi_req
{
    unsigned char* addr;
    unsigned int addr_len;
    long msgid;
    ipmi_msg msg;
};

struct ipmi_req_settime
{
    ipmi_req req;
    int retries;
    unsigned int retry_time_ms;
};

struct ipmi_recv
{
    int recv_type;
    unsigned char* addr;
    unsigned int addr_len;
    long msgid;
    ipmi_msg msg;
};

struct ipmi_cmdspec
{
    unsigned char netfn;
    unsigned char cmd;
};

struct ipmi_cmdspec_chans
{
    unsigned int netfn;
    unsigned int cmd;
    unsigned int chans;
};

struct ipmi_channel_lun_address_set
{
    unsigned short channel;
    unsigned char value;
};

struct ipmi_timing_parms
{
    int retries;
    unsigned int retry_time_ms;
};

inline constexpr std::uint32_t IPMICTL_RECEIVE_MSG_TRUNC = ioc_wr(IPMI_IOC_MAGIC, 11, sizeof(ipmi_recv));
inline constexpr std::uint32_t IPMICTL_RECEIVE_MSG = ioc_wr(IPMI_IOC_MAGIC, 12, sizeof(ipmi_recv));
inline constexpr std::uint32_t IPMICTL_SEND_COMMAND = ioc_r(IPMI_IOC_MAGIC, 13, sizeof(ipmi_req));
inline constexpr std::uint32_t IPMICTL_REGISTER_FOR_CMD = ioc_r(IPMI_IOC_MAGIC, 14, sizeof(ipmi_cmdspec));
inline constexpr std::uint32_t IPMICTL_UNREGISTER_FOR_CMD = ioc_r(IPMI_IOC_MAGIC, 15, sizeof(ipmi_cmdspec));
inline constexpr std::uint32_t IPMICTL_SET_GETS_EVENTS_CMD = ioc_r(IPMI_IOC_MAGIC, 16, sizeof(int));
inline constexpr std::uint32_t IPMICTL_SET_MY_ADDRESS_CMD = ioc_r(IPMI_IOC_MAGIC, 17, sizeof(unsigned int));
inline constexpr std::uint32_t IPMICTL_GET_MY_ADDRESS_CMD = ioc_r(IPMI_IOC_MAGIC, 18, sizeof(unsigned int));
inline constexpr std::uint32_t IPMICTL_SET_MY_LUN_CMD = ioc_r(IPMI_IOC_MAGIC, 19, sizeof(unsigned int));
inline constexpr std::uint32_t IPMICTL_GET_MY_LUN_CMD = ioc_r(IPMI_IOC_MAGIC, 20, sizeof(unsigned int));
inline constexpr std::uint32_t IPMICTL_SEND_COMMAND_SETTIME = ioc_r(IPMI_IOC_MAGIC, 21, sizeof(ipmi_req_settime));
inline constexpr std::uint32_t IPMICTL_SET_TIMING_PARMS_CMD = ioc_r(IPMI_IOC_MAGIC, 22, sizeof(ipmi_timing_parms));
inline constexpr std::uint32_t IPMICTL_GET_TIMING_PARMS_CMD = ioc_r(IPMI_IOC_MAGIC, 23, sizeof(ipmi_timing_parms));
inline constexpr std::uint32_t IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD =
    ioc_r(IPMI_IOC_MAGIC, 24, sizeof(ipmi_channel_lun_address_set));
inline constexpr std::uint32_t IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD =
    ioc_r(IPMI_IOC_MAGIC, 25, sizeof(ipmi_channel_lun_address_set));
inline constexpr std::uint32_t IPMICTL_SET_MY_CHANNEL_LUN_CMD =
    ioc_r(IPMI_IOC_MAGIC, 26, sizeof(ipmi_channel_lun_address_set));
inline constexpr std::uint32_t IPMICTL_GET_MY_CHANNEL_LUN_CMD =
    ioc_r(IPMI_IOC_MAGIC, 27, sizeof(ipmi_channel_lun_address_set));
inline constexpr std::uint32_t IPMICTL_REGISTER_FOR_CMD_CHANS = ioc_r(IPMI_IOC_MAGIC, 28, sizeof(ipmi_cmdspec_chans));
inline constexpr std::uint32_t IPMICTL_UNREGISTER_FOR_CMD_CHANS = ioc_r(IPMI_IOC_MAGIC, 29, sizeof(ipmi_cmdspec_chans));
inline constexpr std::uint32_t IPMICTL_GET_MAINTENANCE_MODE_CMD = ioc_r(IPMI_IOC_MAGIC, 30, sizeof(int));
inline constexpr std::uint32_t IPMICTL_SET_MAINTENANCE_MODE_CMD = ioc_w(IPMI_IOC_MAGIC, 31, sizeof(int));
// NOLINTEND(readability-identifier-naming,modernize-avoid-c-arrays)

// The address length the kernel reports for (and requires of) each address
// type: ipmi_addr_length() in ipmi_msghandler.c. 0 for unknown types.
constexpr unsigned int ipmi_addr_length(int addr_type)
{
    switch (addr_type) {
    case IPMI_SYSTEM_INTERFACE_ADDR_TYPE:
        return sizeof(ipmi_system_interface_addr);
    case IPMI_IPMB_ADDR_TYPE:
    case IPMI_IPMB_BROADCAST_ADDR_TYPE:
        return sizeof(ipmi_ipmb_addr);
    case IPMI_IPMB_DIRECT_ADDR_TYPE:
        return sizeof(ipmi_ipmb_direct_addr);
    case IPMI_LAN_ADDR_TYPE:
        return sizeof(ipmi_lan_addr);
    default:
        return 0;
    }
}

// Layouts on the native (LP64) ABI, as the system's <linux/ipmi.h> gives them.
static_assert(sizeof(ipmi_addr) == 40);
static_assert(sizeof(ipmi_system_interface_addr) == 8);
static_assert(offsetof(ipmi_system_interface_addr, lun) == 6);
static_assert(sizeof(ipmi_ipmb_addr) == 8);
static_assert(offsetof(ipmi_ipmb_addr, slave_addr) == 6);
static_assert(offsetof(ipmi_ipmb_addr, lun) == 7);
static_assert(sizeof(ipmi_ipmb_direct_addr) == 12);
static_assert(offsetof(ipmi_ipmb_direct_addr, rq_lun) == 8);
static_assert(sizeof(ipmi_lan_addr) == 12);
static_assert(offsetof(ipmi_lan_addr, lun) == 10);
static_assert(sizeof(void*) == 8, "native layouts below are LP64");
static_assert(sizeof(ipmi_msg) == 16);
static_assert(offsetof(ipmi_msg, data_len) == 2);
static_assert(offsetof(ipmi_msg, data) == 8);
static_assert(sizeof(ipmi_req) == 40);
static_assert(offsetof(ipmi_req, addr_len) == 8);
static_assert(offsetof(ipmi_req, msgid) == 16);
static_assert(offsetof(ipmi_req, msg) == 24);
static_assert(sizeof(ipmi_req_settime) == 48);
static_assert(offsetof(ipmi_req_settime, retries) == 40);
static_assert(offsetof(ipmi_req_settime, retry_time_ms) == 44);
static_assert(sizeof(ipmi_recv) == 48);
static_assert(offsetof(ipmi_recv, addr) == 8);
static_assert(offsetof(ipmi_recv, addr_len) == 16);
static_assert(offsetof(ipmi_recv, msgid) == 24);
static_assert(offsetof(ipmi_recv, msg) == 32);
static_assert(sizeof(ipmi_cmdspec) == 2);
static_assert(sizeof(ipmi_cmdspec_chans) == 12);
static_assert(sizeof(ipmi_channel_lun_address_set) == 4);
static_assert(offsetof(ipmi_channel_lun_address_set, value) == 2);
static_assert(sizeof(ipmi_timing_parms) == 8);

static_assert(IPMICTL_RECEIVE_MSG_TRUNC == 0xC030690BU);
static_assert(IPMICTL_RECEIVE_MSG == 0xC030690CU);
static_assert(IPMICTL_SEND_COMMAND == 0x8028690DU);
static_assert(IPMICTL_REGISTER_FOR_CMD == 0x8002690EU);
static_assert(IPMICTL_UNREGISTER_FOR_CMD == 0x8002690FU);
static_assert(IPMICTL_SET_GETS_EVENTS_CMD == 0x80046910U);
static_assert(IPMICTL_SET_MY_ADDRESS_CMD == 0x80046911U);
static_assert(IPMICTL_GET_MY_ADDRESS_CMD == 0x80046912U);
static_assert(IPMICTL_SET_MY_LUN_CMD == 0x80046913U);
static_assert(IPMICTL_GET_MY_LUN_CMD == 0x80046914U);
static_assert(IPMICTL_SEND_COMMAND_SETTIME == 0x80306915U);
static_assert(IPMICTL_SET_TIMING_PARMS_CMD == 0x80086916U);
static_assert(IPMICTL_GET_TIMING_PARMS_CMD == 0x80086917U);
static_assert(IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD == 0x80046918U);
static_assert(IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD == 0x80046919U);
static_assert(IPMICTL_SET_MY_CHANNEL_LUN_CMD == 0x8004691AU);
static_assert(IPMICTL_GET_MY_CHANNEL_LUN_CMD == 0x8004691BU);
static_assert(IPMICTL_REGISTER_FOR_CMD_CHANS == 0x800C691CU);
static_assert(IPMICTL_UNREGISTER_FOR_CMD_CHANS == 0x800C691DU);
static_assert(IPMICTL_GET_MAINTENANCE_MODE_CMD == 0x8004691EU);
static_assert(IPMICTL_SET_MAINTENANCE_MODE_CMD == 0x4004691FU);

} // namespace ipmi::abi
