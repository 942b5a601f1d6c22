// The user-memory seam: how the open-file layer reaches the caller's memory,
// the way ipmi_devintf.c uses copy_from_user/copy_to_user. Addresses are the
// caller's (another process's, through CUSE), so they are plain integers.
//
// Unit tests use DirectUserMemory (this process's memory, with ranges that can
// be made to fault). The CUSE front end supplies the buffers the FUSE ioctl
// retry protocol fetched; an access outside them answers Copy::Unfetched,
// which every ioctl path treats exactly like a fault (nothing consumed, a
// dequeued message put back), after which the front end asks the kernel for
// the missing range and runs the ioctl again.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace ipmi::core {

// What one copy did.
enum class Copy : std::uint8_t
{
    Done,
    Fault,     // the caller's EFAULT
    Unfetched, // not the caller's error: the front end must fetch the range and retry
};

// An ioctl's outcome inside the stack: the kernel's result (0 or positive,
// or -errno) for the caller, or "a range was not fetched" (nothing has
// changed; the front end retries), which never reaches the caller.
class IoctlResult
{
  public:
    // Implicit, so an ioctl returns -EINVAL or a user call's result as is.
    IoctlResult(long value) : value_(value) {} // NOLINT(google-explicit-constructor)
    // A failed copy's result: -EFAULT, or unfetched.
    IoctlResult(Copy copy)
        : // NOLINT(google-explicit-constructor)
          value_(copy == Copy::Fault ? -EFAULT : 0), unfetched_(copy == Copy::Unfetched)
    {
    }

    [[nodiscard]] bool unfetched() const { return unfetched_; }
    // The caller's result; meaningless when unfetched().
    [[nodiscard]] long value() const { return value_; }

    friend bool operator==(const IoctlResult&, const IoctlResult&) = default;

  private:
    long value_ = 0;
    bool unfetched_ = false;
};

class UserMemory
{
  public:
    virtual ~UserMemory() = default;
    virtual Copy copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len) = 0;
    virtual Copy copyToUser(std::uint64_t userAddr, const void* src, std::size_t len) = 0;
    // Stores any copyToUser the memory has deferred, in order, stopping at
    // the first that faults. An ioctl calls it before a change a failed copy
    // must not see happen (RECEIVE's dequeue); a front end that defers calls
    // it again once the ioctl is done.
    virtual Copy commit() { return Copy::Done; }
};

} // namespace ipmi::core
