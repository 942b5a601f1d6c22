// The marshalling tests' IpmiFile: ipmi_devintf.c's copy order and errno on
// a toy state (see fake_ipmi_file.hpp).
#include "tests/unit/cuse_dev/fake_ipmi_file.hpp"

#include "abi/ipmi.hpp"
#include "abi/ipmi_compat.hpp"

#include <cerrno>
#include <cstring>

namespace ipmi::cuse::testing {

namespace {

struct Req
{
    std::uint64_t addr = 0;
    std::uint32_t addrLen = 0;
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::uint16_t dataLen = 0;
    std::uint64_t data = 0;
};

} // namespace

void FakeIpmiFile::deliver(FakeMessage m)
{
    const bool wasEmpty = queue.empty();
    queue.push_back(std::move(m));
    if (wasEmpty && wakeup) {
        wakeup();
    }
}

std::optional<core::ReceivePeek> FakeIpmiFile::peekReceive() const
{
    if (queue.empty()) {
        return std::nullopt;
    }
    return core::ReceivePeek{static_cast<unsigned>(queue.front().addr.size()),
                             static_cast<unsigned>(queue.front().data.size())};
}

core::IoctlResult FakeIpmiFile::ioctl(std::uint32_t cmd, std::uint64_t arg, core::UserMemory& mem, bool compat32)
{
    using namespace abi;
    ++runs;
    if (compat32) {
        switch (cmd) {
        case COMPAT_IPMICTL_SEND_COMMAND:
            return send(arg, mem, true, false);
        case COMPAT_IPMICTL_SEND_COMMAND_SETTIME:
            return send(arg, mem, true, true);
        case COMPAT_IPMICTL_RECEIVE_MSG:
            return receive(arg, mem, true, false);
        case COMPAT_IPMICTL_RECEIVE_MSG_TRUNC:
            return receive(arg, mem, true, true);
        default:
            break;
        }
    }
    int v = 0;
    unsigned u = 0;
    core::Copy rc = core::Copy::Done;
    switch (cmd) {
    case IPMICTL_SEND_COMMAND:
        return send(arg, mem, false, false);
    case IPMICTL_SEND_COMMAND_SETTIME:
        return send(arg, mem, false, true);
    case IPMICTL_RECEIVE_MSG:
        return receive(arg, mem, false, false);
    case IPMICTL_RECEIVE_MSG_TRUNC:
        return receive(arg, mem, false, true);
    case IPMICTL_SET_GETS_EVENTS_CMD:
        if ((rc = mem.copyFromUser(&v, arg, sizeof v)) != core::Copy::Done) {
            return rc;
        }
        getsEvents = v;
        return 0;
    case IPMICTL_SET_MY_ADDRESS_CMD:
        if ((rc = mem.copyFromUser(&u, arg, sizeof u)) != core::Copy::Done) {
            return rc;
        }
        myAddress = u & 0xFFU;
        return 0;
    case IPMICTL_GET_MY_ADDRESS_CMD:
        return mem.copyToUser(arg, &myAddress, sizeof myAddress);
    case IPMICTL_SET_MY_LUN_CMD:
        if ((rc = mem.copyFromUser(&u, arg, sizeof u)) != core::Copy::Done) {
            return rc;
        }
        myLun = u & 3U;
        return 0;
    case IPMICTL_GET_MY_LUN_CMD:
        return mem.copyToUser(arg, &myLun, sizeof myLun);
    case IPMICTL_SET_TIMING_PARMS_CMD: {
        ipmi_timing_parms t{};
        if ((rc = mem.copyFromUser(&t, arg, sizeof t)) != core::Copy::Done) {
            return rc;
        }
        retries = t.retries;
        retryTimeMs = t.retry_time_ms;
        return 0;
    }
    case IPMICTL_GET_TIMING_PARMS_CMD: {
        const ipmi_timing_parms t{retries, retryTimeMs};
        return mem.copyToUser(arg, &t, sizeof t);
    }
    case IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD:
        return channelValue(arg, mem, true, false);
    case IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD:
        return channelValue(arg, mem, false, false);
    case IPMICTL_SET_MY_CHANNEL_LUN_CMD:
        return channelValue(arg, mem, true, true);
    case IPMICTL_GET_MY_CHANNEL_LUN_CMD:
        return channelValue(arg, mem, false, true);
    case IPMICTL_REGISTER_FOR_CMD:
    case IPMICTL_UNREGISTER_FOR_CMD: {
        ipmi_cmdspec spec{};
        if ((rc = mem.copyFromUser(&spec, arg, sizeof spec)) != core::Copy::Done) {
            return rc;
        }
        return cmd == IPMICTL_REGISTER_FOR_CMD ? registerCmd(spec.netfn, spec.cmd, ~0U)
                                               : unregisterCmd(spec.netfn, spec.cmd, ~0U);
    }
    case IPMICTL_REGISTER_FOR_CMD_CHANS:
    case IPMICTL_UNREGISTER_FOR_CMD_CHANS: {
        ipmi_cmdspec_chans spec{};
        if ((rc = mem.copyFromUser(&spec, arg, sizeof spec)) != core::Copy::Done) {
            return rc;
        }
        return cmd == IPMICTL_REGISTER_FOR_CMD_CHANS
                   ? registerCmd(spec.netfn & 0xFFU, spec.cmd & 0xFFU, spec.chans)
                   : unregisterCmd(spec.netfn & 0xFFU, spec.cmd & 0xFFU, spec.chans);
    }
    case IPMICTL_GET_MAINTENANCE_MODE_CMD:
        return mem.copyToUser(arg, &maintenanceMode, sizeof maintenanceMode);
    case IPMICTL_SET_MAINTENANCE_MODE_CMD:
        if ((rc = mem.copyFromUser(&v, arg, sizeof v)) != core::Copy::Done) {
            return rc;
        }
        if (v < 0 || v > 2) {
            return -EINVAL;
        }
        maintenanceMode = v;
        return 0;
    default:
        return -ENOTTY;
    }
}

core::IoctlResult FakeIpmiFile::send(std::uint64_t arg, core::UserMemory& mem, bool compatLayout, bool settime)
{
    using namespace abi;
    Req r;
    std::optional<std::pair<int, unsigned>> timing;
    core::Copy rc = core::Copy::Done;
    if (compatLayout) {
        compat_ipmi_req_settime s{};
        const std::size_t size = settime ? sizeof(compat_ipmi_req_settime) : sizeof(compat_ipmi_req);
        if ((rc = mem.copyFromUser(&s, arg, size)) != core::Copy::Done) {
            return rc;
        }
        r = Req{s.req.addr, s.req.addr_len, s.req.msgid, s.req.msg.netfn, s.req.msg.cmd, s.req.msg.data_len,
                s.req.msg.data};
        if (settime) {
            timing = std::pair{s.retries, s.retry_time_ms};
        }
    } else {
        ipmi_req_settime s{};
        const std::size_t size = settime ? sizeof(ipmi_req_settime) : sizeof(ipmi_req);
        if ((rc = mem.copyFromUser(&s, arg, size)) != core::Copy::Done) {
            return rc;
        }
        r = Req{reinterpret_cast<std::uintptr_t>(s.req.addr), s.req.addr_len, s.req.msgid, s.req.msg.netfn,
                s.req.msg.cmd, s.req.msg.data_len, reinterpret_cast<std::uintptr_t>(s.req.msg.data)};
        if (settime) {
            timing = std::pair{s.retries, s.retry_time_ms};
        }
    }
    if (r.addrLen > sizeof(ipmi_addr)) {
        return -EINVAL;
    }
    std::vector<std::uint8_t> addr(r.addrLen);
    if ((rc = mem.copyFromUser(addr.data(), r.addr, addr.size())) != core::Copy::Done) {
        return rc;
    }
    // A toy ipmi_validate_addr: system interface on channel 15 or IPMB below it.
    if (r.addrLen < sizeof(ipmi_system_interface_addr)) {
        return -EINVAL;
    }
    ipmi_addr a{};
    std::memcpy(&a, addr.data(), addr.size());
    const bool si = a.addr_type == IPMI_SYSTEM_INTERFACE_ADDR_TYPE && a.channel == IPMI_BMC_CHANNEL;
    const bool ipmb = a.addr_type == IPMI_IPMB_ADDR_TYPE && a.channel >= 0 && a.channel < IPMI_BMC_CHANNEL;
    if (!si && !ipmb) {
        return -EINVAL;
    }
    std::vector<std::uint8_t> data;
    if (r.data != 0) {
        if (r.dataLen > IPMI_MAX_MSG_LENGTH) {
            return -EMSGSIZE;
        }
        data.resize(r.dataLen);
        if ((rc = mem.copyFromUser(data.data(), r.data, data.size())) != core::Copy::Done) {
            return rc;
        }
    }
    if (sent.size() >= maxSent) {
        return -EBUSY;
    }
    sent.push_back(SentRequest{std::move(addr), r.msgid, r.netfn, r.cmd, std::move(data), timing});
    return 0;
}

core::IoctlResult FakeIpmiFile::receive(std::uint64_t arg, core::UserMemory& mem, bool compatLayout, bool trunc)
{
    using namespace abi;
    ipmi_recv native{};
    compat_ipmi_recv compat{};
    std::uint64_t addrPtr = 0;
    std::uint64_t dataPtr = 0;
    std::uint32_t addrLen = 0;
    std::uint16_t dataLen = 0;
    core::Copy rc = core::Copy::Done;
    if (compatLayout) {
        if ((rc = mem.copyFromUser(&compat, arg, sizeof compat)) != core::Copy::Done) {
            return rc;
        }
        addrPtr = compat.addr;
        dataPtr = compat.msg.data;
        addrLen = compat.addr_len;
        dataLen = compat.msg.data_len;
    } else {
        if ((rc = mem.copyFromUser(&native, arg, sizeof native)) != core::Copy::Done) {
            return rc;
        }
        addrPtr = reinterpret_cast<std::uintptr_t>(native.addr);
        dataPtr = reinterpret_cast<std::uintptr_t>(native.msg.data);
        addrLen = native.addr_len;
        dataLen = native.msg.data_len;
    }
    if (queue.empty()) {
        return -EAGAIN;
    }
    const FakeMessage& m = queue.front();
    if (addrLen < m.addr.size()) {
        return -EINVAL;
    }
    if ((rc = mem.copyToUser(addrPtr, m.addr.data(), m.addr.size())) != core::Copy::Done) {
        return rc;
    }
    long result = 0;
    std::size_t copied = m.data.size();
    if (m.data.size() > dataLen) {
        if (!trunc) {
            return -EMSGSIZE; // the address is already written; the message stays
        }
        copied = dataLen;
        result = -EMSGSIZE;
    }
    if ((rc = mem.copyToUser(dataPtr, m.data.data(), copied)) != core::Copy::Done) {
        return rc;
    }
    if (compatLayout) {
        compat_ipmi_recv out{};
        out.recv_type = m.recvType;
        out.addr = static_cast<compat_uptr_t>(addrPtr);
        out.addr_len = static_cast<std::uint32_t>(m.addr.size());
        out.msgid = static_cast<std::int32_t>(m.msgid);
        out.msg = compat_ipmi_msg{m.netfn, m.cmd, static_cast<std::uint16_t>(copied),
                                  static_cast<compat_uptr_t>(dataPtr)};
        rc = mem.copyToUser(arg, &out, sizeof out);
    } else {
        native.recv_type = m.recvType;
        native.addr_len = static_cast<unsigned>(m.addr.size());
        native.msgid = m.msgid;
        native.msg.netfn = m.netfn;
        native.msg.cmd = m.cmd;
        native.msg.data_len = static_cast<unsigned short>(copied);
        rc = mem.copyToUser(arg, &native, sizeof native);
    }
    if (rc != core::Copy::Done) {
        return rc;
    }
    if (const core::Copy committed = mem.commit(); committed != core::Copy::Done) {
        return committed;
    }
    queue.pop_front();
    return result;
}

core::IoctlResult FakeIpmiFile::channelValue(std::uint64_t arg, core::UserMemory& mem, bool set, bool lun)
{
    abi::ipmi_channel_lun_address_set v{};
    if (const core::Copy rc = mem.copyFromUser(&v, arg, sizeof v); rc != core::Copy::Done) {
        return rc;
    }
    if (v.channel >= abi::IPMI_NUM_CHANNELS) {
        return -EINVAL;
    }
    auto& table = lun ? channelLun : channelAddress;
    if (set) {
        table.at(v.channel) = lun ? (v.value & 3U) : v.value;
        return 0;
    }
    v.value = table.at(v.channel);
    return mem.copyToUser(arg, &v, sizeof v);
}

core::IoctlResult FakeIpmiFile::registerCmd(unsigned netfn, unsigned cmd, unsigned chans)
{
    for (const auto& r : registrations) {
        if (r.netfn == netfn && r.cmd == cmd && (r.chans & chans) != 0) {
            return -EBUSY;
        }
    }
    registrations.push_back({netfn, cmd, chans});
    return 0;
}

core::IoctlResult FakeIpmiFile::unregisterCmd(unsigned netfn, unsigned cmd, unsigned chans)
{
    bool found = false;
    for (auto it = registrations.begin(); it != registrations.end();) {
        if (it->netfn == netfn && it->cmd == cmd && (it->chans & chans & 0xFFFFU) != 0) {
            found = true;
            it->chans &= ~chans;
            if (it->chans == 0) {
                it = registrations.erase(it);
                continue;
            }
        }
        ++it;
    }
    return found ? 0 : -ENOENT;
}

} // namespace ipmi::cuse::testing
