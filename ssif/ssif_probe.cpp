// SsifInterface's start-up probe: Get System Interface Capabilities, the
// multi-part write end-marker test, the shared machine's flags and global
// enables, alerts (see ssif_interface.hpp).
#include "ssif/ssif_commands.hpp"
#include "ssif/ssif_interface.hpp"

#include <spdlog/spdlog.h>

namespace ipmi::ssif {

using namespace detail; // NOLINT(google-build-using-namespace): this folder's own command table

// ---- probe -------------------------------------------------------------

void SsifInterface::onCapabilities(TransferResult result)
{
    std::optional<std::span<const std::uint8_t>> response;
    if (result.error == 0) {
        response = std::span<const std::uint8_t>(result.response);
    }
    limits_ = sanitiseCapabilities(response);
    if (!limits_.valid) {
        spdlog::info("ssif {}: no usable Get System Interface Capabilities answer ({}); using 32-byte single-part "
                     "transfers without PEC",
                     bus_.describe(), result.problem.value_or("bad completion code or length"));
    } else if (config_.dbgProbe) {
        spdlog::info("ssif {}: capabilities: transactions {}, PEC {}, max request {}, max response {}", bus_.describe(),
                     limits_.transactions, limits_.pec, limits_.maxRequest, limits_.maxResponse);
    }
    if (limits_.maxRequest > kSmbusBlockMax) {
        multipartTest(true);
    } else {
        probeFlagsAndEnables();
    }
}

void SsifInterface::multipartTest(bool withCmd8)
{
    // A Get Device ID padded with zeros to 33 bytes (65 when middles are
    // allowed): start, [middle], then the end marker under test.
    const bool middle = limits_.maxRequest > 63;
    Bytes message(65, 0);
    message[0] = kAppRequest;
    message[1] = abi::IPMI_GET_DEVICE_ID_CMD;
    std::vector<WritePart> parts;
    parts.push_back({kCmdMultiWriteStart, Bytes(message.begin(), message.begin() + 32)});
    if (middle) {
        parts.push_back({kCmdMultiWriteMiddle, Bytes(message.begin() + 32, message.begin() + 64)});
    }
    if (withCmd8) {
        parts.push_back({kCmdMultiWriteEnd, Bytes{message[64]}});
        issueParts(std::move(parts), &SsifInterface::onMultipartCmd8);
    } else {
        parts.push_back({kCmdMultiWriteMiddle, Bytes{}});
        issueParts(std::move(parts), &SsifInterface::onMultipartEmpty);
    }
}

void SsifInterface::onMultipartCmd8(TransferResult result)
{
    const std::size_t endPart = limits_.maxRequest > 63 ? 2 : 1;
    if (result.error == 0) {
        limits_.cmd8Works = true;
    } else if (result.failedPart && *result.failedPart < endPart) {
        spdlog::warn("ssif {}: the BMC refused a multi-part start it claims to support; limiting requests to 32 bytes",
                     bus_.describe());
        limits_.maxRequest = kSmbusBlockMax;
    } else {
        multipartTest(false);
        return;
    }
    probeFlagsAndEnables();
}

void SsifInterface::onMultipartEmpty(TransferResult result)
{
    const std::size_t endPart = limits_.maxRequest > 63 ? 2 : 1;
    if (result.error != 0) {
        if (result.failedPart && *result.failedPart < endPart) {
            spdlog::warn("ssif {}: second multi-part test failed; limiting requests to 32 bytes", bus_.describe());
            limits_.maxRequest = kSmbusBlockMax;
        } else {
            // Neither end marker works: a short middle ends the message,
            // so at most start (32) + 31 bytes.
            limits_.maxRequest = std::min<std::size_t>(limits_.maxRequest, 63);
        }
    }
    if (config_.dbgProbe) {
        spdlog::info("ssif {}: multi-part writes end with {}; max request {}", bus_.describe(),
                     limits_.cmd8Works ? "0x08" : "a short 0x07", limits_.maxRequest);
    }
    probeFlagsAndEnables();
}

void SsifInterface::probeFlagsAndEnables()
{
    issue(flags_.startup(), &SsifInterface::onProbeFlagsAndEnables);
}

void SsifInterface::onProbeFlagsAndEnables(TransferResult result)
{
    using Step = core::FlagsMachine::StartStep;
    bool ok = false;
    bool setAnswered = false;
    switch (flags_.startStep()) {
    case Step::ClearPretimeout:
        ok = result.error == 0 && isAppResponse(result.response, abi::IPMI_CLEAR_MSG_FLAGS_CMD, 3);
        if (!ok) {
            spdlog::warn("ssif {}: unable to clear message flags", bus_.describe());
        }
        break;
    case Step::GetEnablesForEvt:
        ok = result.error == 0 && isAppResponse(result.response, abi::IPMI_GET_BMC_GLOBAL_ENABLES_CMD, 4);
        if (!ok) {
            spdlog::warn("ssif {}: error getting global enables; no event buffer", bus_.describe());
        }
        break;
    case Step::EnableEventBuffer:
        // Any answer will do: only its completion code says whether the
        // buffer is on.
        setAnswered = result.error == 0 && result.response.size() >= 3;
        if (!setAnswered) {
            spdlog::warn("ssif {}: error setting global enables", bus_.describe());
        }
        ok = setAnswered && result.response[2] == 0;
        break;
    default:
        break;
    }
    if (auto next = flags_.startupAnswered(ok, result.response)) {
        issue(*next, &SsifInterface::onProbeFlagsAndEnables);
        return;
    }
    // Alerts only right after the event buffer was set: a failed Get, or a
    // buffer already on, leaves them alone, as the kernel does.
    // Departure: the kernel enables alerts whenever the BMC accepts them.
    // i2c-dev cannot deliver SMBus alerts to us, and an alert nobody
    // acknowledges can hold SMBALERT# low for every device on the bus, so
    // they are only enabled when our bus really passes them up.
    if (!setAnswered || config_.alertsBroken || !bus_.supportsAlerts()) {
        probeDone();
        return;
    }
    issue(core::setGlobalEnablesRequest(static_cast<std::uint8_t>(flags_.globalEnables() | abi::IPMI_BMC_RCV_MSG_INTR)),
          &SsifInterface::onSetAlerts);
}

void SsifInterface::onSetAlerts(TransferResult result)
{
    if (result.error == 0 && result.response.size() >= 3 && result.response[2] == 0) {
        alertsActive_ = true;
    }
    probeDone();
}

void SsifInterface::probeDone()
{
    auto finish = [this] {
        if (config_.dbgProbe) {
            spdlog::info("ssif {}: probe done: max request {}, max response {}, PEC {}, event buffer {}, alerts {}",
                         bus_.describe(), limits_.maxRequest, limits_.maxResponse, limits_.pec, flags_.hasEventBuffer(),
                         alertsActive_);
        }
        state_ = State::Idle;
        armWatch();
        startNext();
    };
    if (!limits_.pec) {
        finish();
        return;
    }
    bus_.setPec(true, [this, finish](int error, const Bytes&) {
        if (error != 0) {
            spdlog::warn("ssif {}: cannot enable PEC (errno {}); continuing without it", bus_.describe(), error);
            limits_.pec = false;
        }
        finish();
    });
}

} // namespace ipmi::ssif
