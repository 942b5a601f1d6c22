// FaultInjector: the per-request verdict and the per-byte filter. Order of
// precedence for one request: a silent BMC answers nothing; a forced
// completion code replaces the command; otherwise the command runs and its
// response may be dropped; an answer that goes out may have the wrong length
// and be delayed.
#include "sim/fault_injector.hpp"

#include <algorithm>

namespace ipmi::sim {

FaultInjector::FaultInjector(const FaultConfig& initial, SteadyTime start)
    : now_(start), responseDelay_(initial.responseDelay), byteDelay_(initial.byteDelay),
      dropNext_(initial.dropNextResponses), dropEveryNth_(initial.dropEveryNth),
      completionCodes_(initial.completionCodes), noIrq_(initial.noIrq)
{
    if (initial.silentFor.count() > 0) {
        silentUntil_ = start + initial.silentFor;
    }
    corruptBytes(initial.corruptEveryNthByte, initial.corruptXor, initial.corruptByteCount);
    wrongLength(initial.lengthDelta, initial.lengthCount);
}

FaultInjector::Active FaultInjector::active(SteadyTime now) const
{
    Active a;
    a.responseDelay = responseDelay_;
    a.byteDelay = byteDelay_;
    a.dropNext = dropNext_;
    a.dropEveryNth = dropEveryNth_;
    a.completionCodes = completionCodes_;
    if (silent()) {
        a.silentUntil = silentUntil_;
    }
    if (corruptEveryNth_ != 0 && corruptAllowance_.any()) {
        a.corruptEveryNth = corruptEveryNth_;
        a.corruptXor = corruptXor_;
        a.corruptRemaining = corruptAllowance_.shown();
    }
    if (lengthActive()) {
        a.lengthDelta = lengthDelta_;
        a.lengthRemaining = lengthAllowance_.shown();
    }
    if (busyAt(now)) {
        a.busyUntil = busyUntil_;
    }
    a.transferResetPending = transferResetPending_;
    a.noIrq = noIrq_;
    return a;
}

void FaultInjector::setResponseDelay(std::chrono::microseconds delay)
{
    responseDelay_ = std::max(delay, std::chrono::microseconds{0});
}

void FaultInjector::setByteDelay(std::chrono::microseconds perByte)
{
    byteDelay_ = std::max(perByte, std::chrono::microseconds{0});
}

std::chrono::microseconds FaultInjector::holdBack(const Decision& decision, std::size_t requestBytes,
                                                  std::size_t responseBytes) const
{
    return decision.delay + byteDelay_ * static_cast<std::int64_t>(requestBytes + responseBytes);
}

void FaultInjector::dropNextResponses(unsigned count)
{
    dropNext_ = count;
}

void FaultInjector::dropEveryNth(unsigned n)
{
    dropEveryNth_ = n;
    responsesSeen_ = 0;
}

void FaultInjector::addCompletionCode(const CompletionCodeFault& fault)
{
    completionCodes_.push_back(fault);
}

void FaultInjector::clearCompletionCodes()
{
    completionCodes_.clear();
}

void FaultInjector::silenceFor(std::chrono::milliseconds duration)
{
    silenceUntil(now_ + duration);
}

void FaultInjector::silenceUntil(SteadyTime until)
{
    silentUntil_ = until;
}

bool FaultInjector::silent() const
{
    return silentUntil_ && now_ < *silentUntil_;
}

void FaultInjector::clearSilence()
{
    silentUntil_.reset();
}

void FaultInjector::corruptBytes(unsigned everyNth, std::uint8_t xorMask, unsigned count)
{
    corruptEveryNth_ = everyNth;
    corruptXor_ = xorMask;
    corruptAllowance_.grant(count);
    bytesSeen_ = 0;
}

void FaultInjector::wrongLength(int delta, unsigned count)
{
    lengthDelta_ = std::clamp(delta, -kMaxLengthDelta, kMaxLengthDelta);
    lengthAllowance_.grant(count);
}

void FaultInjector::applyLength(const Decision& decision, std::vector<std::uint8_t>& response)
{
    if (decision.lengthDelta < 0) {
        const auto cut = std::min<std::size_t>(response.size(), static_cast<std::size_t>(-decision.lengthDelta));
        response.resize(response.size() - cut);
    } else {
        response.resize(response.size() + static_cast<std::size_t>(decision.lengthDelta), 0x00);
    }
}

void FaultInjector::busyUntil(SteadyTime until)
{
    busyUntil_ = until;
    ++counters_.busyEpisodes;
}

bool FaultInjector::busyAt(SteadyTime at) const
{
    return busyUntil_ && at < *busyUntil_;
}

void FaultInjector::clearBusy()
{
    busyUntil_.reset();
}

void FaultInjector::resetNextTransfer()
{
    transferResetPending_ = true;
}

void FaultInjector::transferResetDone()
{
    transferResetPending_ = false;
    ++counters_.transferResets;
}

void FaultInjector::clear()
{
    responseDelay_ = std::chrono::microseconds{0};
    byteDelay_ = std::chrono::microseconds{0};
    dropNext_ = 0;
    dropEveryNth_ = 0;
    responsesSeen_ = 0;
    completionCodes_.clear();
    silentUntil_.reset();
    corruptEveryNth_ = 0;
    corruptAllowance_ = Allowance{};
    wrongLength(0);
    busyUntil_.reset();
    transferResetPending_ = false;
    noIrq_ = false;
}

FaultInjector::Decision FaultInjector::decide(std::uint8_t netfn, std::uint8_t cmd)
{
    Decision decision;
    if (silent()) {
        decision.unanswered = true;
        ++counters_.unanswered;
        return decision;
    }
    auto match =
        std::find_if(completionCodes_.begin(), completionCodes_.end(), [netfn, cmd](const CompletionCodeFault& fault) {
            return fault.netfn == netfn && (!fault.cmd || *fault.cmd == cmd);
        });
    if (match != completionCodes_.end()) {
        decision.completionCode = match->completionCode;
        ++counters_.forcedCompletionCodes;
        if (match->count > 0 && --match->count == 0) {
            completionCodes_.erase(match);
        }
    }
    ++responsesSeen_;
    if (dropNext_ > 0) {
        --dropNext_;
        decision.dropResponse = true;
    } else if (dropEveryNth_ > 0 && responsesSeen_ % dropEveryNth_ == 0) {
        decision.dropResponse = true;
    }
    if (decision.dropResponse) {
        ++counters_.dropped;
        return decision;
    }
    if (lengthActive()) {
        decision.lengthDelta = lengthDelta_;
        ++counters_.wrongLengths;
        lengthAllowance_.spend();
    }
    decision.delay = responseDelay_;
    if (decision.delay.count() > 0 || byteDelay_.count() > 0) {
        ++counters_.delayed;
    }
    return decision;
}

std::uint8_t FaultInjector::filterByte(std::uint8_t value)
{
    if (corruptEveryNth_ == 0 || !corruptAllowance_.any()) {
        return value;
    }
    ++bytesSeen_;
    if (bytesSeen_ % corruptEveryNth_ != 0) {
        return value;
    }
    corruptAllowance_.spend();
    ++counters_.corruptedBytes;
    return static_cast<std::uint8_t>(value ^ corruptXor_);
}

} // namespace ipmi::sim
