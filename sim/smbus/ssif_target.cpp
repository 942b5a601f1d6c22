// The SSIF SMBus target: see ssif_target.hpp for the protocol it serves.
#include "sim/smbus/ssif_target.hpp"

#include "abi/ipmi_msgdefs.hpp"
#include "sim/smbus/pec.hpp"

#include <algorithm>

namespace ipmi::sim::smbus {

namespace {

// Data bytes in the first part of a multi-part read (after 0x00 0x01) and in
// every later part (after the block number).
constexpr std::size_t kFirstPartData = kBlockMax - 2;
constexpr std::size_t kPartData = kBlockMax - 1;

} // namespace

SsifTarget::SsifTarget(Responder& responder, TargetConfig config) : responder_(responder), config_(config)
{
    responder_.setAttentionListener(lifetime_.guard([this] { updateAlert(); }));
}

SsifTarget::~SsifTarget()
{
    responder_.setAttentionListener({});
}

std::size_t SsifTarget::maxRequest() const
{
    const std::size_t configured = config_.capabilities.maxInputSize;
    switch (config_.capabilities.transactions) {
    case SsifCapabilities::Transactions::SinglePart:
        return std::min(configured, kBlockMax);
    case SsifCapabilities::Transactions::MultiPartStartEnd:
        return std::min(configured, 2 * kBlockMax);
    case SsifCapabilities::Transactions::MultiPartMiddle:
        break;
    }
    return configured;
}

std::size_t SsifTarget::maxResponse() const
{
    const std::size_t configured = config_.capabilities.maxOutputSize;
    switch (config_.capabilities.transactions) {
    case SsifCapabilities::Transactions::SinglePart:
        return std::min(configured, kBlockMax);
    case SsifCapabilities::Transactions::MultiPartStartEnd:
        return std::min(configured, kFirstPartData + kPartData);
    case SsifCapabilities::Transactions::MultiPartMiddle:
        break;
    }
    return configured;
}

bool SsifTarget::refused()
{
    if (busy_) {
        return true;
    }
    if (injectedNaks_ == 0) {
        return false;
    }
    --injectedNaks_;
    return true;
}

bool SsifTarget::blockWrite(std::uint8_t command, std::span<const std::uint8_t> data, std::optional<std::uint8_t> pec)
{
    if (refused() || data.size() > kBlockMax) {
        return false;
    }
    // A target that checks PEC NAKs the PEC byte of a damaged write; the
    // partial transfer is discarded as if it never happened.
    if (pec && config_.capabilities.pec && *pec != blockWritePec(config_.address, command, data)) {
        return false;
    }

    const bool multi = config_.capabilities.transactions != SsifCapabilities::Transactions::SinglePart;
    const bool middles = config_.capabilities.transactions == SsifCapabilities::Transactions::MultiPartMiddle;
    switch (command) {
    case kSingleWrite:
        if (data.size() < 2 || data.size() > maxRequest()) {
            return false;
        }
        request_.assign(data.begin(), data.end());
        dispatch();
        return true;

    case kMultiWriteStart:
        if (!multi || data.size() != kBlockMax) {
            return false;
        }
        // A new start abandons whatever was pending, like a new 0x02.
        pending_.end();
        response_.clear();
        request_.assign(data.begin(), data.end());
        state_ = State::Receiving;
        updateAlert();
        return true;

    case kMultiWriteMiddle: {
        if (state_ != State::Receiving) {
            return false;
        }
        const bool full = data.size() == kBlockMax;
        if ((full && !middles) || (data.empty() && !config_.acceptsEmptyMiddle) ||
            request_.size() + data.size() > maxRequest()) {
            state_ = State::Idle;
            request_.clear();
            return false;
        }
        request_.insert(request_.end(), data.begin(), data.end());
        if (!full) {
            dispatch(); // a short (or empty) middle marks the end
        }
        return true;
    }

    case kMultiWriteEnd:
        if (state_ != State::Receiving || !config_.acceptsEndCommand || data.empty() ||
            request_.size() + data.size() > maxRequest()) {
            // A BMC without 0x08 keeps the parts it has: the kernel's
            // probe follows a refused 0x08 with a fresh start anyway.
            if (config_.acceptsEndCommand) {
                state_ = State::Idle;
                request_.clear();
            }
            return false;
        }
        request_.insert(request_.end(), data.begin(), data.end());
        dispatch();
        return true;

    default:
        return false;
    }
}

bool SsifTarget::resetMidTransfer()
{
    const bool unread = state_ == State::Ready && !lastServed_;
    if (state_ != State::Receiving && state_ != State::Working && !unread) {
        return false;
    }
    pending_.end(); // an answer on its way belongs to the old BMC
    state_ = State::Idle;
    request_.clear();
    response_.clear();
    readStarted_ = false;
    lastServed_ = false;
    lastPart_.reset();
    updateAlert();
    return true;
}

void SsifTarget::dispatch()
{
    pending_.renew();
    state_ = State::Working;
    response_.clear();
    readStarted_ = false;
    lastServed_ = false;
    lastPart_.reset();
    updateAlert();
    // A newer request supersedes this one (the host gave up on it): its
    // answer is dropped.
    responder_.handleRequest(request_, pending_.guard([this, request = request_](Bytes response) {
        snoopEnables(request, response);
        onResponse(std::move(response));
    }));
}

void SsifTarget::onResponse(Bytes response)
{
    if (state_ != State::Working) {
        return;
    }
    if (response.size() > maxResponse()) {
        response.resize(maxResponse()); // the wire cannot carry more
    }
    response_ = std::move(response);
    state_ = State::Ready;
    readStarted_ = false;
    updateAlert();
}

void SsifTarget::snoopEnables(const Bytes& request, const Bytes& response)
{
    if (request.size() < 2 || (request[0] >> 2) != abi::IPMI_NETFN_APP_REQUEST || response.size() < 3 ||
        response[2] != 0) {
        return;
    }
    if (request[1] == abi::IPMI_SET_BMC_GLOBAL_ENABLES_CMD && request.size() >= 3) {
        alertsEnabled_ = (request[2] & abi::IPMI_BMC_RCV_MSG_INTR) != 0;
    } else if (request[1] == abi::IPMI_GET_BMC_GLOBAL_ENABLES_CMD && response.size() >= 4) {
        alertsEnabled_ = (response[3] & abi::IPMI_BMC_RCV_MSG_INTR) != 0;
    }
}

ReadBlock SsifTarget::sign(std::uint8_t command, Bytes data)
{
    ReadBlock block;
    if (config_.capabilities.pec) {
        // The PEC covers what the target meant to send; a byte damaged on
        // the way (fault injection) then shows up as a PEC error at the host.
        block.pec = responder_.wireByte(blockReadPec(config_.address, command, data));
    }
    for (std::uint8_t& byte : data) {
        byte = responder_.wireByte(byte);
    }
    block.data = std::move(data);
    return block;
}

std::optional<ReadBlock> SsifTarget::blockRead(std::uint8_t command)
{
    if (refused() || state_ != State::Ready) {
        return std::nullopt;
    }
    switch (command) {
    case kRead: {
        // A 0x03 read (re)starts the response from its beginning; the
        // kernel restarts this way after any failed part.
        Bytes data;
        if (response_.size() <= kBlockMax) {
            data = response_;
            readPos_ = response_.size();
            lastServed_ = true;
        } else {
            data = {0x00, 0x01};
            data.insert(data.end(), response_.begin(), response_.begin() + kFirstPartData);
            readPos_ = kFirstPartData;
            lastServed_ = false;
        }
        nextBlock_ = 0;
        lastPart_.reset();
        const bool first = !readStarted_;
        readStarted_ = true;
        if (first) {
            updateAlert();
        }
        return sign(command, std::move(data));
    }

    case kMultiReadMiddle: {
        if (!readStarted_ || lastServed_) {
            return std::nullopt;
        }
        const std::size_t left = response_.size() - readPos_;
        const std::size_t count = std::min(left, kPartData);
        const bool last = count == left;
        Bytes data{last ? kLastReadBlock : static_cast<std::uint8_t>(nextBlock_)};
        const auto from = response_.begin() + static_cast<std::ptrdiff_t>(readPos_);
        data.insert(data.end(), from, from + static_cast<std::ptrdiff_t>(count));
        readPos_ += count;
        lastServed_ = last;
        ++nextBlock_;
        lastPart_ = ReadBlock{data, 0};
        return sign(command, std::move(data));
    }

    case kMultiReadRetry:
        if (!lastPart_) {
            return std::nullopt;
        }
        return sign(command, lastPart_->data);

    default:
        return std::nullopt;
    }
}

bool SsifTarget::alert() const
{
    return alertLevel_;
}

void SsifTarget::setAlertListener(std::function<void()> onChange)
{
    alertListener_ = std::move(onChange);
}

void SsifTarget::updateAlert()
{
    const bool unread = state_ == State::Ready && !readStarted_;
    const bool level = alertsEnabled_ && (unread || responder_.attention());
    if (level != alertLevel_) {
        alertLevel_ = level;
        if (alertListener_) {
            alertListener_();
        }
    }
}

} // namespace ipmi::sim::smbus
