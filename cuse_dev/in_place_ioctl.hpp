// /dev/ipmiN's ioctls run against the caller's memory in place
// (cuse/caller_memory.hpp): one FUSE round trip instead of the retry
// protocol's three (ioctl_marshal.hpp) whenever the caller can be reached.
#pragma once

#include "core/ipmi_file.hpp"
#include "cuse/caller_memory.hpp"
#include "cuse/ioctl_request.hpp"

#include <sys/types.h>

#include <optional>

namespace ipmi::cuse {

// core's view of the caller's memory: a fault is the caller's EFAULT, a
// caller that cannot be reached is a range not fetched (the file changes
// nothing, and the device falls back to the retry protocol).
class CallerUserMemory final : public core::UserMemory
{
  public:
    explicit CallerUserMemory(CallerMemory& memory) : memory_(memory) {}

    core::Copy copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len) override;
    core::Copy copyToUser(std::uint64_t userAddr, const void* src, std::size_t len) override;
    core::Copy commit() override;

  private:
    CallerMemory& memory_;
};

// Runs the first FUSE call of an ioctl (no bytes fetched yet) against the
// caller's memory in place. The ioctl's result (0, positive, or -errno; any
// bytes it returns are already stored), or nullopt when the caller cannot be
// reached, in which case nothing has changed and the retry protocol must run.
// `readAhead` is used for the first read and replaced by this call's reads.
[[nodiscard]] std::optional<long> ioctlInPlace(core::IpmiFile& file, const IoctlCall& call, pid_t caller,
                                               UserRanges& readAhead);

} // namespace ipmi::cuse
