// The user-memory seam: how the open-file layer reaches the caller's memory,
// the way ipmi_devintf.c uses copy_from_user/copy_to_user. Addresses are the
// caller's (another process's, through CUSE), so they are plain integers.
//
// Unit tests use DirectUserMemory (this process's memory, with ranges that can
// be made to fault). The CUSE front end supplies the buffers the FUSE ioctl
// retry protocol fetched; an access outside them returns kNeedUserMemory,
// which every ioctl path treats exactly like a fault (nothing consumed, a
// dequeued message put back), after which the front end asks the kernel for
// the missing range and runs the ioctl again.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace ipmi::core {

// Not a real errno: "this range has not been fetched yet; retry".
inline constexpr int kNeedUserMemory = -100000;

class UserMemory
{
  public:
    virtual ~UserMemory() = default;
    // 0, -EFAULT, or kNeedUserMemory.
    virtual int copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len) = 0;
    virtual int copyToUser(std::uint64_t userAddr, const void* src, std::size_t len) = 0;
    // Stores any copyToUser the memory has deferred, in order, stopping at
    // the first that faults (0, -EFAULT or kNeedUserMemory). An ioctl calls
    // it before a change a failed copy must not see happen (RECEIVE's
    // dequeue); a front end that defers calls it again once the ioctl is done.
    virtual int commit() { return 0; }
};

} // namespace ipmi::core
