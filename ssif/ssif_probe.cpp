// SsifInterface's start-up probe: Get System Interface Capabilities, the
// multi-part write end-marker test, clearing flags, global enables and
// alerts (see ssif_interface.hpp).
#include "ssif/ssif_commands.hpp"
#include "ssif/ssif_interface.hpp"

#include <spdlog/spdlog.h>

namespace ipmi::ssif {

using namespace detail; // NOLINT(google-build-using-namespace): this folder's own command table

// ---- probe -------------------------------------------------------------

void SsifInterface::onCapabilities(TransferResult result)
{
    std::optional<std::span<const std::uint8_t>> response;
    if (result.error == 0)
    {
        response = std::span<const std::uint8_t>(result.response);
    }
    limits_ = sanitiseCapabilities(response);
    if (!limits_.valid)
    {
        spdlog::info("ssif {}: no usable Get System Interface Capabilities answer ({}); using 32-byte single-part "
                     "transfers without PEC",
                     bus_.describe(), result.error != 0 ? result.problem : "bad completion code or length");
    }
    else if (config_.dbgProbe)
    {
        spdlog::info("ssif {}: capabilities: transactions {}, PEC {}, max request {}, max response {}",
                     bus_.describe(), limits_.transactions, limits_.pec, limits_.maxRequest, limits_.maxResponse);
    }
    if (limits_.maxRequest > kSmbusBlockMax)
    {
        multipartTest(true);
    }
    else
    {
        probeClearFlags();
    }
}

void SsifInterface::multipartTest(bool withCmd8)
{
    // A Get Device ID padded with zeros to 33 bytes (65 when middles are
    // allowed): start, [middle], then the end marker under test.
    const bool middle = limits_.maxRequest > 63;
    Bytes message(65, 0);
    message[0] = kAppRequest;
    message[1] = kGetDeviceId;
    std::vector<WritePart> parts;
    parts.push_back({kCmdMultiWriteStart, Bytes(message.begin(), message.begin() + 32)});
    if (middle)
    {
        parts.push_back({kCmdMultiWriteMiddle, Bytes(message.begin() + 32, message.begin() + 64)});
    }
    if (withCmd8)
    {
        parts.push_back({kCmdMultiWriteEnd, Bytes{message[64]}});
        issueParts(std::move(parts), &SsifInterface::onMultipartCmd8);
    }
    else
    {
        parts.push_back({kCmdMultiWriteMiddle, Bytes{}});
        issueParts(std::move(parts), &SsifInterface::onMultipartEmpty);
    }
}

void SsifInterface::onMultipartCmd8(TransferResult result)
{
    const std::size_t endPart = limits_.maxRequest > 63 ? 2 : 1;
    if (result.error == 0)
    {
        limits_.cmd8Works = true;
    }
    else if (result.failedPart && *result.failedPart < endPart)
    {
        spdlog::warn("ssif {}: the BMC refused a multi-part start it claims to support; limiting requests to 32 bytes",
                     bus_.describe());
        limits_.maxRequest = kSmbusBlockMax;
    }
    else
    {
        multipartTest(false);
        return;
    }
    probeClearFlags();
}

void SsifInterface::onMultipartEmpty(TransferResult result)
{
    const std::size_t endPart = limits_.maxRequest > 63 ? 2 : 1;
    if (result.error != 0)
    {
        if (result.failedPart && *result.failedPart < endPart)
        {
            spdlog::warn("ssif {}: second multi-part test failed; limiting requests to 32 bytes", bus_.describe());
            limits_.maxRequest = kSmbusBlockMax;
        }
        else
        {
            // Neither end marker works: a short middle ends the message,
            // so at most start (32) + 31 bytes.
            limits_.maxRequest = std::min<std::size_t>(limits_.maxRequest, 63);
        }
    }
    if (config_.dbgProbe)
    {
        spdlog::info("ssif {}: multi-part writes end with {}; max request {}", bus_.describe(),
                     limits_.cmd8Works ? "0x08" : "a short 0x07", limits_.maxRequest);
    }
    probeClearFlags();
}

void SsifInterface::probeClearFlags()
{
    issue({kAppRequest, kClearMessageFlags, kFlagWatchdogPretimeout}, &SsifInterface::onProbeClearFlags);
}

void SsifInterface::onProbeClearFlags(TransferResult result)
{
    if (result.error != 0 || !isAppResponse(result.response, kClearMessageFlags, 3))
    {
        spdlog::warn("ssif {}: unable to clear message flags", bus_.describe());
    }
    issue({kAppRequest, kGetGlobalEnables}, &SsifInterface::onGetEnables);
}

void SsifInterface::onGetEnables(TransferResult result)
{
    if (result.error != 0 || !isAppResponse(result.response, kGetGlobalEnables, 4))
    {
        spdlog::warn("ssif {}: error getting global enables; no event buffer", bus_.describe());
        probeDone();
        return;
    }
    globalEnables_ = result.response[3];
    if ((globalEnables_ & kEnableEventBuffer) != 0)
    {
        hasEventBuffer_ = true; // already on: the kernel leaves alerts alone then
        probeDone();
        return;
    }
    issue({kAppRequest, kSetGlobalEnables, static_cast<std::uint8_t>(globalEnables_ | kEnableEventBuffer)},
          &SsifInterface::onSetEventBuffer);
}

void SsifInterface::onSetEventBuffer(TransferResult result)
{
    if (result.error != 0 || result.response.size() < 3)
    {
        spdlog::warn("ssif {}: error setting global enables", bus_.describe());
        probeDone();
        return;
    }
    if (result.response[2] == 0)
    {
        hasEventBuffer_ = true;
        globalEnables_ |= kEnableEventBuffer;
    }
    // Departure: the kernel enables alerts whenever the BMC accepts them.
    // i2c-dev cannot deliver SMBus alerts to us, and an alert nobody
    // acknowledges can hold SMBALERT# low for every device on the bus, so
    // they are only enabled when our bus really passes them up.
    if (config_.alertsBroken || !bus_.supportsAlerts())
    {
        probeDone();
        return;
    }
    issue({kAppRequest, kSetGlobalEnables, static_cast<std::uint8_t>(globalEnables_ | kEnableReceiveInterrupt)},
          &SsifInterface::onSetAlerts);
}

void SsifInterface::onSetAlerts(TransferResult result)
{
    if (result.error == 0 && result.response.size() >= 3 && result.response[2] == 0)
    {
        alertsActive_ = true;
        globalEnables_ |= kEnableReceiveInterrupt;
    }
    probeDone();
}

void SsifInterface::probeDone()
{
    auto finish = [this] {
        if (config_.dbgProbe)
        {
            spdlog::info("ssif {}: probe done: max request {}, max response {}, PEC {}, event buffer {}, alerts {}",
                         bus_.describe(), limits_.maxRequest, limits_.maxResponse, limits_.pec, hasEventBuffer_,
                         alertsActive_);
        }
        state_ = State::Idle;
        armWatch();
        startNext();
    };
    if (!limits_.pec)
    {
        finish();
        return;
    }
    bus_.setPec(true, [this, finish](int error, Bytes) {
        if (error != 0)
        {
            spdlog::warn("ssif {}: cannot enable PEC (errno {}); continuing without it", bus_.describe(), error);
            limits_.pec = false;
        }
        finish();
    });
}

} // namespace ipmi::ssif
