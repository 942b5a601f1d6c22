// The caller's memory reached in place, with process_vm_readv/writev on the
// thread that is inside the ioctl, instead of through the FUSE retry
// protocol (ioctl_marshal.hpp): a SEND or RECEIVE then costs one FUSE round
// trip instead of three, which is most of what /dev/ipmiN costs per message
// in a VM.
//
// Why this is the kernel's behaviour and not a shortcut: CUSE keeps the
// calling thread inside its ioctl until the server replies (a non-fatal
// signal only sends FUSE_INTERRUPT, and the kernel still waits for the
// answer; a fatal one takes the whole address space away), so a copy made
// before the reply lands at the same point of the ioctl, in the same order,
// as the kernel's copy_from_user/copy_to_user, and a bad pointer gives the
// same EFAULT with the same side effects (a dequeued message put back).
// The thread id (FUSE's request header, in our PID namespace) cannot come to
// name another process in between: the kernel hands out PIDs cyclically, so
// reuse needs the whole PID space to go round while one request is handled.
//
// Fewer system calls per ioctl, with the kernel's results:
//   - stores are deferred and made in one process_vm_writev when the ioctl
//     commits (UserMemory::commit: RECEIVE before it dequeues, and once more
//     when the ioctl returns); they land in the kernel's order and stop at
//     the first that faults, so a faulting buffer leaves the caller's memory
//     and the queue as the kernel would;
//   - the first read (the struct at arg) also fetches the ranges the same
//     ioctl of the same file read last time (a SEND's address and data), but
//     only within the pages the struct itself lies in: those are mapped and
//     readable once the struct is, so the read-ahead can neither fault
//     where the kernel would not nor touch memory the caller did not name.
//     A later read served from it must lie wholly inside a fetched range.
//
// Not every caller can be reached this way: a caller outside our PID
// namespace (FUSE reports pid 0), one we may not ptrace (not dumpable, Yama,
// no CAP_SYS_PTRACE in a confined service), or a kernel without
// CONFIG_CROSS_MEMORY_ATTACH. The first access then answers Unreachable,
// which a device treats like a fault with nothing changed, and runs the same
// ioctl through the retry protocol instead.
//
// This is the raw access; what a device does with it (/dev/ipmiN's ioctls:
// cuse_dev/in_place_ioctl.hpp) lives with the device.
#pragma once

#include "cuse/ioctl_request.hpp"

#include <boost/container/small_vector.hpp>
#include <sys/types.h>

#include <cstdint>
#include <utility>

namespace ipmi::cuse {

// The ranges one ioctl reads: a SEND reads three, a RECEIVE one.
using UserRanges = boost::container::small_vector<UserRange, 4>;

// What one access of the caller's memory did.
enum class Access : std::uint8_t
{
    Done,
    Fault,       // a short or faulting copy: the caller's EFAULT
    Unreachable, // the caller cannot be reached in place at all
};

class CallerMemory final
{
  public:
    // `readAhead`: ranges to fetch with the first read where the rule above allows.
    explicit CallerMemory(pid_t thread, UserRanges readAhead = {}) : thread_(thread), readAhead_(std::move(readAhead))
    {
    }

    // Unreachable when the caller cannot be reached at all (then
    // unreachable() is true).
    Access copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len);
    // Done (the store is made by commit()), or Unreachable once unreachable().
    Access copyToUser(std::uint64_t userAddr, const void* src, std::size_t len);
    // Makes the deferred stores, in order, stopping at the first that faults.
    Access commit();

    [[nodiscard]] bool unreachable() const { return unreachable_; }
    // Every range read so far (the next call's read-ahead).
    [[nodiscard]] const UserRanges& reads() const { return reads_; }
    [[nodiscard]] UserRanges takeReads() { return std::move(reads_); }
    // System calls made so far (for tests).
    [[nodiscard]] int transfers() const { return transfers_; }

  private:
    // The bytes of every fetched range and of every deferred store live in
    // one buffer each, inline for any message IPMI allows: an ioctl touches
    // the heap only for the kernel's own structures, not for this bookkeeping.
    using ByteBuffer = boost::container::small_vector<std::uint8_t, 512>;
    struct Fetched
    {
        UserRange range;
        std::size_t offset; // into fetchedBytes_
    };
    struct Store
    {
        std::uint64_t addr;
        std::size_t offset; // into storeBytes_
        std::size_t len;
    };
    Access classify(long copied, std::size_t len, int err);
    Access firstRead(void* dst, std::uint64_t userAddr, std::size_t len);
    bool fromFetched(void* dst, std::uint64_t userAddr, std::size_t len) const;

    pid_t thread_;
    UserRanges readAhead_;
    boost::container::small_vector<Fetched, 4> fetched_;
    ByteBuffer fetchedBytes_;
    boost::container::small_vector<Store, 4> stores_;
    ByteBuffer storeBytes_;
    UserRanges reads_;
    bool unreachable_ = false;
    int transfers_ = 0;
};

} // namespace ipmi::cuse
