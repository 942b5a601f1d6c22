// This test process as a CUSE caller whose memory is reached in place: its
// thread id, whether this host lets it be reached at all, and pages that fault.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace ipmi::cuse::testing {

inline std::uint64_t addressOf(const void* p)
{
    return reinterpret_cast<std::uintptr_t>(p);
}

// Two pages: the first readable and writable, the second PROT_NONE.
class GuardedPages
{
  public:
    GuardedPages()
    {
        page_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        void* p = ::mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        EXPECT_NE(p, MAP_FAILED);
        base_ = static_cast<std::uint8_t*>(p);
        EXPECT_EQ(::mprotect(base_ + page_, page_, PROT_NONE), 0);
    }
    ~GuardedPages() { ::munmap(base_, 2 * page_); }
    GuardedPages(const GuardedPages&) = delete;
    GuardedPages& operator=(const GuardedPages&) = delete;

    std::uint8_t* lastBytes(std::size_t n) { return base_ + page_ - n; }
    std::uint8_t* guard() { return base_ + page_; }

  private:
    std::size_t page_ = 0;
    std::uint8_t* base_ = nullptr;
};

inline pid_t self()
{
    return ::gettid();
}

// process_vm_readv on this very process needs no privilege, but a container's
// seccomp profile may refuse the call outright (Docker's does without
// CAP_SYS_PTRACE). Then these tests cannot run here; the VM scenarios
// sim-sigterm ("ioctls answered in place") and the packaging VM's in-place
// step prove the same path against real callers.
inline bool crossMemoryAvailable()
{
    int probe = 1;
    int copy = 0;
    const iovec local{&copy, sizeof copy};
    const iovec remote{&probe, sizeof probe};
    return ::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(sizeof copy);
}

#define REQUIRE_CROSS_MEMORY()                                                                                         \
    if (!crossMemoryAvailable()) {                                                                                     \
        GTEST_SKIP() << "process_vm_readv is refused here (seccomp?): covered by the VM scenarios instead";            \
    }

} // namespace ipmi::cuse::testing
