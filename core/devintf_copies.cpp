// The copy order of ipmi_devintf's ioctls: see devintf_copies.hpp.
#include "core/devintf_copies.hpp"

#include "abi/ipmi.hpp"
#include "abi/ipmi_compat.hpp"

#include <cstring>

namespace ipmi::core {

using namespace ipmi::abi;

namespace {

// The native structs carry the caller's pointers, the compat ones 32-bit
// addresses.
std::uint64_t userAddress(const void* p)
{
    return reinterpret_cast<std::uintptr_t>(p);
}
std::uint64_t userAddress(compat_uptr_t a)
{
    return a;
}

template <typename T>
T load(std::span<const std::uint8_t> bytes)
{
    T value{};
    std::memcpy(&value, bytes.data(), sizeof value);
    return value;
}

// An ipmi_req or ipmi_recv, native or compat, as the fields core uses.
template <typename Struct>
IoctlTransfer transferOf(const Struct& r)
{
    IoctlTransfer t;
    if constexpr (requires { r.recv_type; }) {
        t.recvType = r.recv_type;
    }
    t.addr = userAddress(r.addr);
    t.addrLen = r.addr_len;
    t.msgid = r.msgid; // compat: sign-extended, as the kernel's get_compat_ipmi_req
    t.netfn = r.msg.netfn;
    t.cmd = r.msg.cmd;
    t.dataLen = r.msg.data_len;
    t.data = userAddress(r.msg.data);
    return t;
}

void add(std::vector<CopyRange>& ranges, const CopyRange& r)
{
    ranges.push_back(r);
}

} // namespace

std::optional<IoctlShape> ipmiIoctlShape(std::uint32_t cmd, bool compat)
{
    constexpr auto plain = [](std::size_t in, std::size_t out) {
        return IoctlShape{IoctlKind::Plain, false, false, in, out, false};
    };
    if (compat) {
        switch (cmd) {
        case COMPAT_IPMICTL_SEND_COMMAND:
            return IoctlShape{IoctlKind::Send, true, false, sizeof(compat_ipmi_req), 0, false};
        case COMPAT_IPMICTL_SEND_COMMAND_SETTIME:
            return IoctlShape{IoctlKind::Send, true, false, sizeof(compat_ipmi_req_settime), 0, true};
        case COMPAT_IPMICTL_RECEIVE_MSG:
            return IoctlShape{IoctlKind::Receive,       true, false, sizeof(compat_ipmi_recv),
                              sizeof(compat_ipmi_recv), false};
        case COMPAT_IPMICTL_RECEIVE_MSG_TRUNC:
            return IoctlShape{IoctlKind::Receive,       true, true, sizeof(compat_ipmi_recv),
                              sizeof(compat_ipmi_recv), false};
        default:
            break; // every other number means the native ioctl
        }
    }
    switch (cmd) {
    case IPMICTL_SEND_COMMAND:
        return IoctlShape{IoctlKind::Send, false, false, sizeof(ipmi_req), 0, false};
    case IPMICTL_SEND_COMMAND_SETTIME:
        return IoctlShape{IoctlKind::Send, false, false, sizeof(ipmi_req_settime), 0, true};
    case IPMICTL_RECEIVE_MSG:
        return IoctlShape{IoctlKind::Receive, false, false, sizeof(ipmi_recv), sizeof(ipmi_recv), false};
    case IPMICTL_RECEIVE_MSG_TRUNC:
        return IoctlShape{IoctlKind::Receive, false, true, sizeof(ipmi_recv), sizeof(ipmi_recv), false};
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

IoctlTransfer decodeSend(const IoctlShape& shape, std::span<const std::uint8_t> bytes, int& retries,
                         unsigned& retryTimeMs)
{
    if (shape.compatLayout) {
        if (shape.settime) {
            const auto sp = load<compat_ipmi_req_settime>(bytes);
            retries = sp.retries;
            retryTimeMs = sp.retry_time_ms;
            return transferOf(sp.req);
        }
        return transferOf(load<compat_ipmi_req>(bytes));
    }
    if (shape.settime) {
        const auto sp = load<ipmi_req_settime>(bytes);
        retries = sp.retries;
        retryTimeMs = sp.retry_time_ms;
        return transferOf(sp.req);
    }
    return transferOf(load<ipmi_req>(bytes));
}

IoctlTransfer decodeReceive(const IoctlShape& shape, std::span<const std::uint8_t> bytes)
{
    if (shape.compatLayout) {
        return transferOf(load<compat_ipmi_recv>(bytes));
    }
    return transferOf(load<ipmi_recv>(bytes));
}

SendCopies sendCopies(const IoctlTransfer& req)
{
    SendCopies c;
    c.addressTooLong = req.addrLen > sizeof(ipmi_addr);
    c.address = CopyRange{req.addr, req.addrLen};
    // A NULL data pointer silently means "no data", whatever data_len says.
    if (req.data != 0) {
        c.dataTooLong = req.dataLen > IPMI_MAX_MSG_LENGTH;
        c.data = CopyRange{req.data, req.dataLen};
    }
    return c;
}

ReceiveCopies receiveCopies(const IoctlTransfer& rsp, const ReceivePeek& head, bool trunc)
{
    ReceiveCopies c;
    c.addressTooShort = rsp.addrLen < head.addrLen;
    c.address = CopyRange{rsp.addr, head.addrLen};
    if (head.dataLen != 0) {
        std::size_t copyLen = head.dataLen;
        if (rsp.dataLen < head.dataLen) {
            c.dataTooLong = !trunc;
            c.truncated = trunc;
            copyLen = rsp.dataLen;
        }
        c.data = CopyRange{rsp.data, copyLen};
    }
    return c;
}

CopyPlan predictCopies(const IoctlShape& shape, std::uint64_t arg, std::span<const std::uint8_t> argBytes,
                       const std::optional<ReceivePeek>& head)
{
    CopyPlan p;
    add(p.reads, {arg, shape.readSize});
    if (shape.kind == IoctlKind::Plain) {
        add(p.writes, {arg, shape.writeSize});
        return p;
    }
    if (argBytes.size() < shape.readSize) {
        return p; // the struct itself comes first
    }
    if (shape.kind == IoctlKind::Send) {
        int retries = 0;
        unsigned retryTimeMs = 0;
        const IoctlTransfer req = decodeSend(shape, argBytes, retries, retryTimeMs);
        const SendCopies c = sendCopies(req);
        if (c.addressTooLong) {
            return p;
        }
        add(p.reads, c.address);
        if (req.addrLen >= sizeof(ipmi_system_interface_addr) && c.data && !c.dataTooLong) {
            add(p.reads, *c.data);
        }
        return p;
    }
    if (!head) {
        return p; // EAGAIN: nothing is written
    }
    const ReceiveCopies c = receiveCopies(decodeReceive(shape, argBytes), *head, shape.truncating);
    if (c.addressTooShort) {
        return p;
    }
    add(p.writes, c.address);
    if (c.dataTooLong) {
        return p; // only the address is written
    }
    if (c.data) {
        add(p.writes, *c.data);
    }
    add(p.writes, {arg, shape.writeSize});
    return p;
}

} // namespace ipmi::core
