// Turning a user's request into what goes to the interface, with the checks
// of ipmi_request_settime / i_ipmi_request in the kernel's order and with its
// errnos: the user must be alive (ENODEV), the channel must exist (EINVAL),
// the user must be under max_msgs_per_user (EBUSY), the interface must not
// be going away (ENODEV); then the per-address-type rules. System-interface
// requests go out as they are; IPMB and LAN requests are wrapped in Send
// Message and take a sequence slot (EAGAIN when all 64 are taken); IPMB and
// LAN responses (odd netfn) are wrapped with the user's msgid as sequence.
//
// A policy-bound file's RequestGate (request_gate.hpp) is asked once a
// request passed every check of its address type, before maintenance mode
// notes it and before it takes a sequence slot; a refusal is answered here.
#include "core/interface_state.hpp"
#include "core/request_gate.hpp"

#include <cerrno>
#include <cstring>

namespace ipmi::core::detail {

namespace {

constexpr std::uint8_t kSendMessageNetfnLun = abi::IPMI_NETFN_APP_REQUEST << 2;

// The kernel copies the caller's address bytes, padding included, into the
// message that later carries the answer: copy raw bytes, not typed fields.
void copyAddress(abi::ipmi_addr& to, const abi::ipmi_addr& from, std::size_t len)
{
    std::memcpy(&to, &from, len);
}

SmiBytes formatIpmb(const abi::ipmi_ipmb_addr& to, bool broadcast, std::uint8_t netfn, std::uint8_t cmd,
                    std::span<const std::uint8_t> data, long seq, const AddrInfo& source)
{
    SmiBytes f;
    f.reserve(data.size() + 12);
    f.push_back(kSendMessageNetfnLun);
    f.push_back(abi::IPMI_SEND_MSG_CMD);
    f.push_back(static_cast<std::uint8_t>(to.channel));
    if (broadcast) {
        f.push_back(0x00);
    }
    const std::size_t base = f.size();
    f.push_back(to.slave_addr);
    f.push_back(static_cast<std::uint8_t>((netfn << 2) | (to.lun & 0x03)));
    f.push_back(ipmbChecksum(&f[base], 2));
    f.push_back(source.address);
    f.push_back(static_cast<std::uint8_t>((static_cast<unsigned long>(seq) << 2) | source.lun));
    f.push_back(cmd);
    f.insert(f.end(), data.begin(), data.end());
    f.push_back(ipmbChecksum(&f[base + 3], f.size() - base - 3));
    return f;
}

SmiBytes formatLan(const abi::ipmi_lan_addr& to, std::uint8_t netfn, std::uint8_t cmd,
                   std::span<const std::uint8_t> data, long seq, std::uint8_t sourceLun)
{
    SmiBytes f;
    f.reserve(data.size() + 12);
    f.push_back(kSendMessageNetfnLun);
    f.push_back(abi::IPMI_SEND_MSG_CMD);
    f.push_back(static_cast<std::uint8_t>(to.channel));
    f.push_back(to.session_handle);
    f.push_back(to.remote_SWID);
    f.push_back(static_cast<std::uint8_t>((netfn << 2) | (to.lun & 0x03)));
    f.push_back(ipmbChecksum(&f[4], 2));
    f.push_back(to.local_SWID);
    f.push_back(static_cast<std::uint8_t>((static_cast<unsigned long>(seq) << 2) | sourceLun));
    f.push_back(cmd);
    f.insert(f.end(), data.begin(), data.end());
    f.push_back(ipmbChecksum(&f[7], f.size() - 7));
    return f;
}

} // namespace

int InterfaceState::request(const std::shared_ptr<UserState>& user, abi::ipmi_addr addr, long msgid, std::uint8_t netfn,
                            std::uint8_t cmd, RequestBody body, const RequestOptions& options)
{
    if (!user || user->intf != this) {
        return -ENODEV;
    }
    if (addr.channel < 0 || addr.channel >= static_cast<short>(kNumChannels)) {
        return -EINVAL;
    }
    Outgoing out;
    out.reply = std::make_unique<PendingReply>();
    out.reply->user = user;
    if (!options.supplied && !allocCharge(*user, out.reply->msg.charge)) {
        return -EBUSY;
    }
    if (phase_ != Phase::Ready) {
        return -ENODEV;
    }
    auto& msg = out.reply->msg;
    msg.msgid = msgid;
    msg.netfn = netfn;
    msg.cmd = cmd;

    int rv = 0;
    switch (addr.addr_type) {
    case abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE:
        rv = requestSystemInterface(out, addr, netfn, cmd, body, options.gate);
        break;
    case abi::IPMI_IPMB_ADDR_TYPE:
    case abi::IPMI_IPMB_BROADCAST_ADDR_TYPE:
        rv = requestIpmb(out, addr, msgid, netfn, cmd, body.data(), options);
        break;
    case abi::IPMI_IPMB_DIRECT_ADDR_TYPE:
        // Only the kernel's ipmi_ipmb driver can carry IPMB-direct messages;
        // no interface of ours does (the seam has no direct message type),
        // so this is the kernel's answer for every other interface.
        rv = -EAFNOSUPPORT;
        break;
    case abi::IPMI_LAN_ADDR_TYPE:
        rv = requestLan(out, addr, msgid, netfn, cmd, body.data(), options);
        break;
    default:
        inc(Stat::SentInvalidCommands);
        rv = -EINVAL;
        break;
    }
    if (rv != 0) {
        return rv;
    }
    if (out.owner == Owner::Local) {
        // Delivered as a BMC's answer would be; the user is alive (checked above).
        user->handler->onMessage(std::move(out.reply->msg));
        return 0;
    }
    smiSend(std::move(out), options.highPriority);
    return 0;
}

bool InterfaceState::refusedByGate(Outgoing& out, RequestGate* gate, bool broadcast, std::span<const std::uint8_t> data)
{
    if (gate == nullptr) {
        return false;
    }
    auto& msg = out.reply->msg;
    const auto cc = gate->judgeRequest(GatedRequest{msg.addr, broadcast, msg.msgid, msg.netfn, msg.cmd, data});
    if (!cc) {
        return false;
    }
    // A request gets its response; an IPMB/LAN response the user sends gets
    // the type-4 message that carries its Send Message's completion code.
    const bool sentResponse = (msg.netfn & 1) != 0;
    msg.recvType = sentResponse ? abi::IPMI_RESPONSE_RESPONSE_TYPE : abi::IPMI_RESPONSE_RECV_TYPE;
    msg.netfn = static_cast<std::uint8_t>(msg.netfn | 1);
    msg.data.assign(1, *cc);
    out.owner = Owner::Local;
    return true;
}

int InterfaceState::requestSystemInterface(Outgoing& out, const abi::ipmi_addr& addr, std::uint8_t netfn,
                                           std::uint8_t cmd, RequestBody& body, RequestGate* gate)
{
    if ((netfn & 1) != 0) {
        return -EINVAL; // responses are not allowed to the BMC
    }
    const auto si = addressAs<abi::ipmi_system_interface_addr>(addr);
    if (si.lun > 3) {
        inc(Stat::SentInvalidCommands);
        return -EINVAL;
    }
    copyAddress(out.reply->msg.addr, addr, sizeof(abi::ipmi_system_interface_addr));
    if (netfn == abi::IPMI_NETFN_APP_REQUEST &&
        (cmd == abi::IPMI_SEND_MSG_CMD || cmd == abi::IPMI_GET_MSG_CMD || cmd == abi::IPMI_READ_EVENT_MSG_BUFFER_CMD)) {
        // The message handler owns the BMC's queues and sequence numbers.
        inc(Stat::SentInvalidCommands);
        return -EINVAL;
    }
    const bool tooLong = body.size() + 2 > abi::IPMI_MAX_MSG_LENGTH;
    if (gate != nullptr) {
        // A refused command must not start maintenance mode, so the gate is
        // asked first; a request too long to be judged fails before it, and
        // (unlike the kernel, which notes it) without noting it: it reaches
        // the BMC in neither case.
        if (tooLong) {
            inc(Stat::SentInvalidCommands);
            return -EMSGSIZE;
        }
        if (refusedByGate(out, gate, false, body.data())) {
            return 0;
        }
    }
    noteMaintenanceCommand(netfn, cmd);
    if (tooLong) {
        inc(Stat::SentInvalidCommands);
        return -EMSGSIZE;
    }
    out.data = std::move(body).systemInterfaceFrame(static_cast<std::uint8_t>((netfn << 2) | (si.lun & 0x03)), cmd);
    out.owner = Owner::User;
    inc(Stat::SentLocalCommands);
    return 0;
}

int InterfaceState::requestIpmb(Outgoing& out, abi::ipmi_addr& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd,
                                std::span<const std::uint8_t> data, const RequestOptions& options)
{
    int retries = options.retries;
    unsigned retryTimeMs = options.retryTimeMs;
    const auto channel = static_cast<unsigned>(addr.channel);
    if (channels_[channel].medium != abi::IPMI_CHANNEL_MEDIUM_IPMB) {
        inc(Stat::SentInvalidCommands);
        return -EINVAL;
    }
    bool broadcast = false;
    if (addr.addr_type == abi::IPMI_IPMB_BROADCAST_ADDR_TYPE) {
        // Sent with a leading zero, matched and answered as plain IPMB, and
        // never retried.
        addr.addr_type = abi::IPMI_IPMB_ADDR_TYPE;
        broadcast = true;
        retries = 0;
    }
    if (data.size() + 10 + (broadcast ? 1 : 0) > abi::IPMI_MAX_MSG_LENGTH) {
        inc(Stat::SentInvalidCommands);
        return -EMSGSIZE;
    }
    const auto ipmb = addressAs<abi::ipmi_ipmb_addr>(addr);
    if (ipmb.lun > 3) {
        inc(Stat::SentInvalidCommands);
        return -EINVAL;
    }
    copyAddress(out.reply->msg.addr, addr, sizeof(abi::ipmi_ipmb_addr));
    if (refusedByGate(out, options.gate, broadcast, data)) {
        return 0;
    }
    const AddrInfo source = addrInfo_[channel];
    if ((netfn & 1) != 0) {
        inc(Stat::SentIpmbResponses);
        out.data = formatIpmb(ipmb, broadcast, netfn, cmd, data, msgid, source);
        out.owner = Owner::ResponseSend;
        return 0;
    }
    noteIpmbMaintenanceCommand(netfn, cmd);
    if (ipmbMaintenanceTimeoutMs_ > 0 && retryTimeMs == 0) {
        retryTimeMs = params_.defaultMaintenanceRetryMs;
    }
    unsigned seq = 0;
    long seqid = 0;
    const int rv = nextSeq(out.reply, retryTimeMs, retries, broadcast, seq, seqid);
    if (rv != 0) {
        return rv;
    }
    inc(Stat::SentIpmbCommands);
    out.data = formatIpmb(ipmb, broadcast, netfn, cmd, data, seq, source);
    seqTable_[seq].frame = out.data;
    out.owner = Owner::Sequenced;
    out.seq = seq;
    out.seqid = seqid;
    return 0;
}

int InterfaceState::requestLan(Outgoing& out, const abi::ipmi_addr& addr, long msgid, std::uint8_t netfn,
                               std::uint8_t cmd, std::span<const std::uint8_t> data, const RequestOptions& options)
{
    const auto channel = static_cast<unsigned>(addr.channel);
    if (!isLanMedium(channel)) {
        inc(Stat::SentInvalidCommands);
        return -EINVAL;
    }
    if (data.size() + 12 > abi::IPMI_MAX_MSG_LENGTH) {
        inc(Stat::SentInvalidCommands);
        return -EMSGSIZE;
    }
    const auto lan = addressAs<abi::ipmi_lan_addr>(addr);
    if (lan.lun > 3) {
        inc(Stat::SentInvalidCommands);
        return -EINVAL;
    }
    copyAddress(out.reply->msg.addr, addr, sizeof(abi::ipmi_lan_addr));
    if (refusedByGate(out, options.gate, false, data)) {
        return 0;
    }
    const std::uint8_t sourceLun = addrInfo_[channel].lun;
    if ((netfn & 1) != 0) {
        inc(Stat::SentLanResponses);
        out.data = formatLan(lan, netfn, cmd, data, msgid, sourceLun);
        out.owner = Owner::ResponseSend;
        return 0;
    }
    unsigned seq = 0;
    long seqid = 0;
    const int rv = nextSeq(out.reply, options.retryTimeMs, options.retries, false, seq, seqid);
    if (rv != 0) {
        return rv;
    }
    inc(Stat::SentLanCommands);
    out.data = formatLan(lan, netfn, cmd, data, seq, sourceLun);
    seqTable_[seq].frame = out.data;
    out.owner = Owner::Sequenced;
    out.seq = seq;
    out.seqid = seqid;
    return 0;
}

} // namespace ipmi::core::detail
