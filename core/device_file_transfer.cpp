// SEND_COMMAND(_SETTIME) and RECEIVE_MSG(_TRUNC) of one open /dev/ipmiN, in
// native and 32-bit compat layouts: handle_send_req and handle_recv of
// ipmi_devintf.c, with their order of checks.
//
// Receive never blocks: EAGAIN when the queue is empty; EINVAL (message kept)
// when the address buffer is too short; the address is written before the
// size check, so a RECEIVE_MSG that fails with EMSGSIZE has already written
// it but leaves the message queued and the struct untouched; TRUNC copies
// what fits, updates the struct, consumes the message and still returns
// EMSGSIZE. The head message is only removed once everything was copied
// out, so any failed copy leaves the queue as it was.
#include "core/device_file.hpp"

#include "abi/ipmi_compat.hpp"

#include <array>
#include <cerrno>
#include <cstdint>

namespace ipmi::core {

using namespace ipmi::abi;

namespace {

std::uint64_t userPointer(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

DeviceFile::Transfer fromNative(const ipmi_req& r)
{
    DeviceFile::Transfer t;
    t.addr = userPointer(r.addr);
    t.addrLen = r.addr_len;
    t.msgid = r.msgid;
    t.netfn = r.msg.netfn;
    t.cmd = r.msg.cmd;
    t.dataLen = r.msg.data_len;
    t.data = userPointer(r.msg.data);
    return t;
}

DeviceFile::Transfer fromCompat(const compat_ipmi_req& r)
{
    DeviceFile::Transfer t;
    t.addr = r.addr;
    t.addrLen = r.addr_len;
    t.msgid = r.msgid; // sign-extended, as the kernel's get_compat_ipmi_req
    t.netfn = r.msg.netfn;
    t.cmd = r.msg.cmd;
    t.dataLen = r.msg.data_len;
    t.data = r.msg.data;
    return t;
}

} // namespace

long DeviceFile::sendIoctl(std::uint64_t arg, UserMemory& mem, bool compat32, bool settime)
{
    if (compat32) {
        if (settime) {
            compat_ipmi_req_settime sp{};
            if (const int rv = mem.copyFromUser(&sp, arg, sizeof(sp)); rv != 0) {
                return rv;
            }
            return handleSend(fromCompat(sp.req), sp.retries, sp.retry_time_ms, mem);
        }
        compat_ipmi_req r{};
        if (const int rv = mem.copyFromUser(&r, arg, sizeof(r)); rv != 0) {
            return rv;
        }
        return handleSend(fromCompat(r), defaultRetries_, defaultRetryTimeMs_, mem);
    }
    if (settime) {
        ipmi_req_settime sp{};
        if (const int rv = mem.copyFromUser(&sp, arg, sizeof(sp)); rv != 0) {
            return rv;
        }
        return handleSend(fromNative(sp.req), sp.retries, sp.retry_time_ms, mem);
    }
    ipmi_req r{};
    if (const int rv = mem.copyFromUser(&r, arg, sizeof(r)); rv != 0) {
        return rv;
    }
    return handleSend(fromNative(r), defaultRetries_, defaultRetryTimeMs_, mem);
}

long DeviceFile::handleSend(const Transfer& req, int retries, unsigned retryTimeMs, UserMemory& mem)
{
    if (req.addrLen > sizeof(ipmi_addr)) {
        return -EINVAL;
    }
    ipmi_addr addr{};
    if (const int rv = mem.copyFromUser(&addr, req.addr, req.addrLen); rv != 0) {
        return rv;
    }
    const auto checked = checkAddress(addr, req.addrLen);
    if (!checked) {
        return -EINVAL;
    }
    std::array<std::uint8_t, IPMI_MAX_MSG_LENGTH> data{};
    std::size_t dataLen = 0;
    if (req.data != 0) {
        if (req.dataLen > IPMI_MAX_MSG_LENGTH) {
            return -EMSGSIZE;
        }
        if (const int rv = mem.copyFromUser(data.data(), req.data, req.dataLen); rv != 0) {
            return rv;
        }
        dataLen = req.dataLen;
    }
    // A NULL data pointer silently means "no data", whatever data_len says.
    RequestOptions options;
    options.retries = retries;
    options.retryTimeMs = retryTimeMs;
    return user_->request(*checked, req.msgid, req.netfn, req.cmd, std::span(data.data(), dataLen), options);
}

template <typename WriteBack>
long DeviceFile::handleReceive(Transfer& rsp, bool trunc, UserMemory& mem, WriteBack&& writeBack)
{
    if (queue_.empty()) {
        return -EAGAIN;
    }
    const ReceivedMessage& msg = queue_.front();
    const unsigned int addrLen = ipmi_addr_length(msg.addr.addr_type);
    if (rsp.addrLen < addrLen) {
        return -EINVAL;
    }
    if (const int rv = mem.copyToUser(rsp.addr, &msg.addr, addrLen); rv != 0) {
        return rv;
    }
    rsp.addrLen = addrLen;
    rsp.recvType = msg.recvType;
    rsp.msgid = msg.msgid;
    rsp.netfn = msg.netfn;
    rsp.cmd = msg.cmd;
    long truncated = 0;
    if (!msg.data.empty()) {
        std::size_t copyLen = msg.data.size();
        if (rsp.dataLen < msg.data.size()) {
            if (!trunc) {
                return -EMSGSIZE;
            }
            truncated = -EMSGSIZE;
            copyLen = rsp.dataLen;
        }
        if (const int rv = mem.copyToUser(rsp.data, msg.data.data(), copyLen); rv != 0) {
            return rv;
        }
        rsp.dataLen = static_cast<std::uint16_t>(copyLen);
    } else {
        rsp.dataLen = 0;
    }
    if (const int rv = writeBack(rsp); rv != 0) {
        return rv;
    }
    if (const int rv = mem.commit(); rv != 0) {
        return rv;
    }
    queue_.pop_front(); // releases the message's charge
    return truncated;
}

long DeviceFile::receiveIoctl(std::uint64_t arg, UserMemory& mem, bool compat32, bool trunc)
{
    if (compat32) {
        compat_ipmi_recv r32{};
        if (const int rv = mem.copyFromUser(&r32, arg, sizeof(r32)); rv != 0) {
            return rv;
        }
        Transfer t;
        t.recvType = r32.recv_type;
        t.addr = r32.addr;
        t.addrLen = r32.addr_len;
        t.msgid = r32.msgid;
        t.netfn = r32.msg.netfn;
        t.cmd = r32.msg.cmd;
        t.dataLen = r32.msg.data_len;
        t.data = r32.msg.data;
        return handleReceive(t, trunc, mem, [&mem, arg](const Transfer& out) {
            // copyout_recv32: a fresh struct, msgid cut to 32 bits.
            compat_ipmi_recv o{};
            o.recv_type = out.recvType;
            o.addr = static_cast<compat_uptr_t>(out.addr);
            o.addr_len = out.addrLen;
            o.msgid = static_cast<std::int32_t>(out.msgid);
            o.msg.netfn = out.netfn;
            o.msg.cmd = out.cmd;
            o.msg.data_len = out.dataLen;
            o.msg.data = static_cast<compat_uptr_t>(out.data);
            return mem.copyToUser(arg, &o, sizeof(o));
        });
    }
    ipmi_recv raw{};
    if (const int rv = mem.copyFromUser(&raw, arg, sizeof(raw)); rv != 0) {
        return rv;
    }
    Transfer t;
    t.recvType = raw.recv_type;
    t.addr = userPointer(raw.addr);
    t.addrLen = raw.addr_len;
    t.msgid = raw.msgid;
    t.netfn = raw.msg.netfn;
    t.cmd = raw.msg.cmd;
    t.dataLen = raw.msg.data_len;
    t.data = userPointer(raw.msg.data);
    return handleReceive(t, trunc, mem, [&mem, &raw, arg](const Transfer& out) {
        // The struct as the caller passed it, fields updated (padding kept).
        raw.recv_type = out.recvType;
        raw.addr_len = out.addrLen;
        raw.msgid = out.msgid;
        raw.msg.netfn = out.netfn;
        raw.msg.cmd = out.cmd;
        raw.msg.data_len = out.dataLen;
        return mem.copyToUser(arg, &raw, sizeof(raw));
    });
}

} // namespace ipmi::core
