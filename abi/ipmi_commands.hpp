// The IPMI 2.0 numbers that <linux/ipmi_msgdefs.h> (abi/ipmi_msgdefs.hpp)
// lacks: the netfns, commands and completion codes the simulated BMC serves
// and the kernel's other users (ipmi_poweroff, ipmi_watchdog, the panic
// events) send. Spelt as the spec names them, in the kernel header's style,
// so one list holds every IPMI number this project uses.
#pragma once

#include "abi/ipmi_msgdefs.hpp"

namespace ipmi::abi {

// NOLINTBEGIN(readability-identifier-naming): kernel-style spellings.

// Network functions (table 5-1).
inline constexpr unsigned char IPMI_NETFN_CHASSIS_REQUEST = 0x00;
inline constexpr unsigned char IPMI_NETFN_CHASSIS_RESPONSE = 0x01;
inline constexpr unsigned char IPMI_NETFN_TRANSPORT_REQUEST = 0x0c;
inline constexpr unsigned char IPMI_NETFN_GROUP_EXTENSION_REQUEST = 0x2c; // first data byte: the defining body
inline constexpr unsigned char IPMI_NETFN_OEM_GROUP_REQUEST = 0x2e;       // first data bytes: the IANA number

// Completion codes (table 5-2).
inline constexpr unsigned char IPMI_INVALID_CMD_FOR_LUN_ERR = 0xc2;
inline constexpr unsigned char IPMI_OUT_OF_SPACE_ERR = 0xc4;
inline constexpr unsigned char IPMI_RESERVATION_CANCELED_ERR = 0xc5;
inline constexpr unsigned char IPMI_PARAM_OUT_OF_RANGE_ERR = 0xc9;
inline constexpr unsigned char IPMI_NOT_PRESENT_ERR = 0xcb;
inline constexpr unsigned char IPMI_INVALID_DATA_FIELD_ERR = 0xcc;
// "Cannot execute command. Insufficient privilege level or other
// security-based restriction": what a policy-bound node answers.
inline constexpr unsigned char IPMI_INSUFFICIENT_PRIVILEGE_ERR = 0xd4;
// 80h-BEh mean what each command's own table says.
inline constexpr unsigned char IPMI_CMD_SPECIFIC_80_ERR = 0x80;
inline constexpr unsigned char IPMI_CMD_SPECIFIC_81_ERR = 0x81;
// Reset Watchdog Timer's 80h (27.5): the timer was never set.
inline constexpr unsigned char IPMI_WATCHDOG_NOT_INITIALIZED_ERR = 0x80;

// App (table G-1).
inline constexpr unsigned char IPMI_GET_SELF_TEST_RESULTS_CMD = 0x04;
inline constexpr unsigned char IPMI_SET_ACPI_POWER_STATE_CMD = 0x06;
inline constexpr unsigned char IPMI_GET_ACPI_POWER_STATE_CMD = 0x07;
inline constexpr unsigned char IPMI_RESET_WATCHDOG_TIMER_CMD = 0x22;
inline constexpr unsigned char IPMI_SET_WATCHDOG_TIMER_CMD = 0x24;
inline constexpr unsigned char IPMI_GET_WATCHDOG_TIMER_CMD = 0x25;
inline constexpr unsigned char IPMI_GET_BT_INTERFACE_CAPABILITIES_CMD = 0x36;
inline constexpr unsigned char IPMI_GET_SYSTEM_GUID_CMD = 0x37;
inline constexpr unsigned char IPMI_GET_CHANNEL_ACCESS_CMD = 0x41;
inline constexpr unsigned char IPMI_SET_USER_PASSWORD_CMD = 0x47;
// Master Write-Read (22.11): request data [bus: channel<<4 | bus id<<1 |
// private][slave address<<1][read count][write data...].
inline constexpr unsigned char IPMI_MASTER_WRITE_READ_CMD = 0x52;
inline constexpr unsigned char IPMI_GET_SYSTEM_INFO_PARAMETERS_CMD = 0x59;

// Chassis (table G-1).
inline constexpr unsigned char IPMI_GET_CHASSIS_CAPABILITIES_CMD = 0x00;
inline constexpr unsigned char IPMI_GET_CHASSIS_STATUS_CMD = 0x01;
inline constexpr unsigned char IPMI_CHASSIS_CONTROL_CMD = 0x02;
inline constexpr unsigned char IPMI_CHASSIS_IDENTIFY_CMD = 0x04;
inline constexpr unsigned char IPMI_SET_POWER_RESTORE_POLICY_CMD = 0x06;
inline constexpr unsigned char IPMI_GET_SYSTEM_RESTART_CAUSE_CMD = 0x07;
inline constexpr unsigned char IPMI_SET_SYSTEM_BOOT_OPTIONS_CMD = 0x08;
inline constexpr unsigned char IPMI_GET_SYSTEM_BOOT_OPTIONS_CMD = 0x09;
inline constexpr unsigned char IPMI_GET_POH_COUNTER_CMD = 0x0f;

// Sensor/Event (table G-1).
inline constexpr unsigned char IPMI_SET_EVENT_RECEIVER_CMD = 0x00;
inline constexpr unsigned char IPMI_PLATFORM_EVENT_CMD = 0x02;
inline constexpr unsigned char IPMI_GET_DEVICE_SDR_INFO_CMD = 0x20;
inline constexpr unsigned char IPMI_GET_DEVICE_SDR_CMD = 0x21;
inline constexpr unsigned char IPMI_RESERVE_DEVICE_SDR_REPOSITORY_CMD = 0x22;
inline constexpr unsigned char IPMI_GET_SENSOR_READING_FACTORS_CMD = 0x23;
inline constexpr unsigned char IPMI_SET_SENSOR_HYSTERESIS_CMD = 0x24;
inline constexpr unsigned char IPMI_GET_SENSOR_HYSTERESIS_CMD = 0x25;
inline constexpr unsigned char IPMI_SET_SENSOR_THRESHOLD_CMD = 0x26;
inline constexpr unsigned char IPMI_GET_SENSOR_THRESHOLD_CMD = 0x27;
inline constexpr unsigned char IPMI_SET_SENSOR_EVENT_ENABLE_CMD = 0x28;
inline constexpr unsigned char IPMI_GET_SENSOR_EVENT_ENABLE_CMD = 0x29;
inline constexpr unsigned char IPMI_REARM_SENSOR_EVENTS_CMD = 0x2a;
inline constexpr unsigned char IPMI_GET_SENSOR_EVENT_STATUS_CMD = 0x2b;
inline constexpr unsigned char IPMI_GET_SENSOR_READING_CMD = 0x2d;
inline constexpr unsigned char IPMI_GET_SENSOR_TYPE_CMD = 0x2f;

// Storage (table G-1): FRU, SDR repository, SEL.
inline constexpr unsigned char IPMI_GET_FRU_INVENTORY_AREA_INFO_CMD = 0x10;
inline constexpr unsigned char IPMI_READ_FRU_DATA_CMD = 0x11;
inline constexpr unsigned char IPMI_WRITE_FRU_DATA_CMD = 0x12;
inline constexpr unsigned char IPMI_GET_SDR_REPOSITORY_INFO_CMD = 0x20;
inline constexpr unsigned char IPMI_GET_SDR_REPOSITORY_ALLOCATION_INFO_CMD = 0x21;
inline constexpr unsigned char IPMI_RESERVE_SDR_REPOSITORY_CMD = 0x22;
inline constexpr unsigned char IPMI_GET_SEL_INFO_CMD = 0x40;
inline constexpr unsigned char IPMI_GET_SEL_ALLOCATION_INFO_CMD = 0x41;
inline constexpr unsigned char IPMI_RESERVE_SEL_CMD = 0x42;
inline constexpr unsigned char IPMI_GET_SEL_ENTRY_CMD = 0x43;
inline constexpr unsigned char IPMI_DELETE_SEL_ENTRY_CMD = 0x46;
inline constexpr unsigned char IPMI_CLEAR_SEL_CMD = 0x47;
inline constexpr unsigned char IPMI_GET_SEL_TIME_CMD = 0x48;
inline constexpr unsigned char IPMI_SET_SEL_TIME_CMD = 0x49;
inline constexpr unsigned char IPMI_GET_SEL_TIME_UTC_OFFSET_CMD = 0x5c;
inline constexpr unsigned char IPMI_SET_SEL_TIME_UTC_OFFSET_CMD = 0x5d;

// Transport (table G-1).
inline constexpr unsigned char IPMI_SET_LAN_CONFIG_PARAMETERS_CMD = 0x01;
inline constexpr unsigned char IPMI_GET_LAN_CONFIG_PARAMETERS_CMD = 0x02;

// Defining bodies: the first data byte under the group extension netfn.
inline constexpr unsigned char IPMI_GROUP_PICMG = 0x00;
inline constexpr unsigned char IPMI_GROUP_VITA = 0x03;
inline constexpr unsigned char IPMI_GROUP_DCMI = 0xdc;

// PICMG 3.0 (AdvancedTCA) under the group extension netfn, defining body
// 00h: what ipmi_poweroff sends to an ATCA shelf, and the properties query
// ipmitool sends on every start to detect such a platform.
inline constexpr unsigned char IPMI_PICMG_GET_PROPERTIES_CMD = 0x00;
inline constexpr unsigned char IPMI_PICMG_GET_ADDRESS_INFO_CMD = 0x01;
inline constexpr unsigned char IPMI_PICMG_SET_POWER_LEVEL_CMD = 0x11;

// VITA 46.11 (defining body 03h): ipmitool's other platform probe.
inline constexpr unsigned char IPMI_VITA_GET_VSO_CAPABILITIES_CMD = 0x00;

// DCMI 1.5 (defining body DCh), its reading commands.
inline constexpr unsigned char IPMI_DCMI_GET_CAPABILITIES_INFO_CMD = 0x01;
inline constexpr unsigned char IPMI_DCMI_GET_POWER_READING_CMD = 0x02;
inline constexpr unsigned char IPMI_DCMI_GET_POWER_LIMIT_CMD = 0x03;
inline constexpr unsigned char IPMI_DCMI_SET_POWER_LIMIT_CMD = 0x04;
inline constexpr unsigned char IPMI_DCMI_GET_ASSET_TAG_CMD = 0x06;
inline constexpr unsigned char IPMI_DCMI_GET_SENSOR_INFO_CMD = 0x07;
inline constexpr unsigned char IPMI_DCMI_GET_MC_ID_STRING_CMD = 0x09;
inline constexpr unsigned char IPMI_DCMI_GET_THERMAL_LIMIT_CMD = 0x0c;
inline constexpr unsigned char IPMI_DCMI_GET_TEMPERATURE_READINGS_CMD = 0x10;
inline constexpr unsigned char IPMI_DCMI_GET_CONFIGURATION_PARAMETERS_CMD = 0x13;

// NOLINTEND(readability-identifier-naming)

} // namespace ipmi::abi
