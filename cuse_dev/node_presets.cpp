// The `monitor` preset: reads only, by the command tables of IPMI 2.0
// (appendix G) and DCMI 1.5. What monitoring agents send, and nothing that
// changes the BMC's or the host's state beyond the reservations that reads
// of the SDR repository and the SEL need.
//
// Decisions beyond the plain reads:
// - Reserve SDR Repository, Reserve Device SDR Repository and Reserve SEL
//   are in: a reservation only cancels another reader's reservation (which
//   that reader retries), and SDR/SEL reads with an offset need one.
// - Get Chassis Capabilities, Get System Restart Cause and Get POH Counter
//   are in: reads of chassis state next to Get Chassis Status. Get System
//   Boot Options is out: a monitor has no use for the boot flags.
// - Get System Info Parameters is in: FreeIPMI's bmc-info (used by
//   ipmi_exporter) reads the system firmware version with it.
// - Get PICMG Properties and VITA's Get VSO Capabilities are in: ipmitool
//   sends both on every start to detect such a platform; refusing them
//   would only fill the audit log.
// - DCMI: every Get command (capabilities, power reading, power limit,
//   asset tag, sensor info, management controller id string, thermal
//   limit, temperature readings, configuration parameters); no Set.
// - Get Watchdog Timer is in; Set and Reset Watchdog Timer are not.
// - Nothing else under App (no session, user, channel-setting, global
//   enables or message-queue commands) and nothing under Transport: Get
//   LAN Configuration Parameters can read out LAN credentials-related
//   settings (community string, authentication types), so it stays out.
#include "abi/ipmi_commands.hpp"
#include "cuse_dev/node_policy.hpp"

#include <array>

namespace ipmi::cuse {

namespace {

using namespace ipmi::abi;

constexpr CommandRule rule(std::uint8_t netfn, std::uint8_t cmd)
{
    return CommandRule{netfn, cmd, std::nullopt, std::nullopt};
}

constexpr CommandRule groupRule(std::uint8_t body, std::uint8_t cmd)
{
    return CommandRule{IPMI_NETFN_GROUP_EXTENSION_REQUEST, cmd, body, std::nullopt};
}

constexpr std::array kMonitorRules{
    // App: identity, self test, GUIDs, channels, watchdog (read), system info.
    rule(IPMI_NETFN_APP_REQUEST, IPMI_GET_DEVICE_ID_CMD),
    rule(IPMI_NETFN_APP_REQUEST, IPMI_GET_DEVICE_GUID_CMD),
    rule(IPMI_NETFN_APP_REQUEST, IPMI_GET_SELF_TEST_RESULTS_CMD),
    rule(IPMI_NETFN_APP_REQUEST, IPMI_GET_SYSTEM_GUID_CMD),
    rule(IPMI_NETFN_APP_REQUEST, IPMI_GET_CHANNEL_INFO_CMD),
    rule(IPMI_NETFN_APP_REQUEST, IPMI_GET_CHANNEL_ACCESS_CMD),
    rule(IPMI_NETFN_APP_REQUEST, IPMI_GET_WATCHDOG_TIMER_CMD),
    rule(IPMI_NETFN_APP_REQUEST, IPMI_GET_SYSTEM_INFO_PARAMETERS_CMD),
    // Chassis: status and other reads.
    rule(IPMI_NETFN_CHASSIS_REQUEST, IPMI_GET_CHASSIS_CAPABILITIES_CMD),
    rule(IPMI_NETFN_CHASSIS_REQUEST, IPMI_GET_CHASSIS_STATUS_CMD),
    rule(IPMI_NETFN_CHASSIS_REQUEST, IPMI_GET_SYSTEM_RESTART_CAUSE_CMD),
    rule(IPMI_NETFN_CHASSIS_REQUEST, IPMI_GET_POH_COUNTER_CMD),
    // Sensor/Event: device SDRs and sensor reads.
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_DEVICE_SDR_INFO_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_DEVICE_SDR_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_RESERVE_DEVICE_SDR_REPOSITORY_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_SENSOR_READING_FACTORS_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_SENSOR_HYSTERESIS_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_SENSOR_THRESHOLD_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_SENSOR_EVENT_ENABLE_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_SENSOR_EVENT_STATUS_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_SENSOR_READING_CMD),
    rule(IPMI_NETFN_SENSOR_EVENT_REQUEST, IPMI_GET_SENSOR_TYPE_CMD),
    // Storage: FRU, SDR repository, SEL reads.
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_GET_FRU_INVENTORY_AREA_INFO_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_READ_FRU_DATA_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_GET_SDR_REPOSITORY_INFO_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_GET_SDR_REPOSITORY_ALLOCATION_INFO_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_RESERVE_SDR_REPOSITORY_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, STORAGE_CMD_GET_SDR),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_GET_SEL_INFO_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_GET_SEL_ALLOCATION_INFO_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_RESERVE_SEL_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_GET_SEL_ENTRY_CMD),
    rule(IPMI_NETFN_STORAGE_REQUEST, IPMI_GET_SEL_TIME_CMD),
    // Group extension: platform probes and DCMI reads.
    groupRule(IPMI_GROUP_PICMG, IPMI_PICMG_GET_PROPERTIES_CMD),
    groupRule(IPMI_GROUP_VITA, IPMI_VITA_GET_VSO_CAPABILITIES_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_CAPABILITIES_INFO_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_POWER_READING_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_POWER_LIMIT_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_ASSET_TAG_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_SENSOR_INFO_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_MC_ID_STRING_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_THERMAL_LIMIT_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_TEMPERATURE_READINGS_CMD),
    groupRule(IPMI_GROUP_DCMI, IPMI_DCMI_GET_CONFIGURATION_PARAMETERS_CMD),
};

} // namespace

std::span<const CommandRule> monitorRules()
{
    return kMonitorRules;
}

} // namespace ipmi::cuse
