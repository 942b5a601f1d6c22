// Test UserMemory over this process's memory with injectable faults.
#include "core/testing/direct_user_memory.hpp"

#include <cstring>

namespace ipmi::core::testing {

Copy DirectUserMemory::check(std::uint64_t addr, std::size_t len, bool write) const
{
    if (addr == 0) {
        return Copy::Fault;
    }
    for (const auto& fault : faults_) {
        if ((write || !fault.writesOnly) && addr < fault.addr + fault.len && fault.addr < addr + len) {
            return fault.error;
        }
    }
    return Copy::Done;
}

Copy DirectUserMemory::copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len)
{
    if (len == 0) {
        return Copy::Done;
    }
    if (const Copy rv = check(userAddr, len, false); rv != Copy::Done) {
        return rv;
    }
    ++reads_;
    std::memcpy(dst, reinterpret_cast<const void*>(static_cast<std::uintptr_t>(userAddr)), len);
    return Copy::Done;
}

Copy DirectUserMemory::copyToUser(std::uint64_t userAddr, const void* src, std::size_t len)
{
    if (len == 0) {
        return Copy::Done;
    }
    if (const Copy rv = check(userAddr, len, true); rv != Copy::Done) {
        return rv;
    }
    ++writes_;
    std::memcpy(reinterpret_cast<void*>(static_cast<std::uintptr_t>(userAddr)), src, len);
    return Copy::Done;
}

void DirectUserMemory::addFault(std::uint64_t addr, std::size_t len, Copy error, bool writesOnly)
{
    faults_.push_back(Fault{addr, len, error, writesOnly});
}

} // namespace ipmi::core::testing
