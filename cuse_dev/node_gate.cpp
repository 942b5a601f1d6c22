// A node's gate on one open file: see node_gate.hpp.
#include "cuse_dev/node_gate.hpp"

#include "abi/ipmi_commands.hpp"

#include <algorithm>
#include <cerrno>

namespace ipmi::cuse {

namespace {

// The LUN the request addresses at its responder.
std::uint8_t addressedLun(const abi::ipmi_addr& addr)
{
    switch (addr.addr_type) {
    case abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE:
        return core::addressAs<abi::ipmi_system_interface_addr>(addr).lun;
    case abi::IPMI_IPMB_ADDR_TYPE:
    case abi::IPMI_IPMB_BROADCAST_ADDR_TYPE:
        return core::addressAs<abi::ipmi_ipmb_addr>(addr).lun;
    case abi::IPMI_LAN_ADDR_TYPE:
        return core::addressAs<abi::ipmi_lan_addr>(addr).lun;
    default:
        return 0;
    }
}

// What an audit of changes leaves out: the monitor preset's reads.
const NodePolicy& readOnlyCommands()
{
    static const NodePolicy reads = NodePolicy::monitor();
    return reads;
}

// Where a bridged request goes: the IPMB responder or the LAN remote SWID.
std::optional<std::uint8_t> bridgedTo(const abi::ipmi_addr& addr)
{
    switch (addr.addr_type) {
    case abi::IPMI_IPMB_ADDR_TYPE:
    case abi::IPMI_IPMB_BROADCAST_ADDR_TYPE:
        return core::addressAs<abi::ipmi_ipmb_addr>(addr).slave_addr;
    case abi::IPMI_LAN_ADDR_TYPE:
        return core::addressAs<abi::ipmi_lan_addr>(addr).remote_SWID;
    default:
        return std::nullopt;
    }
}

} // namespace

NodeGate::NodeGate(std::string node, std::shared_ptr<const NodePolicy> policy, std::shared_ptr<NodeObserver> observer)
    : node_(std::move(node)), policy_(std::move(policy)), observer_(std::move(observer))
{
}

std::optional<std::uint8_t> NodeGate::judgeRequest(const core::GatedRequest& request)
{
    const std::uint8_t lun = addressedLun(request.addr);
    const bool allowed =
        policy_->unrestricted() || policy_->allowsRequest(request.netfn, request.cmd, lun, request.data);
    if (observer_) {
        const bool readOnly = readOnlyCommands().allowsRequest(request.netfn, request.cmd, lun, request.data);
        const bool follow = observer_->decided(
            GateDecision{node_, caller_, request.addr.addr_type, request.broadcast, request.addr.channel, request.msgid,
                         request.netfn, request.cmd, lun, allowed, readOnly, bridgedTo(request.addr)});
        if (follow && allowed) {
            if (followed_.size() == kMaxFollowed) {
                followed_.pop_front();
            }
            followed_.push_back(Followed{request.msgid, request.netfn, request.cmd, caller_, readOnly});
        }
    }
    if (allowed) {
        return std::nullopt;
    }
    return abi::IPMI_INSUFFICIENT_PRIVILEGE_ERR;
}

int NodeGate::judgeSharedChange(std::uint32_t ioctlCmd)
{
    // Core asks only about the ioctls that change what every user of the
    // interface sees; a node that can refuse requests refuses them all, or a
    // client could take the host's commands or readdress the handler.
    if (policy_->unrestricted()) {
        return 0;
    }
    if (observer_) {
        observer_->ioctlRefused(GateIoctlRefusal{node_, caller_, ioctlCmd});
    }
    return -EPERM;
}

void NodeGate::answered(const core::ReceivedMessage& answer)
{
    if (!observer_) {
        return;
    }
    const std::uint8_t cc = answer.data.empty() ? abi::IPMI_ERR_UNSPECIFIED : answer.data.front();
    GateAnswer told{
        node_, answer.recvType, answer.addr.addr_type, answer.msgid, answer.netfn, answer.cmd, cc, false, {}, false};
    const auto it = std::find_if(followed_.begin(), followed_.end(), [&answer](const Followed& f) {
        return f.msgid == answer.msgid && (f.netfn | 1) == answer.netfn && f.cmd == answer.cmd;
    });
    if (it != followed_.end()) {
        told.followed = true;
        told.caller = it->caller;
        told.readOnly = it->readOnly;
        followed_.erase(it);
    }
    observer_->answered(told);
}

} // namespace ipmi::cuse
