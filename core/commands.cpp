// Command receivers (ipmi_register_for_cmd / ipmi_unregister_for_cmd) and
// the per-channel "my address" / "my LUN" table the IPMB and LAN frames take
// their source from. A registration is (netfn, cmd, channel mask); one that
// overlaps an existing registration of anybody in netfn, cmd and any channel
// bit is refused with EBUSY. A mask of 0, or one with only bits >= 16, never
// overlaps and can never be unregistered (only channels 0-15 are examined),
// so it lasts until the user goes.
#include "core/interface_state.hpp"

#include <algorithm>
#include <cerrno>

namespace ipmi::core::detail {

int InterfaceState::setMyAddress(unsigned channel, std::uint8_t address)
{
    if (channel >= kNumChannels) {
        return -EINVAL;
    }
    addrInfo_[channel].address = address;
    return 0;
}

int InterfaceState::getMyAddress(unsigned channel, std::uint8_t& address) const
{
    if (channel >= kNumChannels) {
        return -EINVAL;
    }
    address = addrInfo_[channel].address;
    return 0;
}

int InterfaceState::setMyLun(unsigned channel, std::uint8_t lun)
{
    if (channel >= kNumChannels) {
        return -EINVAL;
    }
    addrInfo_[channel].lun = lun & 0x03;
    return 0;
}

int InterfaceState::getMyLun(unsigned channel, std::uint8_t& lun) const
{
    if (channel >= kNumChannels) {
        return -EINVAL;
    }
    lun = addrInfo_[channel].lun;
    return 0;
}

const CmdReceiver* InterfaceState::findCmdReceiver(std::uint8_t netfn, std::uint8_t cmd, unsigned channel) const
{
    for (const auto& rcvr : cmdReceivers_) {
        if (rcvr.netfn == netfn && rcvr.cmd == cmd && (rcvr.chans & (1U << channel)) != 0) {
            return &rcvr;
        }
    }
    return nullptr;
}

int InterfaceState::registerForCmd(const std::shared_ptr<UserState>& user, std::uint8_t netfn, std::uint8_t cmd,
                                   unsigned chans)
{
    if (!user || user->intf != this) {
        return -ENODEV;
    }
    for (const auto& rcvr : cmdReceivers_) {
        if (rcvr.netfn == netfn && rcvr.cmd == cmd && (rcvr.chans & chans) != 0) {
            return -EBUSY;
        }
    }
    cmdReceivers_.push_back(CmdReceiver{user, netfn, cmd, chans});
    updateWatch();
    return 0;
}

int InterfaceState::unregisterForCmd(const std::shared_ptr<UserState>& user, std::uint8_t netfn, std::uint8_t cmd,
                                     unsigned chans)
{
    if (!user || user->intf != this) {
        return -ENODEV;
    }
    int rv = -ENOENT;
    for (unsigned channel = 0; channel < kNumChannels; ++channel) {
        if ((chans & (1U << channel)) == 0) {
            continue;
        }
        auto it = std::find_if(cmdReceivers_.begin(), cmdReceivers_.end(), [&](const CmdReceiver& r) {
            return r.netfn == netfn && r.cmd == cmd && (r.chans & (1U << channel)) != 0;
        });
        if (it == cmdReceivers_.end() || it->user != user) {
            continue;
        }
        rv = 0;
        it->chans &= ~chans;
        if (it->chans == 0) {
            cmdReceivers_.erase(it);
        }
    }
    updateWatch();
    return rv;
}

void InterfaceState::dropUserReceivers(const UserState& user)
{
    std::erase_if(cmdReceivers_, [&user](const CmdReceiver& r) { return r.user.get() == &user; });
}

} // namespace ipmi::core::detail
