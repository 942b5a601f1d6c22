// What the message handler asks the BMC by itself when an interface is
// registered, in the kernel's order: Get Device GUID (optional: no GUID is
// fine), Get Device ID (a non-zero completion code is retried up to 5 times,
// 500 ms apart; a failure, or a reply too short to decode, fails the
// registration), then for IPMI >= 1.5 Get Channel Info for channels 0..15 one
// after another to learn each channel's medium. A 0xC1 reply ends the scan
// and marks channel 0 as IPMB; another error, or a short reply, leaves that
// channel's medium 0 (unusable for IPMB/LAN). Below 1.5 channel 0 is IPMB.
//
// The interface is ready (visible, openable) only after the whole scan: the
// 2025 kernel fix for channels marked ready after the first reply.
#include "core/interface_state.hpp"

#include <spdlog/spdlog.h>

namespace ipmi::core::detail {

namespace {

constexpr auto kDeviceIdRetryDelay = std::chrono::milliseconds(500);
constexpr std::size_t kGuidSize = 16;

} // namespace

void InterfaceState::sendInternal(std::uint8_t cmd, std::vector<std::uint8_t> data,
                                  std::function<void(const SmiBytes&)> onResponse)
{
    Outgoing out;
    out.owner = Owner::Internal;
    out.data.reserve(data.size() + 2);
    out.data.push_back(abi::IPMI_NETFN_APP_REQUEST << 2);
    out.data.push_back(cmd);
    out.data.insert(out.data.end(), data.begin(), data.end());
    // An answer without a completion code (SSIF passes a 2-byte one up, as
    // the kernel does) is a failed one for our own requests, whose handlers
    // read the code.
    out.internal = [cmd, onResponse = std::move(onResponse)](const SmiBytes& rsp) {
        if (rsp.size() < 3) {
            onResponse(SmiBytes{(abi::IPMI_NETFN_APP_REQUEST << 2) | 0x04, cmd, abi::IPMI_ERR_UNSPECIFIED});
            return;
        }
        onResponse(rsp);
    };
    inc(Stat::SentLocalCommands);
    smiSend(std::move(out), false);
}

void InterfaceState::fetchGuid()
{
    sendInternal(abi::IPMI_GET_DEVICE_GUID_CMD, {}, [this](const SmiBytes& rsp) {
        if (phase_ == Phase::ShuttingDown) {
            return;
        }
        if (rsp[2] == 0 && rsp.size() >= 3 + kGuidSize) {
            std::array<std::uint8_t, kGuidSize> guid{};
            std::copy(rsp.begin() + 3, rsp.begin() + 3 + kGuidSize, guid.begin());
            guid_ = guid;
        } else if (rsp[2] == 0) {
            spdlog::warn("ipmi{}: the GUID response from the BMC was too short", num_);
        }
        fetchDeviceId();
    });
}

void InterfaceState::fetchDeviceId()
{
    sendInternal(abi::IPMI_GET_DEVICE_ID_CMD, {}, [this](const SmiBytes& rsp) { onDeviceId(rsp); });
}

void InterfaceState::onDeviceId(const SmiBytes& rsp)
{
    if (phase_ == Phase::ShuttingDown) {
        return;
    }
    if (rsp[2] != 0) {
        if (++deviceIdRetries_ <= kGetDeviceIdMaxRetry) {
            spdlog::warn("ipmi{}: BMC returned {:#04x}, retrying Get Device ID", num_, rsp[2]);
            retryTimer_->start(kDeviceIdRetryDelay, [this] { fetchDeviceId(); });
            return;
        }
        spdlog::error("ipmi{}: unable to get the device id: completion code {:#04x}", num_, rsp[2]);
        owner_.registrationFailed(num_);
        return;
    }
    const std::size_t len = rsp.size() - 2; // completion code + data
    if (len < 7) {
        spdlog::error("ipmi{}: unable to get the device id: reply of {} bytes", num_, len);
        owner_.registrationFailed(num_);
        return;
    }
    const auto* d = rsp.data() + 2;
    DeviceId id;
    id.deviceId = d[1];
    id.deviceRevision = d[2];
    id.firmwareRevision1 = d[3];
    id.firmwareRevision2 = d[4];
    id.ipmiVersion = d[5];
    id.additionalDeviceSupport = d[6];
    if (len >= 12) {
        id.manufacturerId = static_cast<std::uint32_t>(d[7] | (d[8] << 8) | (d[9] << 16));
        id.productId = static_cast<std::uint16_t>(d[10] | (d[11] << 8));
    }
    if (len >= 16) {
        std::copy(d + 12, d + 16, id.auxFirmwareRevision.begin());
        id.auxFirmwareRevisionSet = true;
    }
    deviceId_ = id;
    const unsigned major = id.ipmiVersion & 0x0F;
    const unsigned minor = (id.ipmiVersion >> 4) & 0x0F;
    if (major > 1 || (major == 1 && minor >= 5)) {
        scanChannel(0);
        return;
    }
    channels_[0] = ChannelInfo{abi::IPMI_CHANNEL_MEDIUM_IPMB, abi::IPMI_CHANNEL_PROTOCOL_IPMB};
    channelsReady();
}

void InterfaceState::scanChannel(unsigned channel)
{
    sendInternal(abi::IPMI_GET_CHANNEL_INFO_CMD, {static_cast<std::uint8_t>(channel)},
                 [this, channel](const SmiBytes& rsp) { onChannelInfo(channel, rsp); });
}

void InterfaceState::onChannelInfo(unsigned channel, const SmiBytes& rsp)
{
    if (phase_ == Phase::ShuttingDown) {
        return;
    }
    if (rsp[2] == abi::IPMI_INVALID_COMMAND_ERR) {
        // No Get Channel Info: legal; assume one IPMB at channel 0.
        channels_[0] = ChannelInfo{abi::IPMI_CHANNEL_MEDIUM_IPMB, abi::IPMI_CHANNEL_PROTOCOL_IPMB};
        channelsReady();
        return;
    }
    if (rsp[2] == 0 && rsp.size() >= 6) {
        channels_[channel].medium = rsp[4] & 0x7F;
        channels_[channel].protocol = rsp[5] & 0x1F;
    }
    if (channel + 1 >= kNumChannels) {
        channelsReady();
    } else {
        scanChannel(channel + 1);
    }
}

void InterfaceState::channelsReady()
{
    channelsReady_ = true;
    phase_ = Phase::Ready;
    owner_.interfaceReady(num_);
}

} // namespace ipmi::core::detail
