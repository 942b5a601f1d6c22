// KCS BMC side. The interesting choices: an abort or a new WRITE_START
// orphans the response of the request in flight (its transaction number no
// longer matches, as QEMU's waiting_rsp does), and a response that arrives
// after the model is gone is dropped through a weak lifetime token.
#include "sim/models/kcs_model.hpp"

#include <utility>

namespace ipmi::sim {

KcsBmcModel::KcsBmcModel(BmcPort& port, std::size_t maxRequest) : port_(port), maxRequest_(maxRequest), inFlight_(port)
{
}

KcsBmcModel::~KcsBmcModel() = default;

std::uint8_t KcsBmcModel::stateBits() const
{
    switch (phase_) {
    case Phase::Idle:
        return kcs::kStateIdle;
    case Phase::Write:
    case Phase::WriteLast:
    case Phase::AbortAwaitData:
        return kcs::kStateWrite;
    case Phase::AwaitResponse:
    case Phase::Read:
    case Phase::AbortStatusSent:
        return kcs::kStateRead;
    case Phase::Error:
        return kcs::kStateError;
    }
    return kcs::kStateError;
}

std::uint8_t KcsBmcModel::read(unsigned offset)
{
    if (offset == kcs::kDataRegister) {
        obf_ = false;
        return port_.interfaceByte(dataOut_);
    }
    if (offset == kcs::kCommandStatusRegister) {
        std::uint8_t status = static_cast<std::uint8_t>(stateBits() << kcs::kStateShift);
        status |= obf_ ? kcs::kStatusObf : 0;
        status |= ibf_ ? kcs::kStatusIbf : 0;
        status |= port_.attention() ? kcs::kStatusSmsAtn : 0;
        status |= commandLast_ ? kcs::kStatusCommandData : 0;
        return status;
    }
    return 0xFF; // nothing decodes other offsets: a floating bus
}

void KcsBmcModel::write(unsigned offset, std::uint8_t value)
{
    if (offset > kcs::kCommandStatusRegister) {
        return;
    }
    const bool isCommand = offset == kcs::kCommandStatusRegister;
    commandLast_ = isCommand;
    ibf_ = true;
    if (stalled_) {
        heldWrite_ = std::make_pair(isCommand, value); // a later write overwrites Data_In
        return;
    }
    consume(isCommand, value);
}

void KcsBmcModel::setStalled(bool stalled)
{
    stalled_ = stalled;
    if (!stalled_ && heldWrite_) {
        const auto held = *heldWrite_;
        heldWrite_.reset();
        consume(held.first, held.second);
    }
}

bool KcsBmcModel::resetMidTransfer()
{
    if (phase_ == Phase::Idle) {
        return false;
    }
    inFlight_.orphan(); // the response, if it comes, belongs to the old BMC
    request_.clear();
    response_.clear();
    responsePos_ = 0;
    heldWrite_.reset();
    ibf_ = obf_ = false;
    lastError_ = kcs::kErrorNone;
    phase_ = Phase::Idle;
    return true;
}

void KcsBmcModel::consume(bool isCommand, std::uint8_t value)
{
    ibf_ = false;
    if (isCommand) {
        onCommand(value);
    } else {
        onData(value);
    }
}

void KcsBmcModel::onCommand(std::uint8_t value)
{
    switch (value) {
    case kcs::kGetStatusAbort:
        if (phase_ == Phase::Write || phase_ == Phase::WriteLast || phase_ == Phase::AwaitResponse ||
            phase_ == Phase::Read) {
            lastError_ = kcs::kErrorAborted;
        }
        inFlight_.orphan();
        request_.clear();
        response_.clear();
        phase_ = Phase::AbortAwaitData;
        return;
    case kcs::kWriteStart:
        inFlight_.orphan();
        request_.clear();
        response_.clear();
        lastError_ = kcs::kErrorNone;
        phase_ = Phase::Write;
        return;
    case kcs::kWriteEnd:
        if (phase_ == Phase::Write) {
            phase_ = Phase::WriteLast;
            return;
        }
        enterError(kcs::kErrorIllegalControlCode);
        return;
    default:
        enterError(kcs::kErrorIllegalControlCode);
        return;
    }
}

void KcsBmcModel::onData(std::uint8_t value)
{
    switch (phase_) {
    case Phase::Write:
    case Phase::WriteLast:
        if (request_.size() >= maxRequest_) {
            enterError(kcs::kErrorLength);
            return;
        }
        request_.push_back(value);
        if (phase_ == Phase::WriteLast) {
            phase_ = Phase::AwaitResponse;
            dispatch();
        }
        return;
    case Phase::Read:
        if (value != kcs::kReadByte) {
            enterError(kcs::kErrorIllegalControlCode);
            return;
        }
        if (responsePos_ < response_.size()) {
            putOutput(response_[responsePos_++]);
        } else {
            // The spec's end of the read phase: idle, with a dummy byte.
            phase_ = Phase::Idle;
            putOutput(0x00);
        }
        return;
    case Phase::AbortAwaitData:
        phase_ = Phase::AbortStatusSent;
        putOutput(lastError_);
        lastError_ = kcs::kErrorNone;
        return;
    case Phase::AbortStatusSent:
        phase_ = Phase::Idle;
        putOutput(0x00);
        return;
    case Phase::Idle:
    case Phase::AwaitResponse:
    case Phase::Error:
        enterError(kcs::kErrorIllegalControlCode);
        return;
    }
}

void KcsBmcModel::enterError(std::uint8_t code)
{
    inFlight_.orphan();
    request_.clear();
    response_.clear();
    lastError_ = code;
    phase_ = Phase::Error;
}

void KcsBmcModel::putOutput(std::uint8_t value)
{
    dataOut_ = value;
    obf_ = true;
}

void KcsBmcModel::dispatch()
{
    ++dispatched_;
    inFlight_.send(request_, [this](Bytes response) { onResponse(std::move(response)); });
}

void KcsBmcModel::onResponse(Bytes response)
{
    if (phase_ != Phase::AwaitResponse) {
        return;
    }
    response_ = std::move(response);
    responsePos_ = 0;
    phase_ = Phase::Read;
    if (response_.empty()) {
        phase_ = Phase::Idle;
        putOutput(0x00);
        return;
    }
    putOutput(response_[responsePos_++]);
}

} // namespace ipmi::sim
