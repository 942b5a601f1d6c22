// One open /dev/ipmiN: the frontend-independent semantics of ipmi_devintf.c.
// What each IPMICTL ioctl does, with the kernel's errno, lives here; the CUSE
// front end (cuse_dev/) only moves bytes between the kernel and these calls,
// and unit tests call them with real <linux/ipmi.h> structs.
//
// All members are called on the loop thread.
#pragma once

#include "core/request_gate.hpp"
#include "core/user_memory.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace ipmi::core {

// The sizes a RECEIVE_MSG(_TRUNC) of the message now at the head of the queue
// would write, so a front end can fetch exactly the right user buffers before
// running the ioctl (it must still cope with an unfetched result: the queue
// may change in between).
struct ReceivePeek
{
    unsigned int addrLen; // ipmi_addr_length() of the head message's address
    unsigned int dataLen; // its data length
};

class IpmiFile
{
  public:
    virtual ~IpmiFile() = default; // close(): ipmi_release semantics

    // ioctl(fd, cmd, arg). compat32 selects the 32-bit layouts of the four
    // pointer-carrying ioctls (FUSE_IOCTL_COMPAT). Returns 0 or a positive
    // value on success, -errno on failure (ENOTTY for an unknown cmd), or
    // unfetched when `mem` lacks a range (nothing has changed then).
    virtual IoctlResult ioctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem, bool compat32) = 0;

    // EPOLLIN|EPOLLRDNORM iff the receive queue is non-empty.
    [[nodiscard]] virtual bool readable() const = 0;
    // True while requests sent through this file still wait for their answer.
    [[nodiscard]] virtual bool awaitingAnswers() const = 0;
    // Called (on the loop thread) when a message is queued on an empty queue:
    // the edge a poll waiter must be woken on.
    virtual void setWakeup(std::function<void()> onReadable) = 0;
    [[nodiscard]] virtual std::optional<ReceivePeek> peekReceive() const = 0;
    // Binds the file to a front end's restrictions (request_gate.hpp), for
    // the rest of its life; without one it is the kernel's file.
    virtual void setGate(std::unique_ptr<RequestGate> gate) = 0;

    // read()/write() have no file operation in ipmi_devintf: the VFS answers EINVAL.
    [[nodiscard]] static long read() { return -22; }
    [[nodiscard]] static long write() { return -22; }
};

} // namespace ipmi::core
