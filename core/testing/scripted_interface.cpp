// The scripted fake Interface: records requests, answers on command.
#include "core/testing/scripted_interface.hpp"

#include <stdexcept>

namespace ipmi::core::testing {

namespace {

constexpr std::uint8_t kAppRequest = 0x06 << 2;
constexpr std::uint8_t kAppResponse = 0x07 << 2;

} // namespace

ScriptedInterface::ScriptedInterface(InterfaceInfo info) : info_(std::move(info))
{
}

InterfaceInfo ScriptedInterface::defaultInfo()
{
    InterfaceInfo info;
    info.type = "kcs";
    info.description = "scripted test interface";
    info.addrSource = AddrSource::Hardcoded;
    info.slaveAddr = 0x20;
    return info;
}

void ScriptedInterface::start(InterfaceHost& host)
{
    host_ = &host;
}

void ScriptedInterface::enableIdentity(Identity identity)
{
    identity_ = identity;
}

std::optional<SmiBytes> ScriptedInterface::identityAnswer(const Identity& identity, const SmiBytes& request)
{
    if (request.size() < 2 || request[0] != kAppRequest) {
        return std::nullopt;
    }
    switch (request[1]) {
    case 0x08: { // Get Device GUID
        SmiBytes rsp{kAppResponse, 0x08, 0x00};
        rsp.insert(rsp.end(), identity.guid.begin(), identity.guid.end());
        return rsp;
    }
    case 0x01: // Get Device ID: device 0x20 rev 0x81, fw 2.03, IPMI version,
               // all additional devices, manufacturer 0x000157, product 0x1234
        return SmiBytes{kAppResponse, 0x01, 0x00, 0x20, 0x81, 0x02, 0x03, identity.ipmiVersion, 0xBF, 0x57, 0x01,
                        0x00,         0x34, 0x12, 0x00, 0x00, 0x00, 0x00};
    case 0x42: { // Get Channel Info
        if (identity.channelInfoUnsupported) {
            return SmiBytes{kAppResponse, 0x42, 0xC1};
        }
        const std::uint8_t channel = request.size() > 2 ? request[2] & 0x0F : 0;
        const std::uint8_t medium = identity.mediums[channel];
        if (medium == 0) {
            return SmiBytes{kAppResponse, 0x42, 0xCC};
        }
        // Protocol: IPMB-1.0 for IPMB, IPMI-SMBus for LAN, like common BMCs.
        const std::uint8_t protocol = medium == 0x01 ? 0x01 : 0x04;
        return SmiBytes{kAppResponse, 0x42, 0x00, channel, medium, protocol, 0x00, 0xF2, 0x1B, 0x00, 0x00, 0x00};
    }
    default:
        return std::nullopt;
    }
}

void ScriptedInterface::send(SmiBytes request)
{
    if (host_ == nullptr || shutdown_) {
        throw std::logic_error("ScriptedInterface::send before start or after shutdown");
    }
    if (pending_) {
        throw std::logic_error("ScriptedInterface::send with a request already in flight");
    }
    requests_.push_back(request);
    pending_ = std::move(request);
    std::optional<SmiBytes> answer;
    if (identity_) {
        answer = identityAnswer(*identity_, *pending_);
    }
    if (!answer && responder_) {
        answer = responder_(*pending_);
    }
    if (answer) {
        respond(std::move(*answer));
    }
}

void ScriptedInterface::respond(SmiBytes response)
{
    if (!pending_) {
        throw std::logic_error("ScriptedInterface::respond with no request pending");
    }
    pending_.reset();
    host_->smiResponse(std::move(response));
}

void ScriptedInterface::respondCc(std::uint8_t cc, const std::vector<std::uint8_t>& data)
{
    if (!pending_) {
        throw std::logic_error("ScriptedInterface::respondCc with no request pending");
    }
    const auto& req = *pending_;
    SmiBytes rsp{static_cast<std::uint8_t>(req[0] | 0x04), req[1], cc};
    rsp.insert(rsp.end(), data.begin(), data.end());
    respond(std::move(rsp));
}

void ScriptedInterface::receive(SmiBytes message)
{
    if (host_ == nullptr || shutdown_) {
        throw std::logic_error("ScriptedInterface::receive before start or after shutdown");
    }
    host_->smiReceived(std::move(message));
}

void ScriptedInterface::pretimeout()
{
    if (host_ != nullptr && !shutdown_) {
        host_->smiWatchdogPretimeout();
    }
}

void ScriptedInterface::shutdown()
{
    // The contract: a request in flight is answered with 0xFF first.
    if (pending_ && host_ != nullptr) {
        respondCc(0xFF);
    }
    shutdown_ = true;
}

} // namespace ipmi::core::testing
