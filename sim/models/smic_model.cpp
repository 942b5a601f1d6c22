// SMIC BMC side: one control code per BUSY handshake.
#include "sim/models/smic_model.hpp"

#include <utility>

namespace ipmi::sim {

SmicBmcModel::SmicBmcModel(BmcPort& port, std::size_t maxRequest)
    : port_(port), maxRequest_(maxRequest), inFlight_(port)
{
}

SmicBmcModel::~SmicBmcModel() = default;

std::uint8_t SmicBmcModel::read(unsigned offset)
{
    switch (offset) {
    case smic::kDataRegister:
        return port_.interfaceByte(dataOut_);
    case smic::kControlStatusRegister:
        return status_;
    case smic::kFlagsRegister: {
        std::uint8_t flags = 0;
        flags |= (phase_ == Phase::Writing) ? smic::kFlagTxDataReady : 0;
        flags |= (phase_ == Phase::ResponseReady || phase_ == Phase::Reading) ? smic::kFlagRxDataReady : 0;
        flags |= port_.attention() ? smic::kFlagSmsAtn : 0;
        flags |= busy_ ? smic::kFlagBusy : 0;
        return flags;
    }
    default:
        return 0xFF;
    }
}

void SmicBmcModel::write(unsigned offset, std::uint8_t value)
{
    switch (offset) {
    case smic::kDataRegister:
        dataIn_ = value;
        return;
    case smic::kControlStatusRegister:
        control_ = value;
        return;
    case smic::kFlagsRegister:
        // Only BUSY is the host's to set; the other flags are the BMC's.
        if ((value & smic::kFlagBusy) != 0 && !busy_) {
            busy_ = true;
            if (!stalled_) {
                execute();
            }
        }
        return;
    default:
        return;
    }
}

void SmicBmcModel::setStalled(bool stalled)
{
    stalled_ = stalled;
    if (!stalled_ && busy_) {
        execute();
    }
}

bool SmicBmcModel::resetMidTransfer()
{
    if (phase_ == Phase::Idle && !busy_) {
        return false;
    }
    busy_ = false;
    fail(smic::kErrorNone);
    dataIn_ = 0;
    control_ = 0;
    return true;
}

void SmicBmcModel::fail(std::uint8_t code)
{
    inFlight_.orphan();
    request_.clear();
    response_.clear();
    phase_ = Phase::Idle;
    status_ = smic::kScReady;
    dataOut_ = code;
}

void SmicBmcModel::execute()
{
    busy_ = false;
    switch (control_) {
    case smic::kCcGetStatus:
        // Also the way out of any half-done transfer.
        if (phase_ != Phase::Idle) {
            fail(smic::kErrorAborted);
        } else {
            status_ = smic::kScReady;
            dataOut_ = smic::kErrorNone;
        }
        return;
    case smic::kCcWrStart:
        inFlight_.orphan();
        response_.clear();
        request_.assign(1, dataIn_);
        phase_ = Phase::Writing;
        status_ = smic::kScWrStart;
        return;
    case smic::kCcWrNext:
    case smic::kCcWrEnd:
        if (phase_ != Phase::Writing) {
            fail(smic::kErrorIllegalControl);
            return;
        }
        if (request_.size() >= maxRequest_) {
            fail(smic::kErrorBufferFull);
            return;
        }
        request_.push_back(dataIn_);
        if (control_ == smic::kCcWrNext) {
            status_ = smic::kScWrNext;
            return;
        }
        status_ = smic::kScWrEnd;
        dataOut_ = smic::kErrorNone;
        phase_ = Phase::AwaitResponse;
        ++dispatched_;
        inFlight_.send(request_, [this](Bytes response) { onResponse(std::move(response)); });
        return;
    case smic::kCcRdStart:
        if (phase_ != Phase::ResponseReady) {
            fail(smic::kErrorIllegalControl);
            return;
        }
        phase_ = Phase::Reading;
        responsePos_ = 0;
        dataOut_ = response_[responsePos_++];
        status_ = responsePos_ == response_.size() ? smic::kScRdEnd : smic::kScRdStart;
        return;
    case smic::kCcRdNext:
        if (phase_ != Phase::Reading || responsePos_ >= response_.size()) {
            fail(smic::kErrorIllegalControl);
            return;
        }
        dataOut_ = response_[responsePos_++];
        status_ = responsePos_ == response_.size() ? smic::kScRdEnd : smic::kScRdNext;
        return;
    case smic::kCcRdEnd:
        if (phase_ != Phase::Reading) {
            fail(smic::kErrorIllegalControl);
            return;
        }
        phase_ = Phase::Idle;
        response_.clear();
        status_ = smic::kScReady;
        dataOut_ = smic::kErrorNone;
        return;
    default:
        fail(smic::kErrorIllegalControl);
        return;
    }
}

void SmicBmcModel::onResponse(Bytes response)
{
    if (phase_ != Phase::AwaitResponse || response.empty()) {
        return;
    }
    response_ = std::move(response);
    phase_ = Phase::ResponseReady;
}

} // namespace ipmi::sim
