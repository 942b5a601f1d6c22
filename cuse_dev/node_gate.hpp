// What a policy-bound node installs on each of its open files: core's
// RequestGate (core/request_gate.hpp) answered from the node's NodePolicy,
// and the seam through which an observer (the audit trail) learns each
// decision and the completion code of each answer.
//
// ioctls on a restricted node (any policy but an unrestricted `full`):
// - EPERM: REGISTER_FOR_CMD and REGISTER_FOR_CMD_CHANS (they would take
//   commands sent to the host away from its other users) and
//   SET_MAINTENANCE_MODE_CMD (changes how the handler treats the BMC for
//   everyone), before their argument is read; SET_MY_ADDRESS_CMD,
//   SET_MY_LUN_CMD, SET_MY_CHANNEL_ADDRESS_CMD and SET_MY_CHANNEL_LUN_CMD
//   (the handler's addressing, shared by every user) when they would change
//   the value. Setting the value it already has is allowed: ipmitool and
//   FreeIPMI set address 0x20 on every open and give up if that fails. Core
//   reads and validates their argument first (EFAULT, EINVAL as the kernel).
// - as the kernel: every GET_* ioctl, SET_GETS_EVENTS_CMD (observing events
//   changes nothing the BMC keeps), SET_TIMING_PARMS_CMD (this file's own),
//   UNREGISTER_FOR_CMD(_CHANS) (only this file's registrations, of which a
//   restricted file has none: the kernel's ENOENT), SEND and RECEIVE.
// The 32-bit compat numbers of these ioctls are the native ones.
#pragma once

#include "core/request_gate.hpp"
#include "cuse_dev/node_policy.hpp"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace ipmi::cuse {

// Who made the request: the CUSE caller of the ioctl (pid 0 when unknown).
struct Caller
{
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// One decision of a node's gate on a request.
struct GateDecision
{
    const std::string& node; // the device name, "ipmi0-monitor"
    Caller caller;
    int addrType = 0; // IPMI_*_ADDR_TYPE as checked (a broadcast reads as IPMB)
    bool broadcast = false;
    short channel = 0;
    long msgid = 0;
    std::uint8_t netfn = 0; // as the user gave them
    std::uint8_t cmd = 0;
    std::uint8_t lun = 0;
    bool allowed = false; // false: answered locally with IPMI_INSUFFICIENT_PRIVILEGE_ERR
    // On the `monitor` preset's list: it reads and changes nothing the BMC
    // keeps (what an audit of changes leaves out).
    bool readOnly = false;
    // IPMB: the responder it was bridged to; LAN: the remote SWID.
    std::optional<std::uint8_t> slaveAddr;
};

// One answer queued on a gated file (a real one or a refusal's).
struct GateAnswer
{
    const std::string& node;
    int recvType = 0; // IPMI_RESPONSE_RECV_TYPE or IPMI_RESPONSE_RESPONSE_TYPE
    int addrType = 0;
    long msgid = 0;
    std::uint8_t netfn = 0; // the response's (request netfn | 1)
    std::uint8_t cmd = 0;
    std::uint8_t completionCode = 0; // the first data byte; 0xFF if there is none
    // Whether the observer asked to follow the request this answers (decided()
    // returned true); only then are `caller` and `readOnly` the request's.
    bool followed = false;
    Caller caller;
    bool readOnly = false;
};

// One refused ioctl.
struct GateIoctlRefusal
{
    const std::string& node;
    Caller caller;
    std::uint32_t ioctlCmd = 0;
};

// Told of every decision and answer on a node's gated files (loop thread).
class NodeObserver
{
  public:
    virtual ~NodeObserver() = default;
    // True: answered() is to tell, with the caller, when this allowed
    // request is answered (a gate follows at most kMaxFollowed at a time).
    virtual bool decided(const GateDecision& decision) = 0;
    virtual void answered(const GateAnswer& answer) = 0;
    virtual void ioctlRefused(const GateIoctlRefusal& refusal) = 0;
};

class NodeGate final : public core::RequestGate
{
  public:
    static constexpr std::size_t kMaxFollowed = 1024;

    // `policy` and `observer` (may be null) are shared by the node's files.
    NodeGate(std::string node, std::shared_ptr<const NodePolicy> policy, std::shared_ptr<NodeObserver> observer);

    // The caller of the ioctl about to run on this file.
    void setCaller(const Caller& caller) { caller_ = caller; }

    [[nodiscard]] std::optional<std::uint8_t> judgeRequest(const core::GatedRequest& request) override;
    [[nodiscard]] int judgeSharedChange(std::uint32_t ioctlCmd) override;
    void answered(const core::ReceivedMessage& answer) override;

  private:
    struct Followed
    {
        long msgid;
        std::uint8_t netfn;
        std::uint8_t cmd;
        Caller caller;
        bool readOnly;
    };

    std::string node_;
    std::shared_ptr<const NodePolicy> policy_;
    std::shared_ptr<NodeObserver> observer_;
    Caller caller_;
    // Requests whose answer the observer follows, oldest first; an answer
    // the BMC never gives is dropped with its file (or the oldest, past the
    // bound: the kernel's max_msgs_per_user keeps a file far below it).
    std::deque<Followed> followed_;
};

} // namespace ipmi::cuse
