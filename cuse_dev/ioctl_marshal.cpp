// The FUSE unrestricted-ioctl retry protocol for IPMICTL_*: see
// ioctl_marshal.hpp for the protocol and the rules the plans follow.
#include "cuse_dev/ioctl_marshal.hpp"

#include "core/devintf_copies.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ipmi::cuse {

namespace {

bool contains(const UserRange& outer, std::uint64_t addr, std::size_t len)
{
    return addr >= outer.addr && len <= outer.len && addr - outer.addr <= outer.len - len;
}

std::size_t totalLength(const std::vector<UserRange>& ranges)
{
    std::size_t total = 0;
    for (const auto& r : ranges) {
        total += r.len;
    }
    return total;
}

// Position in the out-ranges up to which writes have been laid down. A write
// is accepted only at this position, so that the bytes handed to the kernel
// are exactly what its in-order copy-out must store.
class OutCursor
{
  public:
    explicit OutCursor(const std::vector<UserRange>& out) : out_(out) {}

    bool accept(std::uint64_t addr, std::size_t len)
    {
        if (len == 0) {
            return true;
        }
        while (index_ < out_.size() && offset_ == out_[index_].len) {
            ++index_;
            offset_ = 0;
        }
        if (index_ == out_.size()) {
            return false;
        }
        const UserRange& r = out_[index_];
        if (addr < r.addr || addr - r.addr != offset_ || len > r.len - offset_) {
            return false;
        }
        offset_ += len;
        return true;
    }

  private:
    const std::vector<UserRange>& out_;
    std::size_t index_ = 0;
    std::size_t offset_ = 0;
};

bool acceptsInOrder(const std::vector<UserRange>& out, const std::vector<UserRange>& writes)
{
    OutCursor cursor(out);
    return std::all_of(writes.begin(), writes.end(),
                       [&cursor](const UserRange& w) { return cursor.accept(w.addr, w.len); });
}

// The caller's memory as far as this round of the protocol has it.
class RetryMemory : public core::UserMemory
{
  public:
    RetryMemory(const RetryPlan& plan, std::span<const std::uint8_t> in) : plan_(plan), in_(in), cursor_(plan.out) {}

    core::Copy copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len) override
    {
        if (len == 0) {
            return core::Copy::Done;
        }
        if (const auto* bytes = find(userAddr, len)) {
            std::memcpy(dst, bytes, len);
            return core::Copy::Done;
        }
        missing_ = Missing{false, {userAddr, len}};
        return core::Copy::Unfetched;
    }

    core::Copy copyToUser(std::uint64_t userAddr, const void* src, std::size_t len) override
    {
        if (len == 0) {
            return core::Copy::Done;
        }
        if (!cursor_.accept(userAddr, len)) {
            missing_ = Missing{true, {userAddr, len}};
            return core::Copy::Unfetched;
        }
        const auto* p = static_cast<const std::uint8_t*>(src);
        out_.insert(out_.end(), p, p + len);
        if (!writes_.empty() && writes_.back().addr + writes_.back().len == userAddr) {
            writes_.back().len += len;
        } else {
            writes_.push_back({userAddr, len});
        }
        return core::Copy::Done;
    }

    // The fetched bytes of [addr, addr+len), or nullptr if not fetched.
    [[nodiscard]] const std::uint8_t* find(std::uint64_t addr, std::size_t len) const
    {
        std::size_t offset = 0;
        for (const auto& r : plan_.in) {
            if (contains(r, addr, len)) {
                return in_.data() + offset + (addr - r.addr);
            }
            offset += r.len;
        }
        return nullptr;
    }

    struct Missing
    {
        bool write = false;
        UserRange range;
    };
    [[nodiscard]] const std::optional<Missing>& missing() const { return missing_; }
    [[nodiscard]] const std::vector<UserRange>& writes() const { return writes_; }
    [[nodiscard]] std::vector<std::uint8_t> takeOut() { return std::move(out_); }

  private:
    const RetryPlan& plan_;
    std::span<const std::uint8_t> in_;
    OutCursor cursor_;
    std::vector<std::uint8_t> out_;
    std::vector<UserRange> writes_;
    std::optional<Missing> missing_;
};

void addRange(std::vector<UserRange>& ranges, UserRange r)
{
    if (r.len != 0 && std::find(ranges.begin(), ranges.end(), r) == ranges.end()) {
        ranges.push_back(r);
    }
}

