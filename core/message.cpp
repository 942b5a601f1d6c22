// Address rules shared by every user path: ipmi_validate_addr and
// ipmi_addr_equal of ipmi_msghandler.c, and the IPMB checksum.
#include "core/message.hpp"

#include <cerrno>

namespace ipmi::core {

namespace {

int validateAddress(const abi::ipmi_addr& addr, unsigned int len)
{
    if (len < sizeof(abi::ipmi_system_interface_addr)) {
        return -EINVAL;
    }
    if (addr.addr_type == abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE) {
        return addr.channel == abi::IPMI_BMC_CHANNEL ? 0 : -EINVAL;
    }
    if (addr.channel == abi::IPMI_BMC_CHANNEL || addr.channel >= abi::IPMI_NUM_CHANNELS || addr.channel < 0) {
        return -EINVAL;
    }
    switch (addr.addr_type) {
    case abi::IPMI_IPMB_ADDR_TYPE:
    case abi::IPMI_IPMB_BROADCAST_ADDR_TYPE:
        return len < sizeof(abi::ipmi_ipmb_addr) ? -EINVAL : 0;
    case abi::IPMI_IPMB_DIRECT_ADDR_TYPE: {
        if (addr.channel != 0 || len < sizeof(abi::ipmi_ipmb_direct_addr)) {
            return -EINVAL;
        }
        const auto direct = addressAs<abi::ipmi_ipmb_direct_addr>(addr);
        if ((direct.slave_addr & 0x01) != 0 || direct.rq_lun >= 4 || direct.rs_lun >= 4) {
            return -EINVAL;
        }
        return 0;
    }
    case abi::IPMI_LAN_ADDR_TYPE:
        return len < sizeof(abi::ipmi_lan_addr) ? -EINVAL : 0;
    default:
        return -EINVAL;
    }
}

} // namespace

std::optional<CheckedAddress> checkAddress(const abi::ipmi_addr& addr, unsigned int len)
{
    if (validateAddress(addr, len) != 0) {
        return std::nullopt;
    }
    return CheckedAddress(addr);
}

bool addressEqual(const abi::ipmi_addr& a, const abi::ipmi_addr& b)
{
    if (a.addr_type != b.addr_type || a.channel != b.channel) {
        return false;
    }
    switch (a.addr_type) {
    case abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE:
        return addressAs<abi::ipmi_system_interface_addr>(a).lun == addressAs<abi::ipmi_system_interface_addr>(b).lun;
    case abi::IPMI_IPMB_ADDR_TYPE:
    case abi::IPMI_IPMB_BROADCAST_ADDR_TYPE: {
        const auto x = addressAs<abi::ipmi_ipmb_addr>(a);
        const auto y = addressAs<abi::ipmi_ipmb_addr>(b);
        return x.slave_addr == y.slave_addr && x.lun == y.lun;
    }
    case abi::IPMI_IPMB_DIRECT_ADDR_TYPE: {
        const auto x = addressAs<abi::ipmi_ipmb_direct_addr>(a);
        const auto y = addressAs<abi::ipmi_ipmb_direct_addr>(b);
        return x.slave_addr == y.slave_addr && x.rq_lun == y.rq_lun && x.rs_lun == y.rs_lun;
    }
    case abi::IPMI_LAN_ADDR_TYPE: {
        const auto x = addressAs<abi::ipmi_lan_addr>(a);
        const auto y = addressAs<abi::ipmi_lan_addr>(b);
        return x.remote_SWID == y.remote_SWID && x.local_SWID == y.local_SWID && x.session_handle == y.session_handle &&
               x.privilege == y.privilege && x.lun == y.lun;
    }
    default:
        return true;
    }
}

abi::ipmi_addr systemInterfaceAddress(std::uint8_t lun)
{
    abi::ipmi_addr addr{};
    abi::ipmi_system_interface_addr si{};
    si.addr_type = abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    si.channel = abi::IPMI_BMC_CHANNEL;
    si.lun = lun;
    storeAddress(addr, si);
    return addr;
}

std::uint8_t ipmbChecksum(const std::uint8_t* data, std::size_t len)
{
    std::uint8_t sum = 0;
    for (std::size_t i = 0; i < len; ++i) {
        sum = static_cast<std::uint8_t>(sum + data[i]);
    }
    return static_cast<std::uint8_t>(-sum);
}

} // namespace ipmi::core
