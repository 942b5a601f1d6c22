// Send Message (App 0x34) and the IPMB satellite controllers behind it.
//
// The host hands the BMC a complete IPMB request frame for channel 0:
// [rsSA][netfn<<2|rsLUN][chk1][rqSA][rqSeq<<2|rqLUN][cmd][data...][chk2], with
// a leading 0x00 for a broadcast. The BMC "writes it on the bus": a configured
// satellite at rsSA (or the BMC itself) answers after its response delay, and
// the reply lands in the receive message queue in the Get Message layout
// [channel | privilege<<4][netfn<<2|rqLUN][chk1][rsSA][rqSeq<<2|rsLUN][cmd]
// [cc][data...][chk2] — the IPMB response frame without its first byte (rqSA).
// Nobody at rsSA: the write is NAKed (cc 0x83) and no reply ever comes, so the
// host's message handler times out. A frame with a bad checksum is ignored by
// the satellite, as on a real bus: cc 0, no reply.
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

#include <algorithm>
#include <numeric>

namespace ipmi::sim {
namespace {

constexpr std::uint8_t mediumIpmb = 1;
constexpr std::uint8_t mediumLan = 4;
constexpr std::size_t minIpmbRequest = 7; // rsSA netfn chk1 rqSA seq cmd chk2

std::uint8_t checksum(std::span<const std::uint8_t> bytes)
{
    auto sum = std::accumulate(bytes.begin(), bytes.end(), 0U);
    return static_cast<std::uint8_t>(0x100 - (sum & 0xFF));
}

bool checksumOk(std::span<const std::uint8_t> bytesWithChecksum)
{
    auto sum = std::accumulate(bytesWithChecksum.begin(), bytesWithChecksum.end(), 0U);
    return (sum & 0xFF) == 0;
}

// What a simple satellite controller answers: cc followed by data.
Bytes satelliteAnswer(const SatelliteConfig& sat, std::uint8_t netfnValue, std::uint8_t lun, std::uint8_t cmd)
{
    if (lun != 0) {
        return {cc::invalidForLun};
    }
    if (netfnValue != abi::IPMI_NETFN_APP_REQUEST) {
        return {cc::invalidCommand};
    }
    const DeviceIdentity& id = sat.identity;
    switch (cmd) {
    case abi::IPMI_GET_DEVICE_ID_CMD:
        return {cc::ok,
                id.deviceId,
                static_cast<std::uint8_t>((id.providesDeviceSdrs ? 0x80 : 0x00) | (id.deviceRevision & 0x0F)),
                static_cast<std::uint8_t>(id.firmwareMajor & 0x7F),
                id.firmwareMinor,
                id.ipmiVersion,
                id.additionalDeviceSupport,
                static_cast<std::uint8_t>(id.manufacturerId & 0xFF),
                static_cast<std::uint8_t>((id.manufacturerId >> 8) & 0xFF),
                static_cast<std::uint8_t>((id.manufacturerId >> 16) & 0x0F),
                static_cast<std::uint8_t>(id.productId & 0xFF),
                static_cast<std::uint8_t>(id.productId >> 8),
                id.auxFirmware[0],
                id.auxFirmware[1],
                id.auxFirmware[2],
                id.auxFirmware[3]};
    case abi::IPMI_GET_SELF_TEST_RESULTS_CMD:
        return {cc::ok, 0x55, 0x00};
    case abi::IPMI_GET_DEVICE_GUID_CMD: {
        Bytes out{cc::ok};
        out.insert(out.end(), id.guid.begin(), id.guid.end());
        return out;
    }
    default:
        return {cc::invalidCommand};
    }
}

// The BMC answering an IPMB request addressed to itself runs it through its
// own dispatcher.
Bytes selfAnswer(BmcState& state, std::uint8_t netfnValue, std::uint8_t lun, std::uint8_t cmd,
                 std::span<const std::uint8_t> data)
{
    Bytes request{static_cast<std::uint8_t>((netfnValue << 2) | lun), cmd};
    request.insert(request.end(), data.begin(), data.end());
    Bytes response = dispatch(state, request);
    return Bytes(response.begin() + 2, response.end());
}

void sendMessage(BmcState& state, const Request& req, Response& rsp)
{
    std::uint8_t channelByte = req.data[0];
    std::uint8_t channel = channelByte & 0x0F;
    const auto& channels = state.config.channels;
    auto ch = std::find_if(channels.begin(), channels.end(),
                           [channel](const ChannelConfig& c) { return c.number == channel; });
    if (ch == channels.end() || channel == 0x0F) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    if (ch->medium == mediumLan) {
        rsp.fail(cc::commandSpecific80); // invalid session handle: no LAN sessions here
        return;
    }
    if (ch->medium != mediumIpmb) {
        rsp.fail(cc::invalidDataField);
        return;
    }
    std::span<const std::uint8_t> frame = req.data.subspan(1);
    if (!frame.empty() && frame[0] == 0x00) {
        frame = frame.subspan(1); // broadcast: every device sees the same request
    }
    if (frame.size() < minIpmbRequest) {
        rsp.fail(cc::lengthInvalid);
        return;
    }
    std::uint8_t rsSA = frame[0];
    const SatelliteConfig* target = nullptr;
    for (const SatelliteConfig& sat : state.config.satellites) {
        if (sat.address == rsSA && sat.channel == channel) {
            target = &sat;
        }
    }
    bool toSelf = rsSA == state.config.bmcAddress;
    if (target == nullptr && !toSelf) {
        rsp.fail(cc::nakOnWrite);
        return;
    }
    if (!checksumOk(frame.first(3)) || !checksumOk(frame.subspan(3))) {
        return; // the frame went out; nobody accepts it
    }
    std::uint8_t reqNetfn = frame[1] >> 2;
    std::uint8_t rsLun = frame[1] & 0x03;
    std::uint8_t rqSA = frame[3];
    std::uint8_t rqSeqLun = frame[4];
    std::uint8_t cmd = frame[5];
    if ((reqNetfn & 1) != 0) {
        return; // a response frame: nobody is waiting for it
    }
    Bytes answer = toSelf ? selfAnswer(state, reqNetfn, rsLun, cmd, frame.subspan(6, frame.size() - 7))
                          : satelliteAnswer(*target, reqNetfn, rsLun, cmd);

    Bytes message;
    message.push_back(channel); // privilege level 0 (none) for IPMB
    std::uint8_t rspNetfn = static_cast<std::uint8_t>(((reqNetfn | 1) << 2) | (rqSeqLun & 0x03));
    message.push_back(rspNetfn);
    std::uint8_t header[2] = {rqSA, rspNetfn};
    message.push_back(checksum(header));
    std::size_t bodyStart = message.size();
    message.push_back(rsSA);
    message.push_back(static_cast<std::uint8_t>((rqSeqLun & 0xFC) | rsLun));
    message.push_back(cmd);
    message.insert(message.end(), answer.begin(), answer.end());
    message.push_back(checksum(std::span<const std::uint8_t>(message).subspan(bodyStart)));

    auto delay = toSelf ? std::chrono::milliseconds{1} : target->responseDelay;
    state.satelliteReplies.push_back(PendingSatelliteReply{state.now + delay, std::move(message)});
}

constexpr CommandEntry satelliteTable[] = {
    {abi::IPMI_SEND_MSG_CMD, sendMessage, 1, 255},
};

} // namespace

void advanceSatellites(BmcState& state)
{
    auto& pending = state.satelliteReplies;
    std::stable_sort(pending.begin(), pending.end(),
                     [](const PendingSatelliteReply& a, const PendingSatelliteReply& b) { return a.due < b.due; });
    bool changed = false;
    while (!pending.empty() && pending.front().due <= state.now) {
        if (state.messaging.receiveQueue.size() < state.config.receiveQueueCapacity) {
            state.messaging.receiveQueue.push_back(std::move(pending.front().message));
            changed = true;
        } else {
            ++state.messaging.receiveOverflows;
        }
        pending.erase(pending.begin());
    }
    if (changed) {
        state.updateAttention();
    }
}

std::optional<SteadyTime> satellitesDeadline(const BmcState& state)
{
    std::optional<SteadyTime> best;
    for (const PendingSatelliteReply& reply : state.satelliteReplies) {
        if (!best || reply.due < *best) {
            best = reply.due;
        }
    }
    return best;
}

std::span<const CommandEntry> satelliteCommands()
{
    return satelliteTable;
}

} // namespace ipmi::sim