// Everything the decoded struct says this ioctl will touch, for the current
// state of the file (its receive queue head): core's own description of the
// copies (core/devintf_copies.hpp).
RetryPlan predict(const core::IoctlShape& shape, std::uint64_t arg, const std::uint8_t* st, const core::IpmiFile& file)
{
    const std::span<const std::uint8_t> bytes =
        st == nullptr ? std::span<const std::uint8_t>{} : std::span<const std::uint8_t>(st, shape.readSize);
    const core::CopyPlan copies = core::predictCopies(shape, arg, bytes, file.peekReceive());
    RetryPlan p;
    for (const auto& r : copies.reads) {
        addRange(p.in, {r.addr, r.len});
    }
    for (const auto& w : copies.writes) {
        addRange(p.out, {w.addr, w.len});
    }
    return p;
}

IoctlReply fail(int err)
{
    return IoctlReply{-static_cast<long>(err), {}};
}

// A 32-bit caller has no memory beyond 4 GiB, and the kernel refuses (EIO)
// a retry that names any for it, where its own copy would fault. A native
// layout under FUSE_IOCTL_COMPAT (a 32-bit caller using the 64-bit ioctl
// number) carries such pointers.
bool compatReachable(const UserRange& r)
{
    return r.addr <= 0xFFFFFFFFU && r.len <= 0xFFFFFFFFU;
}

void dropUnreachable(std::vector<UserRange>& ranges)
{
    std::erase_if(ranges, [](const UserRange& r) { return !compatReachable(r); });
}

} // namespace

IoctlOutcome marshalIoctl(core::IpmiFile& file, const IoctlCall& call, const RetryPlan* previous)
{
    const auto shape = core::ipmiIoctlShape(call.cmd, call.compat);
    if (!shape) {
        return fail(ENOTTY);
    }

    // The bytes are only meaningful together with the plan that asked for
    // them; anything else (a first call, a lost plan) starts from nothing.
    static const RetryPlan kEmpty;
    const RetryPlan& plan = (previous != nullptr && totalLength(previous->in) == call.in.size() &&
                             totalLength(previous->out) == call.outSize)
                                ? *previous
                                : kEmpty;
    const std::span<const std::uint8_t> in = (&plan == &kEmpty) ? std::span<const std::uint8_t>{} : call.in;

    RetryMemory mem(plan, in);
    const core::IoctlResult result = file.ioctl(call.cmd, call.arg, mem, call.compat);
    if (!result.unfetched()) {
        return IoctlReply{result.value(), mem.takeOut()};
    }
    const auto& missing = mem.missing();
    if (!missing) {
        return fail(EIO); // the file asked for memory without touching any
    }

    if (call.compat && !compatReachable(missing->range)) {
        return fail(EFAULT); // where the kernel's copy faults, in its order
    }
    RetryPlan predicted = predict(*shape, call.arg, mem.find(call.arg, shape->readSize), file);
    if (call.compat) {
        // Left out, they fault when the file comes to them (just above).
        dropUnreachable(predicted.in);
        dropUnreachable(predicted.out);
    }

    RetryPlan next;
    next.in = plan.in;
    for (const auto& r : predicted.in) {
        addRange(next.in, r);
    }
    std::vector<UserRange> seen = mem.writes();
    if (missing->write) {
        seen.push_back(missing->range);
    } else {
        addRange(next.in, missing->range);
    }
    if (acceptsInOrder(predicted.out, seen)) {
        next.out = predicted.out;
    } else if (acceptsInOrder(plan.out, seen)) {
        next.out = plan.out;
    } else {
        next.out = seen;
    }
    // Probe every range that will be written: a fault then happens in the
    // kernel before the ioctl runs, so nothing is consumed (the kernel puts
    // a message back on EFAULT).
    for (const auto& w : next.out) {
        const bool fetched = std::any_of(next.in.begin(), next.in.end(),
                                         [&w](const UserRange& r) { return contains(r, w.addr, w.len); });
        if (!fetched) {
            addRange(next.in, w);
        }
    }
    if (next == plan || next.in.size() + next.out.size() > kMaxIoctlIovecs) {
        return fail(EIO); // no progress possible: never loop with the kernel
    }
    return IoctlRetry{std::move(next)};
}

} // namespace ipmi::cuse
