// In-place access to the ioctl caller's memory: see caller_memory.hpp.
#include "cuse/caller_memory.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace ipmi::cuse {

namespace {

bool fitsAddressSpace(std::uint64_t addr, std::size_t len)
{
    return addr <= UINTPTR_MAX && len <= UINTPTR_MAX - addr;
}

void* asPointer(std::uint64_t addr)
{
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr)); // NOLINT(performance-no-int-to-ptr)
}

std::uint64_t pageSize()
{
    static const auto size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

// Whether `r` lies within the pages [addr, addr + len) touches.
bool withinPagesOf(const UserRange& r, std::uint64_t addr, std::size_t len)
{
    const std::uint64_t first = addr & ~(pageSize() - 1);
    const std::uint64_t end = (addr + len + pageSize() - 1) & ~(pageSize() - 1);
    return r.len > 0 && r.addr >= first && r.addr <= end && r.len <= end - r.addr;
}

// A SEND's struct, address and data, or a RECEIVE's stores, in one call.
using IovecList = boost::container::small_vector<iovec, 4>;

} // namespace

Access CallerMemory::classify(long copied, std::size_t len, int err)
{
    if (copied >= 0) {
        // A copy that stops at an unmapped page is a fault, as for copy_*_user.
        return static_cast<std::size_t>(copied) == len ? Access::Done : Access::Fault;
    }
    if (err == EFAULT) {
        return Access::Fault;
    }
    // EPERM (no ptrace access), ESRCH (not visible from here), ENOSYS (no
    // cross-memory attach), ENOMEM: this caller cannot be reached in place.
    unreachable_ = true;
    return Access::Unreachable;
}

bool CallerMemory::fromFetched(void* dst, std::uint64_t userAddr, std::size_t len) const
{
    for (const auto& f : fetched_) {
        if (userAddr >= f.range.addr && len <= f.range.len && userAddr - f.range.addr <= f.range.len - len) {
            std::memcpy(dst, fetchedBytes_.data() + f.offset + (userAddr - f.range.addr), len);
            return true;
        }
    }
    return false;
}

// The struct first, then the read-ahead ranges the page rule allows, in one
// call: the struct's bytes decide the result, a read-ahead range that did
// not arrive whole is simply not used.
Access CallerMemory::firstRead(void* dst, std::uint64_t userAddr, std::size_t len)
{
    UserRanges extra;
    std::size_t extraBytes = 0;
    for (const auto& r : readAhead_) {
        if (withinPagesOf(r, userAddr, len) && !(r.addr == userAddr && r.len <= len)) {
            extra.push_back(r);
            extraBytes += r.len;
        }
    }
    readAhead_.clear();
    fetchedBytes_.resize(extraBytes, boost::container::default_init);
    IovecList local{iovec{dst, len}};
    IovecList remote{iovec{asPointer(userAddr), len}};
    std::size_t offset = 0;
    for (const auto& r : extra) {
        local.push_back(iovec{fetchedBytes_.data() + offset, r.len});
        remote.push_back(iovec{asPointer(r.addr), r.len});
        offset += r.len;
    }
    ++transfers_;
    const long copied = ::process_vm_readv(thread_, local.data(), local.size(), remote.data(), remote.size(), 0);
    const int err = errno;
    if (copied < 0 || static_cast<std::size_t>(copied) < len) {
        return classify(copied, len, err);
    }
    std::size_t remaining = static_cast<std::size_t>(copied) - len;
    offset = 0;
    for (std::size_t i = 0; i < extra.size() && remaining >= extra[i].len; ++i) {
        remaining -= extra[i].len;
        fetched_.push_back(Fetched{extra[i], offset});
        offset += extra[i].len;
    }
    return Access::Done;
}

Access CallerMemory::copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len)
{
    if (len == 0) {
        return Access::Done;
    }
    if (unreachable_) {
        return Access::Unreachable;
    }
    if (!fitsAddressSpace(userAddr, len)) {
        return Access::Fault;
    }
    reads_.push_back(UserRange{userAddr, len});
    if (reads_.size() == 1) {
        return firstRead(dst, userAddr, len);
    }
    if (fromFetched(dst, userAddr, len)) {
        return Access::Done;
    }
    const iovec local{dst, len};
    const iovec remote{asPointer(userAddr), len};
    ++transfers_;
    const long copied = ::process_vm_readv(thread_, &local, 1, &remote, 1, 0);
    return classify(copied, len, errno);
}

Access CallerMemory::copyToUser(std::uint64_t userAddr, const void* src, std::size_t len)
{
    if (len == 0) {
        return Access::Done;
    }
    if (unreachable_) {
        return Access::Unreachable;
    }
    const auto* bytes = static_cast<const std::uint8_t*>(src);
    stores_.push_back(Store{userAddr, storeBytes_.size(), len});
    storeBytes_.insert(storeBytes_.end(), bytes, bytes + len);
    return Access::Done;
}

Access CallerMemory::commit()
{
    if (stores_.empty()) {
        return Access::Done;
    }
    if (unreachable_) {
        return Access::Unreachable;
    }
    IovecList local;
    IovecList remote;
    std::size_t total = 0;
    for (const auto& s : stores_) {
        if (!fitsAddressSpace(s.addr, s.len)) {
            break; // this one faults: the ones before it are still stored
        }
        local.push_back(iovec{storeBytes_.data() + s.offset, s.len});
        remote.push_back(iovec{asPointer(s.addr), s.len});
        total += s.len;
    }
    const bool allFit = local.size() == stores_.size();
    Access rc = Access::Done;
    if (!local.empty()) {
        ++transfers_;
        const long copied = ::process_vm_writev(thread_, local.data(), local.size(), remote.data(), remote.size(), 0);
        rc = classify(copied, total, errno);
    }
    stores_.clear();
    storeBytes_.clear();
    if (rc != Access::Done) {
        return rc;
    }
    return allFit ? Access::Done : Access::Fault;
}

} // namespace ipmi::cuse
