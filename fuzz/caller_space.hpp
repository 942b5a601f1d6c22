// A calling process's memory for the device targets: a few mapped regions
// at fixed addresses (everything else faults), the caller's own writes, and
// the stores made on its behalf by an ioctl, recorded so a target can check
// that each lies inside what that ioctl may write.
#pragma once

#include "cuse/ioctl_request.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

namespace ipmi::fuzz {

class CallerSpace
{
  public:
    void map(std::uint64_t addr, std::size_t len) { regions_[addr] = std::vector<std::uint8_t>(len, 0); }

    bool read(std::uint64_t addr, std::size_t len, std::uint8_t* dst) const
    {
        const std::uint8_t* src = locate(addr, len);
        if (src == nullptr) {
            return false;
        }
        if (len != 0) {
            std::memcpy(dst, src, len);
        }
        return true;
    }
    // The caller's own store (setting up an ioctl's argument).
    bool write(std::uint64_t addr, const std::uint8_t* src, std::size_t len)
    {
        auto* dst = const_cast<std::uint8_t*>(locate(addr, len));
        if (dst == nullptr) {
            return false;
        }
        if (len != 0) {
            std::memcpy(dst, src, len);
        }
        return true;
    }
    // A store the kernel makes for the ioctl (copy_to_user): recorded.
    bool store(std::uint64_t addr, const std::uint8_t* src, std::size_t len)
    {
        if (len != 0) {
            stores_.push_back(cuse::UserRange{addr, len});
        }
        return write(addr, src, len);
    }
    template <typename T>
    bool get(std::uint64_t addr, T& value) const
    {
        return read(addr, sizeof(T), reinterpret_cast<std::uint8_t*>(&value));
    }
    template <typename T>
    bool put(std::uint64_t addr, const T& value)
    {
        return write(addr, reinterpret_cast<const std::uint8_t*>(&value), sizeof(T));
    }

    [[nodiscard]] std::vector<cuse::UserRange> takeStores() { return std::exchange(stores_, {}); }

  private:
    // A zero-length access succeeds anywhere, as copy_{from,to}_user of 0 bytes.
    const std::uint8_t* locate(std::uint64_t addr, std::size_t len) const
    {
        static const std::uint8_t kNothing = 0;
        if (len == 0) {
            return &kNothing;
        }
        auto it = regions_.upper_bound(addr);
        if (it == regions_.begin()) {
            return nullptr;
        }
        --it;
        const std::uint64_t offset = addr - it->first;
        if (offset > it->second.size() || len > it->second.size() - offset) {
            return nullptr;
        }
        return it->second.data() + offset;
    }

    std::map<std::uint64_t, std::vector<std::uint8_t>> regions_;
    std::vector<cuse::UserRange> stores_;
};

// Whether every byte of `range` lies in one of `windows` (which may overlap
// or touch).
[[nodiscard]] inline bool covered(const cuse::UserRange& range, std::vector<cuse::UserRange> windows)
{
    std::sort(windows.begin(), windows.end(), [](const auto& a, const auto& b) { return a.addr < b.addr; });
    std::uint64_t at = range.addr;
    const std::uint64_t end = range.addr + range.len;
    for (const auto& w : windows) {
        if (w.addr > at) {
            break;
        }
        const std::uint64_t wEnd = w.addr + w.len;
        if (wEnd < w.addr) {
            return true; // a window to the end of the address space
        }
        at = std::max(at, wEnd);
        if (at >= end) {
            return true;
        }
    }
    return at >= end;
}

} // namespace ipmi::fuzz
