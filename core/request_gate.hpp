// A seam for a front end that restricts what one open file may do (a
// policy-bound device node): core asks the gate at fixed points and obeys its
// answer, without knowing why it answers so. Core holds no policy; with no
// gate set, a file behaves exactly as the kernel's.
//
// Requests: the gate is asked once a request has passed every check that
// ends in an errno except sequence-slot allocation (so the kernel's EINVAL,
// EMSGSIZE, EFAULT, ENODEV and the EBUSY of max_msgs_per_user come first,
// unchanged), and before the request has any effect: before it can start
// maintenance mode, take a sequence slot (a refused request never costs an
// EAGAIN to anyone), or reach the interface. A refusal is answered like a
// BMC: a one-byte response carrying the gate's completion code, queued on
// the file with the request's msgid and address through the same delivery
// as a real answer, and charged against max_msgs_per_user until it is read.
//
// ioctls: the gate is asked before an ioctl changes what every other user
// of the interface sees: REGISTER_FOR_CMD(_CHANS) (takes incoming commands
// from the other users), SET_MAINTENANCE_MODE_CMD (both before their
// argument is read), and SET_MY_(CHANNEL_)ADDRESS/LUN, only once their
// argument was read and validated and only if the value would change (the
// kernel's clients set the default address on every open: ipmitool's and
// FreeIPMI's OpenIPMI drivers fail to open if that is refused).
//
// All calls come on the loop thread, inside the file's ioctl or delivery.
#pragma once

#include "abi/ipmi.hpp"
#include "core/message.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace ipmi::core {

// A request as validated, before it has any effect.
struct GatedRequest
{
    // The checked address; an IPMB broadcast already reads as IPMB here,
    // as in the answer it will get (`broadcast` tells them apart).
    const abi::ipmi_addr& addr;
    bool broadcast = false;
    long msgid = 0;
    std::uint8_t netfn = 0; // odd: an IPMB/LAN response the user sends
    std::uint8_t cmd = 0;
    std::span<const std::uint8_t> data;
};

class RequestGate
{
  public:
    virtual ~RequestGate() = default;

    // nullopt lets the request go on; a completion code answers it locally
    // with that code, and it never reaches the interface.
    [[nodiscard]] virtual std::optional<std::uint8_t> judgeRequest(const GatedRequest& request) = 0;

    // 0 lets the ioctl go on; a negative errno (a front end's -EPERM) is its result.
    [[nodiscard]] virtual int judgeSharedChange(std::uint32_t ioctlCmd) = 0;

    // A response (recv type 1 or 4) has been queued on the file: a real
    // answer or a refusal's. For observers (audit) that want the completion
    // code of what they saw judged.
    virtual void answered(const ReceivedMessage& answer) = 0;
};

} // namespace ipmi::core
