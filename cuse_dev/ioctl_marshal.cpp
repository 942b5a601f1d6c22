// The FUSE unrestricted-ioctl retry protocol for IPMICTL_*: see
// ioctl_marshal.hpp for the protocol and the rules the plans follow.
#include "cuse_dev/ioctl_marshal.hpp"

#include "abi/ipmi.hpp"
#include "abi/ipmi_compat.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ipmi::cuse {

namespace {

using core::kNeedUserMemory;

// Where the fields the prediction needs sit in each struct layout.
struct SendLayout
{
    std::size_t addr, addrWidth, addrLen, dataLen, data, dataWidth;
};
struct RecvLayout
{
    std::size_t addr, addrWidth, addrLen, dataLen, data, dataWidth;
};

constexpr SendLayout kSendNative{offsetof(abi::ipmi_req, addr), 8,
                                 offsetof(abi::ipmi_req, addr_len),
                                 offsetof(abi::ipmi_req, msg) + offsetof(abi::ipmi_msg, data_len),
                                 offsetof(abi::ipmi_req, msg) + offsetof(abi::ipmi_msg, data), 8};
constexpr SendLayout kSendCompat{
    offsetof(abi::compat_ipmi_req, addr), 4, offsetof(abi::compat_ipmi_req, addr_len),
    offsetof(abi::compat_ipmi_req, msg) + offsetof(abi::compat_ipmi_msg, data_len),
    offsetof(abi::compat_ipmi_req, msg) + offsetof(abi::compat_ipmi_msg, data), 4};
constexpr RecvLayout kRecvNative{offsetof(abi::ipmi_recv, addr), 8,
                                 offsetof(abi::ipmi_recv, addr_len),
                                 offsetof(abi::ipmi_recv, msg) + offsetof(abi::ipmi_msg, data_len),
                                 offsetof(abi::ipmi_recv, msg) + offsetof(abi::ipmi_msg, data), 8};
constexpr RecvLayout kRecvCompat{
    offsetof(abi::compat_ipmi_recv, addr), 4, offsetof(abi::compat_ipmi_recv, addr_len),
    offsetof(abi::compat_ipmi_recv, msg) + offsetof(abi::compat_ipmi_msg, data_len),
    offsetof(abi::compat_ipmi_recv, msg) + offsetof(abi::compat_ipmi_msg, data), 4};

std::uint64_t loadUnsigned(std::span<const std::uint8_t> bytes, std::size_t offset, std::size_t width)
{
    // Host byte order: the caller runs on this machine.
    if (width == 8) {
        std::uint64_t v = 0;
        std::memcpy(&v, bytes.data() + offset, sizeof v);
        return v;
    }
    if (width == 4) {
        std::uint32_t v = 0;
        std::memcpy(&v, bytes.data() + offset, sizeof v);
        return v;
    }
    std::uint16_t v = 0;
    std::memcpy(&v, bytes.data() + offset, sizeof v);
    return v;
}

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

    int copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len) override
    {
        if (len == 0) {
            return 0;
        }
        if (const auto* bytes = find(userAddr, len)) {
            std::memcpy(dst, bytes, len);
            return 0;
        }
        missing_ = Missing{false, {userAddr, len}};
        return kNeedUserMemory;
    }

    int copyToUser(std::uint64_t userAddr, const void* src, std::size_t len) override
    {
        if (len == 0) {
            return 0;
        }
        if (!cursor_.accept(userAddr, len)) {
            missing_ = Missing{true, {userAddr, len}};
            return kNeedUserMemory;
        }
        const auto* p = static_cast<const std::uint8_t*>(src);
        out_.insert(out_.end(), p, p + len);
        if (!writes_.empty() && writes_.back().addr + writes_.back().len == userAddr) {
            writes_.back().len += len;
        } else {
            writes_.push_back({userAddr, len});
        }
        return 0;
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
// state of the file (its receive queue head).
RetryPlan predict(const IoctlShape& shape, std::uint64_t arg, const std::uint8_t* st,
                  const core::IpmiFile& file)
{
    RetryPlan p;
    addRange(p.in, {arg, shape.readSize});
    if (shape.kind == IoctlKind::Plain) {
        addRange(p.out, {arg, shape.writeSize});
        return p;
    }
    if (st == nullptr) {
        return p; // the struct itself comes first
    }
    const std::span<const std::uint8_t> bytes(st, shape.readSize);
    if (shape.kind == IoctlKind::Send) {
        const SendLayout& l = shape.compatLayout ? kSendCompat : kSendNative;
        const auto addr = loadUnsigned(bytes, l.addr, l.addrWidth);
        const auto addrLen = loadUnsigned(bytes, l.addrLen, 4);
        const auto dataLen = loadUnsigned(bytes, l.dataLen, 2);
        const auto data = loadUnsigned(bytes, l.data, l.dataWidth);
        if (addrLen > sizeof(abi::ipmi_addr)) {
            return p; // EINVAL before anything else is read
        }
        addRange(p.in, {addr, addrLen});
        // The data is read only after the address validated; fetching it in
        // the same round trip assumes it will (see the header).
        if (addrLen >= sizeof(abi::ipmi_system_interface_addr) && data != 0 &&
            dataLen <= abi::IPMI_MAX_MSG_LENGTH) {
            addRange(p.in, {data, dataLen});
        }
        return p;
    }
    const RecvLayout& l = shape.compatLayout ? kRecvCompat : kRecvNative;
    const auto addr = loadUnsigned(bytes, l.addr, l.addrWidth);
    const auto addrLen = loadUnsigned(bytes, l.addrLen, 4);
    const auto userDataLen = loadUnsigned(bytes, l.dataLen, 2);
    const auto data = loadUnsigned(bytes, l.data, l.dataWidth);
    const auto peek = file.peekReceive();
    if (!peek || addrLen < peek->addrLen) {
        return p; // EAGAIN or EINVAL: nothing is written
    }
    addRange(p.out, {addr, peek->addrLen});
    if (peek->dataLen <= userDataLen) {
        addRange(p.out, {data, peek->dataLen});
        addRange(p.out, {arg, shape.writeSize});
    } else if (shape.truncating) {
        addRange(p.out, {data, static_cast<std::size_t>(userDataLen)});
        addRange(p.out, {arg, shape.writeSize});
    }
    // else RECEIVE_MSG's EMSGSIZE: only the address is written.
    return p;
}

IoctlReply fail(int err)
{
    return IoctlReply{-static_cast<long>(err), {}};
}

} // namespace

