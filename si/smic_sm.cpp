// SMIC host state machine.
#include "si/smic_sm.hpp"

#include "abi/ipmi_msgdefs.hpp"

namespace ipmi::si {

namespace {
constexpr unsigned kData = 0;
constexpr unsigned kControlStatus = 1;
constexpr unsigned kFlags = 2;

constexpr std::uint8_t kRxDataReady = 0x80;
constexpr std::uint8_t kTxDataReady = 0x40;
constexpr std::uint8_t kSmsDataAvail = 0x04;
constexpr std::uint8_t kBusy = 0x01;

constexpr std::uint8_t kCcGetStatus = 0x40;
constexpr std::uint8_t kCcWrStart = 0x41;
constexpr std::uint8_t kCcWrNext = 0x42;
constexpr std::uint8_t kCcWrEnd = 0x43;
constexpr std::uint8_t kCcRdStart = 0x44;
constexpr std::uint8_t kCcRdNext = 0x45;
constexpr std::uint8_t kCcRdEnd = 0x46;

constexpr std::uint8_t kScReady = 0xC0;
constexpr std::uint8_t kScWrStart = 0xC1;
constexpr std::uint8_t kScWrNext = 0xC2;
constexpr std::uint8_t kScWrEnd = 0xC3;
constexpr std::uint8_t kScRdStart = 0xC4;
constexpr std::uint8_t kScRdNext = 0xC5;
constexpr std::uint8_t kScRdEnd = 0xC6;
} // namespace

SmicStateMachine::SmicStateMachine(RegisterIo& io) : io_(io)
{
}

std::uint8_t SmicStateMachine::start(std::span<const std::uint8_t> request)
{
    if (const auto cc = checkRequestLength(request, kMaxWrite); cc != 0) {
        return cc;
    }
    if (state_ != State::Idle && state_ != State::Hosed) {
        return abi::IPMI_NOT_IN_MY_STATE_ERR;
    }
    transfer_.begin(request);
    errorRetries_ = 0;
    timeout_ = kRetryTimeout;
    state_ = State::StartOp;
    return 0;
}

void SmicStateMachine::writeNextByte()
{
    io_.write(kData, transfer_.nextWriteByte());
}

void SmicStateMachine::readNextByte()
{
    transfer_.store(io_.read(kData));
}

void SmicStateMachine::go(std::uint8_t control, std::uint8_t flags)
{
    io_.write(kControlStatus, control);
    io_.write(kFlags, static_cast<std::uint8_t>(flags | kBusy));
}

void SmicStateMachine::startErrorRecovery(const char* reason)
{
    lastErrorReason_ = reason;
    ++errorRetries_;
    if (errorRetries_ > kMaxErrorRetries) {
        state_ = State::Hosed;
        return;
    }
    transfer_.rewind();
    state_ = State::StartOp;
    timeout_ = kRetryTimeout;
}

SmResult SmicStateMachine::event(Microseconds elapsed)
{
    if (state_ == State::Hosed) {
        state_ = State::Idle;
        return SmResult::Hosed;
    }
    if (state_ != State::Idle) {
        timeout_ -= elapsed;
        if (timeout_ < Microseconds{0}) {
            startErrorRecovery("smic timed out");
            return SmResult::CallWithDelay;
        }
    }
    const std::uint8_t flags = io_.read(kFlags);
    if (flags & kBusy) {
        return SmResult::CallWithDelay;
    }
    const std::uint8_t status = io_.read(kControlStatus);

    switch (state_) {
    case State::Idle:
        return (flags & kSmsDataAvail) ? SmResult::Attn : SmResult::Idle;
    case State::Hosed:
        state_ = State::Idle;
        return SmResult::Hosed;
    case State::StartOp:
        go(kCcGetStatus, flags);
        state_ = State::OpOk;
        break;
    case State::OpOk:
        if (status != kScReady) {
            startErrorRecovery("status not READY after GET_STATUS");
            return SmResult::CallWithDelay;
        }
        io_.write(kControlStatus, kCcWrStart);
        writeNextByte();
        io_.write(kFlags, static_cast<std::uint8_t>(flags | kBusy));
        state_ = State::WriteStart;
        break;
    case State::WriteStart:
    case State::WriteNext: {
        const std::uint8_t expected = state_ == State::WriteStart ? kScWrStart : kScWrNext;
        if (status != expected) {
            startErrorRecovery("unexpected status while writing");
            return SmResult::CallWithDelay;
        }
        // WR_NEXT / WR_END only while the SMIC takes data.
        if (!(flags & kTxDataReady)) {
            return SmResult::CallWithDelay;
        }
        if (transfer_.writeLeft() == 1) {
            io_.write(kControlStatus, kCcWrEnd);
            state_ = State::WriteEnd;
        } else {
            io_.write(kControlStatus, kCcWrNext);
            state_ = State::WriteNext;
        }
        writeNextByte();
        io_.write(kFlags, static_cast<std::uint8_t>(flags | kBusy));
        break;
    }
    case State::WriteEnd:
        if (status != kScWrEnd) {
            startErrorRecovery("status not WR_END after the last byte");
            return SmResult::CallWithDelay;
        }
        if (io_.read(kData) != 0) {
            startErrorRecovery("SMIC reported an error after WR_END");
            return SmResult::CallWithDelay;
        }
        state_ = State::Write2Read;
        break;
    case State::Write2Read:
        if (!(flags & kRxDataReady)) {
            return SmResult::CallWithDelay;
        }
        go(kCcRdStart, flags);
        state_ = State::ReadStart;
        break;
    case State::ReadStart:
        if (status != kScRdStart) {
            startErrorRecovery("status not RD_START");
            return SmResult::CallWithDelay;
        }
        if (!(flags & kRxDataReady)) {
            return SmResult::CallWithDelay;
        }
        readNextByte();
        go(kCcRdNext, flags);
        state_ = State::ReadNext;
        break;
    case State::ReadNext:
        if (status == kScRdEnd) {
            readNextByte();
            go(kCcRdEnd, flags);
            state_ = State::ReadEnd;
            break;
        }
        if (status == kScRdNext) {
            if (!(flags & kRxDataReady)) {
                return SmResult::CallWithDelay;
            }
            readNextByte();
            if (transfer_.overrun()) {
                startErrorRecovery("response longer than any IPMI message");
                return SmResult::CallWithDelay;
            }
            go(kCcRdNext, flags);
            break;
        }
        startErrorRecovery("status not RD_NEXT or RD_END");
        return SmResult::CallWithDelay;
    case State::ReadEnd:
        if (status != kScReady) {
            startErrorRecovery("status not READY after RD_END");
            return SmResult::CallWithDelay;
        }
        if (io_.read(kData) != 0) {
            startErrorRecovery("SMIC reported an error after RD_END");
            return SmResult::CallWithDelay;
        }
        state_ = State::Idle;
        return SmResult::TransactionComplete;
    }
    timeout_ = kRetryTimeout;
    return SmResult::CallWithoutDelay;
}

core::SmiBytes SmicStateMachine::result()
{
    return transfer_.result();
}

bool SmicStateMachine::detect()
{
    return io_.read(kFlags) != 0xFF;
}

} // namespace ipmi::si
