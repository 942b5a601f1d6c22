// Mirror of <linux/ipmi_msgdefs.h>: netfns, commands, completion codes and
// channel medium/protocol numbers the kernel's message handler uses. Kernel
// spellings on purpose, so this file can be compared line by line with uapi.
//
// Include abi/ headers before <linux/ipmi*.h>: the system header's macros would
// otherwise rewrite these constants' names.
#pragma once

#ifdef __LINUX_IPMI_MSGDEFS_H
#error "include abi/ipmi_msgdefs.hpp before <linux/ipmi_msgdefs.h>: its macros rewrite our names"
#endif

namespace ipmi::abi {

// NOLINTBEGIN(readability-identifier-naming): kernel spellings.
inline constexpr unsigned char IPMI_NETFN_SENSOR_EVENT_REQUEST = 0x04;
inline constexpr unsigned char IPMI_NETFN_SENSOR_EVENT_RESPONSE = 0x05;
inline constexpr unsigned char IPMI_GET_EVENT_RECEIVER_CMD = 0x01;

inline constexpr unsigned char IPMI_NETFN_APP_REQUEST = 0x06;
inline constexpr unsigned char IPMI_NETFN_APP_RESPONSE = 0x07;
inline constexpr unsigned char IPMI_GET_DEVICE_ID_CMD = 0x01;
inline constexpr unsigned char IPMI_COLD_RESET_CMD = 0x02;
inline constexpr unsigned char IPMI_WARM_RESET_CMD = 0x03;
inline constexpr unsigned char IPMI_CLEAR_MSG_FLAGS_CMD = 0x30;
inline constexpr unsigned char IPMI_GET_DEVICE_GUID_CMD = 0x08;
inline constexpr unsigned char IPMI_GET_MSG_FLAGS_CMD = 0x31;
inline constexpr unsigned char IPMI_SEND_MSG_CMD = 0x34;
inline constexpr unsigned char IPMI_GET_MSG_CMD = 0x33;
inline constexpr unsigned char IPMI_SET_BMC_GLOBAL_ENABLES_CMD = 0x2e;
inline constexpr unsigned char IPMI_GET_BMC_GLOBAL_ENABLES_CMD = 0x2f;
inline constexpr unsigned char IPMI_READ_EVENT_MSG_BUFFER_CMD = 0x35;
inline constexpr unsigned char IPMI_GET_CHANNEL_INFO_CMD = 0x42;

// Bits in the BMC global enables.
inline constexpr unsigned char IPMI_BMC_RCV_MSG_INTR = 0x01;
inline constexpr unsigned char IPMI_BMC_EVT_MSG_INTR = 0x02;
inline constexpr unsigned char IPMI_BMC_EVT_MSG_BUFF = 0x04;
inline constexpr unsigned char IPMI_BMC_SYS_LOG = 0x08;

inline constexpr unsigned char IPMI_NETFN_STORAGE_REQUEST = 0x0a;
inline constexpr unsigned char IPMI_NETFN_STORAGE_RESPONSE = 0x0b;
inline constexpr unsigned char IPMI_ADD_SEL_ENTRY_CMD = 0x44;

inline constexpr unsigned char IPMI_NETFN_FIRMWARE_REQUEST = 0x08;
inline constexpr unsigned char IPMI_NETFN_FIRMWARE_RESPONSE = 0x09;

// The default IPMB address of the BMC.
inline constexpr unsigned char IPMI_BMC_SLAVE_ADDR = 0x20;

// The largest message, request or response, the message handler carries.
inline constexpr unsigned IPMI_MAX_MSG_LENGTH = 272;

inline constexpr unsigned char IPMI_CC_NO_ERROR = 0x00;
inline constexpr unsigned char IPMI_NODE_BUSY_ERR = 0xc0;
inline constexpr unsigned char IPMI_INVALID_COMMAND_ERR = 0xc1;
inline constexpr unsigned char IPMI_TIMEOUT_ERR = 0xc3;
inline constexpr unsigned char IPMI_ERR_MSG_TRUNCATED = 0xc6;
inline constexpr unsigned char IPMI_REQ_LEN_INVALID_ERR = 0xc7;
inline constexpr unsigned char IPMI_REQ_LEN_EXCEEDED_ERR = 0xc8;
inline constexpr unsigned char IPMI_DEVICE_IN_FW_UPDATE_ERR = 0xd1;
inline constexpr unsigned char IPMI_DEVICE_IN_INIT_ERR = 0xd2;
inline constexpr unsigned char IPMI_NOT_IN_MY_STATE_ERR = 0xd5;
inline constexpr unsigned char IPMI_LOST_ARBITRATION_ERR = 0x81;
inline constexpr unsigned char IPMI_BUS_ERR = 0x82;
inline constexpr unsigned char IPMI_NAK_ON_WRITE_ERR = 0x83;
inline constexpr unsigned char IPMI_ERR_UNSPECIFIED = 0xff;

// Not in the uapi header: what the kernel's SI and SSIF drivers define for
// themselves (ipmi_si_intf.c, ipmi_ssif.c), same spellings.
inline constexpr unsigned char IPMI_GET_SYSTEM_INTERFACE_CAPABILITIES_CMD = 0x57;
inline constexpr unsigned char STORAGE_CMD_GET_SDR = 0x23;
inline constexpr unsigned char CANNOT_RETURN_REQUESTED_LENGTH = 0xca;
// Bits in the Get Message Flags answer.
inline constexpr unsigned char RECEIVE_MSG_AVAIL = 0x01;
inline constexpr unsigned char EVENT_MSG_BUFFER_FULL = 0x02;
inline constexpr unsigned char WDT_PRE_TIMEOUT_INT = 0x08;
inline constexpr unsigned char OEM0_DATA_AVAIL = 0x20;
inline constexpr unsigned char OEM1_DATA_AVAIL = 0x40;
inline constexpr unsigned char OEM2_DATA_AVAIL = 0x80;
inline constexpr unsigned char OEM_DATA_AVAIL = OEM0_DATA_AVAIL | OEM1_DATA_AVAIL | OEM2_DATA_AVAIL;

inline constexpr unsigned char IPMI_CHANNEL_PROTOCOL_IPMB = 1;
inline constexpr unsigned char IPMI_CHANNEL_PROTOCOL_ICMB = 2;
inline constexpr unsigned char IPMI_CHANNEL_PROTOCOL_SMBUS = 4;
inline constexpr unsigned char IPMI_CHANNEL_PROTOCOL_KCS = 5;
inline constexpr unsigned char IPMI_CHANNEL_PROTOCOL_SMIC = 6;
inline constexpr unsigned char IPMI_CHANNEL_PROTOCOL_BT10 = 7;
inline constexpr unsigned char IPMI_CHANNEL_PROTOCOL_BT15 = 8;
inline constexpr unsigned char IPMI_CHANNEL_PROTOCOL_TMODE = 9;

inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_IPMB = 1;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_ICMB10 = 2;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_ICMB09 = 3;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_8023LAN = 4;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_ASYNC = 5;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_OTHER_LAN = 6;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_PCI_SMBUS = 7;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_SMBUS1 = 8;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_SMBUS2 = 9;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_USB1 = 10;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_USB2 = 11;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_SYSINTF = 12;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_OEM_MIN = 0x60;
inline constexpr unsigned char IPMI_CHANNEL_MEDIUM_OEM_MAX = 0x7f;
// NOLINTEND(readability-identifier-naming)

} // namespace ipmi::abi