std::optional<IoctlShape> ipmiIoctlShape(std::uint32_t cmd, bool compat)
{
    using namespace abi;
    constexpr auto plain = [](std::size_t in, std::size_t out) {
        return IoctlShape{IoctlKind::Plain, false, false, in, out};
    };
    if (compat) {
        switch (cmd) {
        case COMPAT_IPMICTL_SEND_COMMAND:
            return IoctlShape{IoctlKind::Send, true, false, sizeof(compat_ipmi_req), 0};
        case COMPAT_IPMICTL_SEND_COMMAND_SETTIME:
            return IoctlShape{IoctlKind::Send, true, false, sizeof(compat_ipmi_req_settime), 0};
        case COMPAT_IPMICTL_RECEIVE_MSG:
            return IoctlShape{IoctlKind::Receive, true, false, sizeof(compat_ipmi_recv),
                              sizeof(compat_ipmi_recv)};
        case COMPAT_IPMICTL_RECEIVE_MSG_TRUNC:
            return IoctlShape{IoctlKind::Receive, true, true, sizeof(compat_ipmi_recv),
                              sizeof(compat_ipmi_recv)};
        default:
            break; // every other number means the native ioctl
        }
    }
    switch (cmd) {
    case IPMICTL_SEND_COMMAND:
        return IoctlShape{IoctlKind::Send, false, false, sizeof(ipmi_req), 0};
    case IPMICTL_SEND_COMMAND_SETTIME:
        return IoctlShape{IoctlKind::Send, false, false, sizeof(ipmi_req_settime), 0};
    case IPMICTL_RECEIVE_MSG:
        return IoctlShape{IoctlKind::Receive, false, false, sizeof(ipmi_recv), sizeof(ipmi_recv)};
    case IPMICTL_RECEIVE_MSG_TRUNC:
        return IoctlShape{IoctlKind::Receive, false, true, sizeof(ipmi_recv), sizeof(ipmi_recv)};
    case IPMICTL_REGISTER_FOR_CMD:
    case IPMICTL_UNREGISTER_FOR_CMD:
        return plain(sizeof(ipmi_cmdspec), 0);
    case IPMICTL_REGISTER_FOR_CMD_CHANS:
    case IPMICTL_UNREGISTER_FOR_CMD_CHANS:
        return plain(sizeof(ipmi_cmdspec_chans), 0);
    case IPMICTL_SET_GETS_EVENTS_CMD:
    case IPMICTL_SET_MY_ADDRESS_CMD:
    case IPMICTL_SET_MY_LUN_CMD:
    case IPMICTL_SET_MAINTENANCE_MODE_CMD:
        return plain(sizeof(int), 0);
    case IPMICTL_GET_MY_ADDRESS_CMD:
    case IPMICTL_GET_MY_LUN_CMD:
    case IPMICTL_GET_MAINTENANCE_MODE_CMD:
        return plain(0, sizeof(int));
    case IPMICTL_SET_TIMING_PARMS_CMD:
        return plain(sizeof(ipmi_timing_parms), 0);
    case IPMICTL_GET_TIMING_PARMS_CMD:
        return plain(0, sizeof(ipmi_timing_parms));
    case IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD:
    case IPMICTL_SET_MY_CHANNEL_LUN_CMD:
        return plain(sizeof(ipmi_channel_lun_address_set), 0);
    case IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD:
    case IPMICTL_GET_MY_CHANNEL_LUN_CMD:
        return plain(sizeof(ipmi_channel_lun_address_set), sizeof(ipmi_channel_lun_address_set));
    default:
        return std::nullopt;
    }
}

IoctlOutcome marshalIoctl(core::IpmiFile& file, const IoctlCall& call, const RetryPlan* previous)
{
    const auto shape = ipmiIoctlShape(call.cmd, call.compat);
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
    const long result = file.ioctl(call.cmd, call.arg, mem, call.compat);
    if (result != kNeedUserMemory) {
        return IoctlReply{result, mem.takeOut()};
    }
    const auto& missing = mem.missing();
    if (!missing) {
        return fail(EIO); // the file asked for memory without touching any
    }

    const RetryPlan predicted = predict(*shape, call.arg, mem.find(call.arg, shape->readSize), file);

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
