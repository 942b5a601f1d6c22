// SEND_COMMAND(_SETTIME) and RECEIVE_MSG(_TRUNC) of one open /dev/ipmiN, in
// native and 32-bit compat layouts: handle_send_req and handle_recv of
// ipmi_devintf.c, with their order of checks. Which ranges each copies is
// devintf_copies.hpp's (a front end predicts from the same description).
//
// Receive never blocks: EAGAIN when the queue is empty; EINVAL (message kept)
// when the address buffer is too short; the address is written before the
// size check, so a RECEIVE_MSG that fails with EMSGSIZE has already written
// it but leaves the message queued and the struct untouched; TRUNC copies
// what fits, updates the struct, consumes the message and still returns
// EMSGSIZE. The head message is only removed once everything was copied
// out, so any failed copy leaves the queue as it was.
#include "abi/ipmi_compat.hpp"
#include "core/device_file.hpp"

#include <array>
#include <cerrno>
#include <cstdint>

namespace ipmi::core {

using namespace ipmi::abi;

IoctlResult DeviceFile::sendIoctl(std::uint64_t arg, UserMemory& mem, const IoctlShape& shape)
{
    std::array<std::uint8_t, sizeof(ipmi_req_settime)> bytes{};
    if (const Copy rv = mem.copyFromUser(bytes.data(), arg, shape.readSize); rv != Copy::Done) {
        return rv;
    }
    int retries = defaultRetries_;
    unsigned retryTimeMs = defaultRetryTimeMs_;
    const IoctlTransfer req = decodeSend(shape, std::span(bytes.data(), shape.readSize), retries, retryTimeMs);
    return handleSend(req, retries, retryTimeMs, mem);
}

IoctlResult DeviceFile::handleSend(const Transfer& req, int retries, unsigned retryTimeMs, UserMemory& mem)
{
    const SendCopies copies = sendCopies(req);
    if (copies.addressTooLong) {
        return -EINVAL;
    }
    ipmi_addr addr{};
    if (const Copy rv = mem.copyFromUser(&addr, copies.address.addr, copies.address.len); rv != Copy::Done) {
        return rv;
    }
    const auto checked = checkAddress(addr, req.addrLen);
    if (!checked) {
        return -EINVAL;
    }
    if (copies.data && copies.dataTooLong) {
        return -EMSGSIZE;
    }
    // Straight into the frame the interface will send (request_body.hpp).
    RequestBody body(copies.data ? copies.data->len : 0);
    if (copies.data) {
        if (const Copy rv = mem.copyFromUser(body.data().data(), copies.data->addr, copies.data->len);
            rv != Copy::Done) {
            return rv;
        }
    }
    RequestOptions options;
    options.retries = retries;
    options.retryTimeMs = retryTimeMs;
    options.gate = gate_.get();
    return user_->request(*checked, req.msgid, req.netfn, req.cmd, std::move(body), options);
}

template <typename WriteBack>
IoctlResult DeviceFile::handleReceive(Transfer& rsp, bool trunc, UserMemory& mem, WriteBack&& writeBack)
{
    const auto head = peekReceive();
    if (!head) {
        return -EAGAIN;
    }
    const ReceivedMessage& msg = queue_.front();
    const ReceiveCopies copies = receiveCopies(rsp, *head, trunc);
    if (copies.addressTooShort) {
        return -EINVAL;
    }
    if (const Copy rv = mem.copyToUser(copies.address.addr, &msg.addr, copies.address.len); rv != Copy::Done) {
        return rv;
    }
    rsp.addrLen = head->addrLen;
    rsp.recvType = msg.recvType;
    rsp.msgid = msg.msgid;
    rsp.netfn = msg.netfn;
    rsp.cmd = msg.cmd;
    if (copies.dataTooLong) {
        return -EMSGSIZE;
    }
    rsp.dataLen = 0;
    if (copies.data) {
        if (const Copy rv = mem.copyToUser(copies.data->addr, msg.data.data(), copies.data->len); rv != Copy::Done) {
            return rv;
        }
        rsp.dataLen = static_cast<std::uint16_t>(copies.data->len);
    }
    if (const Copy rv = writeBack(rsp); rv != Copy::Done) {
        return rv;
    }
    if (const Copy rv = mem.commit(); rv != Copy::Done) {
        return rv;
    }
    queue_.pop_front(); // releases the message's charge
    return copies.truncated ? -EMSGSIZE : 0;
}

IoctlResult DeviceFile::receiveIoctl(std::uint64_t arg, UserMemory& mem, const IoctlShape& shape)
{
    if (shape.compatLayout) {
        compat_ipmi_recv r32{};
        if (const Copy rv = mem.copyFromUser(&r32, arg, sizeof(r32)); rv != Copy::Done) {
            return rv;
        }
        Transfer t = decodeReceive(shape, std::span(reinterpret_cast<const std::uint8_t*>(&r32), sizeof(r32)));
        return handleReceive(t, shape.truncating, mem, [&mem, arg](const Transfer& out) {
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
    if (const Copy rv = mem.copyFromUser(&raw, arg, sizeof(raw)); rv != Copy::Done) {
        return rv;
    }
    Transfer t = decodeReceive(shape, std::span(reinterpret_cast<const std::uint8_t*>(&raw), sizeof(raw)));
    return handleReceive(t, shape.truncating, mem, [&mem, &raw, arg](const Transfer& out) {
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
