// UserMemory over this process's own memory, for unit tests: the "user
// addresses" are plain pointers of the test. Ranges can be made to fail with
// Copy::Fault (a bad pointer) or Copy::Unfetched (a buffer the CUSE front end
// has not fetched yet), to prove that every ioctl aborts cleanly on either.
#pragma once

#include "core/user_memory.hpp"

#include <cstdint>
#include <vector>

namespace ipmi::core::testing {

class DirectUserMemory : public UserMemory
{
  public:
    // A zero-length copy always succeeds (as copy_{from,to}_user of 0 bytes);
    // a non-empty one from/to address 0 faults.
    Copy copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len) override;
    Copy copyToUser(std::uint64_t userAddr, const void* src, std::size_t len) override;

    // Any access overlapping [addr, addr+len) fails with `error` (or only
    // writes to it, for a struct that must be read but not written back).
    void addFault(std::uint64_t addr, std::size_t len, Copy error = Copy::Fault, bool writesOnly = false);
    void addFault(const void* p, std::size_t len, Copy error = Copy::Fault, bool writesOnly = false)
    {
        addFault(address(p), len, error, writesOnly);
    }
    void clearFaults() { faults_.clear(); }

    [[nodiscard]] std::size_t reads() const { return reads_; }
    [[nodiscard]] std::size_t writes() const { return writes_; }

    [[nodiscard]] static std::uint64_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

  private:
    struct Fault
    {
        std::uint64_t addr;
        std::size_t len;
        Copy error;
        bool writesOnly;
    };
    [[nodiscard]] Copy check(std::uint64_t addr, std::size_t len, bool write) const;

    std::vector<Fault> faults_;
    std::size_t reads_ = 0;
    std::size_t writes_ = 0;
};

} // namespace ipmi::core::testing
