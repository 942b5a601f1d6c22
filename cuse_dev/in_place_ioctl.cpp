// /dev/ipmiN's ioctls in the caller's memory: see in_place_ioctl.hpp.
#include "cuse_dev/in_place_ioctl.hpp"

#include <utility>

namespace ipmi::cuse {

namespace {

core::Copy toCopy(Access access)
{
    switch (access) {
    case Access::Done:
        return core::Copy::Done;
    case Access::Fault:
        return core::Copy::Fault;
    case Access::Unreachable:
        break;
    }
    return core::Copy::Unfetched;
}

} // namespace

core::Copy CallerUserMemory::copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len)
{
    return toCopy(memory_.copyFromUser(dst, userAddr, len));
}

core::Copy CallerUserMemory::copyToUser(std::uint64_t userAddr, const void* src, std::size_t len)
{
    return toCopy(memory_.copyToUser(userAddr, src, len));
}

core::Copy CallerUserMemory::commit()
{
    return toCopy(memory_.commit());
}

std::optional<long> ioctlInPlace(core::IpmiFile& file, const IoctlCall& call, pid_t caller, UserRanges& readAhead)
{
    if (caller <= 0) {
        return std::nullopt; // outside our PID namespace
    }
    CallerMemory memory(caller, std::move(readAhead));
    CallerUserMemory userMemory(memory);
    core::IoctlResult result = file.ioctl(call.cmd, call.arg, userMemory, call.compat);
    // Whatever the result, the kernel's copies made before it stay made.
    if (const core::Copy committed = userMemory.commit();
        committed != core::Copy::Done && !result.unfetched() && result.value() >= 0) {
        result = committed;
    }
    readAhead = memory.takeReads();
    if (result.unfetched() || memory.unreachable()) {
        return std::nullopt;
    }
    return result.value();
}

} // namespace ipmi::cuse
