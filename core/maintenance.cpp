// Maintenance mode. The configured mode is AUTO (default), OFF or ON; in AUTO
// a system-interface Cold Reset, Warm Reset or any Firmware (netfn 0x08)
// request turns maintenance on for maintenance_mode_timeout_ms from the last
// such request. While it is on, events are not polled and the interface is
// told (the SI driver stops rate-limiting its polling). The same commands
// sent over IPMB arm a separate timer under which IPMB requests default to
// the longer default_maintenance_retry_ms.
//
// One deliberate difference: the kernel counts the auto timeout down only
// while its 1-s timer runs for another reason; here the tick keeps running
// while a maintenance timeout is pending, so "auto" always ends on time.
#include "core/interface_state.hpp"

#include <cerrno>

namespace ipmi::core::detail {

bool InterfaceState::isMaintenanceCommand(std::uint8_t netfn, std::uint8_t cmd)
{
    return (netfn == abi::IPMI_NETFN_APP_REQUEST &&
            (cmd == abi::IPMI_COLD_RESET_CMD || cmd == abi::IPMI_WARM_RESET_CMD)) ||
           netfn == abi::IPMI_NETFN_FIRMWARE_REQUEST;
}

void InterfaceState::noteMaintenanceCommand(std::uint8_t netfn, std::uint8_t cmd)
{
    if (!isMaintenanceCommand(netfn, cmd)) {
        return;
    }
    autoMaintenanceTimeoutMs_ = static_cast<long>(params_.maintenanceModeTimeoutMs);
    if (maintenanceMode_ == abi::IPMI_MAINTENANCE_MODE_AUTO && !maintenanceEnabled_) {
        maintenanceEnabled_ = true;
        maintenanceUpdate();
    }
    owner_.needTick();
}

void InterfaceState::noteIpmbMaintenanceCommand(std::uint8_t netfn, std::uint8_t cmd)
{
    if (!isMaintenanceCommand(netfn, cmd)) {
        return;
    }
    ipmbMaintenanceTimeoutMs_ = params_.maintenanceModeTimeoutMs;
    owner_.needTick();
}

void InterfaceState::maintenanceTick(unsigned long periodMs)
{
    if (autoMaintenanceTimeoutMs_ <= 0) {
        return;
    }
    autoMaintenanceTimeoutMs_ -= static_cast<long>(periodMs);
    if (autoMaintenanceTimeoutMs_ <= 0) {
        autoMaintenanceTimeoutMs_ = 0;
        if (maintenanceMode_ == abi::IPMI_MAINTENANCE_MODE_AUTO) {
            maintenanceEnabled_ = false;
            maintenanceUpdate();
        }
    }
}

int InterfaceState::setMaintenanceMode(int mode)
{
    if (mode == maintenanceMode_) {
        return 0;
    }
    switch (mode) {
    case abi::IPMI_MAINTENANCE_MODE_AUTO:
        maintenanceEnabled_ = autoMaintenanceTimeoutMs_ > 0;
        break;
    case abi::IPMI_MAINTENANCE_MODE_OFF:
        maintenanceEnabled_ = false;
        break;
    case abi::IPMI_MAINTENANCE_MODE_ON:
        maintenanceEnabled_ = true;
        break;
    default:
        return -EINVAL;
    }
    maintenanceMode_ = mode;
    maintenanceUpdate();
    return 0;
}

void InterfaceState::maintenanceUpdate()
{
    if (phase_ != Phase::ShuttingDown) {
        interface_->setMaintenanceMode(maintenanceEnabled_);
    }
}

} // namespace ipmi::core::detail
