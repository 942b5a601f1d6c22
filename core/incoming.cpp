// What arrives through the BMC's receive queue (Get Message replies the
// interface fetched because the BMC flagged "message available"): IPMB and
// LAN responses to our sequenced requests, and commands from other
// controllers for registered users. Layout of a Get Message reply:
//   [0] netfn/lun  [1] 0x33  [2] cc  [3] channel | privilege << 4
//   IPMB: [4] netfn<<2|rsLUN [5] chk [6] peer SA [7] seq<<2|LUN [8] cmd [9..] data, chk
//   LAN:  [4] session [5] local SWID [6] netfn<<2|LUN [7] chk [8] remote SWID
//         [9] seq<<2|LUN [10] cmd [11..] data, chk
// Nothing is accepted until the channel scan has finished (the medium of
// each channel decides how a message is read).
#include "core/interface_state.hpp"

#include <spdlog/spdlog.h>

namespace ipmi::core::detail {

InterfaceState::Handled InterfaceState::handleGetMessage(const SmiBytes& rsp)
{
    if (rsp.size() < 4 || !channelsReady_) {
        return Handled::Done;
    }
    const unsigned channel = rsp[3] & 0x0F;
    const auto medium = channels_[channel].medium;
    if (medium == abi::IPMI_CHANNEL_MEDIUM_IPMB) {
        if (rsp.size() >= 5 && (rsp[4] & 0x04) != 0) {
            handleIpmbResponse(rsp);
            return Handled::Done;
        }
        return handleIpmbCommand(rsp);
    }
    if (medium == abi::IPMI_CHANNEL_MEDIUM_8023LAN || medium == abi::IPMI_CHANNEL_MEDIUM_ASYNC) {
        if (rsp.size() >= 7 && (rsp[6] & 0x04) != 0) {
            handleLanResponse(rsp);
            return Handled::Done;
        }
        return handleLanCommand(rsp);
    }
    if (medium >= abi::IPMI_CHANNEL_MEDIUM_OEM_MIN && medium <= abi::IPMI_CHANNEL_MEDIUM_OEM_MAX) {
        return handleOemCommand(rsp);
    }
    return Handled::Done; // a medium we do not handle
}

void InterfaceState::handleIpmbResponse(const SmiBytes& rsp)
{
    if (rsp.size() < 11) {
        inc(Stat::InvalidIpmbResponses);
        return;
    }
    if (rsp[2] != 0) {
        return;
    }
    abi::ipmi_ipmb_addr from{};
    from.addr_type = abi::IPMI_IPMB_ADDR_TYPE;
    from.channel = static_cast<short>(rsp[3] & 0x0F);
    from.slave_addr = rsp[6];
    from.lun = rsp[7] & 0x03;
    abi::ipmi_addr addr{};
    storeAddress(addr, from);
    auto reply = findSeq(rsp[7] >> 2, rsp[3] & 0x0Fu, rsp[8], static_cast<std::uint8_t>((rsp[4] >> 2) & ~1U), addr);
    if (!reply) {
        inc(Stat::UnhandledIpmbResponses); // late (timed out) or unknown
        return;
    }
    auto& msg = reply->msg;
    msg.recvType = abi::IPMI_RESPONSE_RECV_TYPE;
    msg.netfn = static_cast<std::uint8_t>(rsp[4] >> 2);
    msg.data.assign(rsp.begin() + 9, rsp.end() - 1); // cc + data, checksum dropped
    deliver(std::move(reply), Stat::HandledIpmbResponses, Stat::UnhandledIpmbResponses);
}

InterfaceState::Handled InterfaceState::handleIpmbCommand(const SmiBytes& rsp)
{
    if (rsp.size() < 10) {
        inc(Stat::InvalidCommands);
        return Handled::Done;
    }
    if (rsp[2] != 0) {
        return Handled::Done;
    }
    const auto netfn = static_cast<std::uint8_t>(rsp[4] >> 2);
    const std::uint8_t cmd = rsp[8];
    const unsigned channel = rsp[3] & 0x0F;
    const CmdReceiver* rcvr = findCmdReceiver(netfn, cmd, channel);
    if (rcvr == nullptr) {
        // Nobody registered: answer "invalid command" on the requester's bus.
        inc(Stat::UnhandledCommands);
        if (phase_ == Phase::ShuttingDown) {
            return Handled::Done;
        }
        Outgoing out;
        out.owner = Owner::AutoReply;
        out.data = {
            abi::IPMI_NETFN_APP_REQUEST << 2,
            abi::IPMI_SEND_MSG_CMD,
            rsp[3],
            rsp[6],
            static_cast<std::uint8_t>(((netfn + 1) << 2) | (rsp[7] & 0x03)),
            0,
            addrInfo_[channel].address,
            static_cast<std::uint8_t>((rsp[7] & 0xFC) | (rsp[4] & 0x03)),
            cmd,
            abi::IPMI_INVALID_CMD_COMPLETION_CODE,
            0,
        };
        out.data[5] = ipmbChecksum(&out.data[3], 2);
        out.data[10] = ipmbChecksum(&out.data[6], 4);
        smiSend(std::move(out), false);
        return Handled::Done;
    }
    ReceivedMessage msg;
    abi::ipmi_ipmb_addr from{};
    from.addr_type = abi::IPMI_IPMB_ADDR_TYPE;
    from.channel = static_cast<short>(channel);
    from.slave_addr = rsp[6];
    from.lun = rsp[7] & 0x03;
    storeAddress(msg.addr, from);
    msg.recvType = abi::IPMI_CMD_RECV_TYPE;
    msg.msgid = rsp[7] >> 2; // the requester's sequence: echo it in the response
    msg.netfn = netfn;
    msg.cmd = cmd;
    msg.data.assign(rsp.begin() + 9, rsp.end() - 1);
    return deliverCommand(rcvr->user, std::move(msg));
}

void InterfaceState::handleLanResponse(const SmiBytes& rsp)
{
    if (rsp.size() < 13) {
        inc(Stat::InvalidLanResponses);
        return;
    }
    if (rsp[2] != 0) {
        return;
    }
    abi::ipmi_lan_addr from{};
    from.addr_type = abi::IPMI_LAN_ADDR_TYPE;
    from.channel = static_cast<short>(rsp[3] & 0x0F);
    from.privilege = static_cast<std::uint8_t>(rsp[3] >> 4);
    from.session_handle = rsp[4];
    from.local_SWID = rsp[5];
    from.remote_SWID = rsp[8];
    from.lun = rsp[9] & 0x03;
    abi::ipmi_addr addr{};
    storeAddress(addr, from);
    auto reply = findSeq(rsp[9] >> 2, rsp[3] & 0x0Fu, rsp[10], static_cast<std::uint8_t>((rsp[6] >> 2) & ~1U), addr);
    if (!reply) {
        inc(Stat::UnhandledLanResponses);
        return;
    }
    auto& msg = reply->msg;
    msg.recvType = abi::IPMI_RESPONSE_RECV_TYPE;
    msg.netfn = static_cast<std::uint8_t>(rsp[6] >> 2);
    msg.data.assign(rsp.begin() + 11, rsp.end() - 1);
    deliver(std::move(reply), Stat::HandledLanResponses, Stat::UnhandledLanResponses);
}

InterfaceState::Handled InterfaceState::handleLanCommand(const SmiBytes& rsp)
{
    if (rsp.size() < 12) {
        inc(Stat::InvalidCommands);
        return Handled::Done;
    }
    if (rsp[2] != 0) {
        return Handled::Done;
    }
    const auto netfn = static_cast<std::uint8_t>(rsp[6] >> 2);
    const std::uint8_t cmd = rsp[10];
    const unsigned channel = rsp[3] & 0x0F;
    const CmdReceiver* rcvr = findCmdReceiver(netfn, cmd, channel);
    if (rcvr == nullptr) {
        inc(Stat::UnhandledCommands); // LAN commands nobody wants are dropped
        return Handled::Done;
    }
    ReceivedMessage msg;
    abi::ipmi_lan_addr from{};
    from.addr_type = abi::IPMI_LAN_ADDR_TYPE;
    from.channel = static_cast<short>(channel);
    from.privilege = static_cast<std::uint8_t>(rsp[3] >> 4);
    from.session_handle = rsp[4];
    from.local_SWID = rsp[5];
    from.remote_SWID = rsp[8];
    from.lun = rsp[9] & 0x03;
    storeAddress(msg.addr, from);
    msg.recvType = abi::IPMI_CMD_RECV_TYPE;
    msg.msgid = rsp[9] >> 2;
    msg.netfn = netfn;
    msg.cmd = cmd;
    msg.data.assign(rsp.begin() + 11, rsp.end() - 1);
    return deliverCommand(rcvr->user, std::move(msg));
}

InterfaceState::Handled InterfaceState::handleOemCommand(const SmiBytes& rsp)
{
    if (rsp[2] != 0) {
        return Handled::Done;
    }
    // No interpretation: the Get Message header's netfn/cmd select the
    // receiver and everything after the channel byte is the data.
    const auto netfn = static_cast<std::uint8_t>(rsp[0] >> 2);
    const std::uint8_t cmd = rsp[1];
    const CmdReceiver* rcvr = findCmdReceiver(netfn, cmd, rsp[3] & 0x0Fu);
    if (rcvr == nullptr) {
        inc(Stat::UnhandledCommands);
        return Handled::Done;
    }
    ReceivedMessage msg;
    msg.addr = systemInterfaceAddress(rsp[0] & 0x03);
    msg.recvType = abi::IPMI_OEM_RECV_TYPE;
    msg.msgid = 0; // the kernel leaves it uninitialised; we give a fixed value
    msg.netfn = netfn;
    msg.cmd = cmd;
    msg.data.assign(rsp.begin() + 4, rsp.end());
    return deliverCommand(rcvr->user, std::move(msg));
}

InterfaceState::Handled InterfaceState::deliverCommand(const std::shared_ptr<UserState>& user, ReceivedMessage msg)
{
    if (!allocCharge(*user, msg.charge)) {
        return Handled::Requeue;
    }
    auto reply = std::make_unique<PendingReply>();
    reply->user = user;
    reply->msg = std::move(msg);
    deliver(std::move(reply), Stat::HandledCommands, Stat::UnhandledCommands);
    return Handled::Done;
}

} // namespace ipmi::core::detail
