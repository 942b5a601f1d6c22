// The kernel's side of an unrestricted CUSE ioctl (fs/fuse/ioctl.c
// fuse_do_ioctl) over a fake address space: first call with no memory; on
// RETRY check the iovec count (and, for a compat caller, that bases and
// lengths fit in 32 bits), copy the in-ranges (EFAULT to the caller if one
// faults) and call again; on the final reply refuse more bytes than the
// out-ranges hold (EIO) and store the bytes into the out-ranges in order
// (EFAULT if one faults). Tests read the caller's memory afterwards.
#pragma once

#include "cuse_dev/ioctl_marshal.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <vector>

namespace ipmi::cuse::testing {

// A caller's memory: mapped regions at chosen addresses; everything else faults.
class FakeUserSpace
{
  public:
    explicit FakeUserSpace(std::uint64_t base) : next_(base) {}

    // A fresh region filled with `fill`, so untouched bytes are recognisable.
    std::uint64_t alloc(std::size_t len, std::uint8_t fill = 0xA5)
    {
        const std::uint64_t addr = next_;
        regions_[addr] = std::vector<std::uint8_t>(len, fill);
        next_ += (len + 0x100) & ~std::uint64_t{0xFF};
        return addr;
    }
    template <typename T>
    std::uint64_t place(const T& value)
    {
        const std::uint64_t addr = alloc(sizeof(T));
        write(addr, &value, sizeof(T));
        return addr;
    }
    // An address nothing is mapped at.
    std::uint64_t unmapped() { return next_ + 0x100000; }

    bool read(std::uint64_t addr, std::size_t len, std::uint8_t* dst) const
    {
        if (len == 0) {
            return true;
        }
        const std::uint8_t* src = locate(addr, len);
        if (src == nullptr) {
            return false;
        }
        std::memcpy(dst, src, len);
        return true;
    }
    bool write(std::uint64_t addr, const void* src, std::size_t len)
    {
        if (len == 0) {
            return true;
        }
        auto* dst = const_cast<std::uint8_t*>(locate(addr, len));
        if (dst == nullptr) {
            return false;
        }
        std::memcpy(dst, src, len);
        return true;
    }
    std::vector<std::uint8_t> bytes(std::uint64_t addr, std::size_t len) const
    {
        std::vector<std::uint8_t> v(len);
        EXPECT_TRUE(read(addr, len, v.data()));
        return v;
    }
    template <typename T>
    T get(std::uint64_t addr) const
    {
        T value{};
        EXPECT_TRUE(read(addr, sizeof(T), reinterpret_cast<std::uint8_t*>(&value)));
        return value;
    }

  private:
    const std::uint8_t* locate(std::uint64_t addr, std::size_t len) const
    {
        auto it = regions_.upper_bound(addr);
        if (it == regions_.begin()) {
            return nullptr;
        }
        --it;
        const auto off = addr - it->first;
        if (off > it->second.size() || len > it->second.size() - off) {
            return nullptr;
        }
        return it->second.data() + off;
    }

    std::map<std::uint64_t, std::vector<std::uint8_t>> regions_;
    std::uint64_t next_;
};

struct KernelResult
{
    long ret = 0;                 // what the caller's ioctl() returns (-errno)
    int roundTrips = 0;           // FUSE_IOCTL requests sent to the server
    std::vector<RetryPlan> plans; // every RETRY the server asked for
};

class FakeCuseKernel
{
  public:
    explicit FakeCuseKernel(FakeUserSpace& user) : user_(user) {}

    // Runs before each round trip after the first (to change the file's
    // state between retries, as another thread of the caller could).
    std::function<void(int round)> betweenRounds;

    KernelResult ioctl(core::IpmiFile& file, std::uint32_t cmd, std::uint64_t arg, bool compat)
    {
        KernelResult r;
        RetryPlan plan;
        bool retried = false;
        for (;;) {
            if (r.roundTrips == 20) {
                ADD_FAILURE() << "the server keeps asking for retries";
                r.ret = -EIO;
                return r;
            }
            std::vector<std::uint8_t> in;
            for (const auto& range : plan.in) {
                const auto at = in.size();
                in.resize(at + range.len);
                if (!user_.read(range.addr, range.len, in.data() + at)) {
                    r.ret = -EFAULT;
                    return r;
                }
            }
            std::size_t outSize = 0;
            for (const auto& range : plan.out) {
                outSize += range.len;
            }
            if (r.roundTrips > 0 && betweenRounds) {
                betweenRounds(r.roundTrips);
            }
            ++r.roundTrips;
            const IoctlCall call{cmd, arg, compat, in, outSize};
            auto outcome = marshalIoctl(file, call, retried ? &plan : nullptr);
            if (auto* retry = std::get_if<IoctlRetry>(&outcome)) {
                plan = retry->plan;
                retried = true;
                r.plans.push_back(plan);
                if (plan.in.size() + plan.out.size() > kMaxIoctlIovecs) {
                    r.ret = -ENOMEM;
                    return r;
                }
                for (const auto* list : {&plan.in, &plan.out}) {
                    for (const auto& range : *list) {
                        if (compat && (range.addr > 0xFFFFFFFFU || range.len > 0xFFFFFFFFU)) {
                            r.ret = -EIO;
                            return r;
                        }
                    }
                }
                continue;
            }
            const auto& reply = std::get<IoctlReply>(outcome);
            if (reply.out.size() > outSize) {
                r.ret = -EIO;
                return r;
            }
            std::size_t done = 0;
            for (const auto& range : plan.out) {
                if (done == reply.out.size()) {
                    break;
                }
                const std::size_t n = std::min(range.len, reply.out.size() - done);
                if (!user_.write(range.addr, reply.out.data() + done, n)) {
                    r.ret = -EFAULT;
                    return r;
                }
                done += n;
            }
            r.ret = reply.result;
            return r;
        }
    }

  private:
    FakeUserSpace& user_;
};

} // namespace ipmi::cuse::testing
