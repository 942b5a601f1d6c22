// KCS host state machine. Status bits: 0 OBF, 1 IBF, 2 SMS_ATN, 7:6 state.
#include "si/kcs_sm.hpp"

#include "abi/ipmi_msgdefs.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ipmi::si {

namespace {
constexpr std::uint8_t kObf = 0x01;
constexpr std::uint8_t kIbf = 0x02;
constexpr std::uint8_t kSmsAtn = 0x04;
constexpr std::uint8_t kIdleState = 0;
constexpr std::uint8_t kReadState = 1;
constexpr std::uint8_t kWriteState = 2;

constexpr std::uint8_t kGetStatusAbort = 0x60;
constexpr std::uint8_t kWriteStart = 0x61;
constexpr std::uint8_t kWriteEnd = 0x62;
constexpr std::uint8_t kReadByte = 0x68;

constexpr std::uint8_t stateOf(std::uint8_t status)
{
    return static_cast<std::uint8_t>(status >> 6);
}
} // namespace

KcsStateMachine::KcsStateMachine(RegisterIo& io) : io_(io)
{
}

std::uint8_t KcsStateMachine::start(std::span<const std::uint8_t> request)
{
    if (const auto cc = checkRequestLength(request, kMaxWrite); cc != 0) {
        return cc;
    }
    if (state_ != State::Idle && state_ != State::Hosed) {
        return abi::IPMI_NOT_IN_MY_STATE_ERR;
    }
    transfer_.begin(request);
    origWriteCount_ = request.size();
    errorRetries_ = 0;
    ibfTimeout_ = kIbfTimeout;
    obfTimeout_ = kObfTimeout;
    state_ = State::StartOp;
    return 0;
}

void KcsStateMachine::restart()
{
    transfer_.rewind();
    ibfTimeout_ = kIbfTimeout;
    obfTimeout_ = kObfTimeout;
    state_ = State::StartOp;
}

void KcsStateMachine::clearObf(std::uint8_t status)
{
    if (status & kObf) {
        (void)readData();
    }
}

void KcsStateMachine::writeNextByte()
{
    writeData(transfer_.nextWriteByte());
}

void KcsStateMachine::readNextByte()
{
    transfer_.store(readData());
    writeData(kReadByte);
}

void KcsStateMachine::startErrorRecovery(const char* reason)
{
    lastErrorReason_ = reason;
    ++errorRetries_;
    if (errorRetries_ > kMaxErrorRetries) {
        state_ = State::Hosed;
        return;
    }
    error0Wait_ = kError0ObfWait;
    state_ = State::Error0;
}

bool KcsStateMachine::checkIbf(std::uint8_t status, Microseconds elapsed)
{
    if (status & kIbf) {
        ibfTimeout_ -= elapsed;
        if (ibfTimeout_ < Microseconds{0}) {
            startErrorRecovery("IBF not ready in time");
            ibfTimeout_ = kIbfTimeout;
            return true;
        }
        return false;
    }
    ibfTimeout_ = kIbfTimeout;
    return true;
}

bool KcsStateMachine::inState(std::uint8_t kcsState, std::uint8_t wanted, const char* reason)
{
    if (kcsState != wanted) {
        startErrorRecovery(reason);
        return false;
    }
    return true;
}

// On every byte of every response: kept in event()'s body, not a call.
[[gnu::always_inline]] inline std::optional<SmResult>
KcsStateMachine::awaitByte(std::uint8_t status, std::uint8_t wanted, Microseconds elapsed, const char* reason)
{
    if (!inState(stateOf(status), wanted, reason)) {
        return afterStep();
    }
    if (!(status & kObf)) {
        obfTimeout_ -= elapsed;
        if (obfTimeout_ < Microseconds{0}) {
            obfTimeout_ = kObfTimeout;
            startErrorRecovery("OBF not ready in time");
            return afterStep();
        }
        return SmResult::CallWithDelay;
    }
    obfTimeout_ = kObfTimeout;
    return std::nullopt;
}

std::string KcsStateMachine::hosedReason() const
{
    return fmt::format("kcs: {} (status {:#04x}), {} recoveries failed", lastErrorReason_, lastStatus_,
                       kMaxErrorRetries);
}

SmResult KcsStateMachine::afterStep()
{
    if (state_ == State::Hosed) {
        state_ = State::Idle;
        return SmResult::Hosed;
    }
    return SmResult::CallWithoutDelay;
}

SmResult KcsStateMachine::event(Microseconds elapsed)
{
    if (state_ == State::Hosed) {
        state_ = State::Idle;
        return SmResult::Hosed;
    }
    std::uint8_t status = readStatus();
    lastStatus_ = status;
    if (state_ == State::Idle) {
        if (status & kIbf) {
            return SmResult::Idle; // nothing of ours in flight; don't poke a busy controller
        }
        clearObf(status);
        return (status & kSmsAtn) ? SmResult::Attn : SmResult::Idle;
    }

    // Every state waits for IBF first.
    const State before = state_;
    if (!checkIbf(status, elapsed)) {
        return SmResult::CallWithDelay;
    }
    if (state_ != before) {
        return afterStep(); // the IBF timeout started recovery
    }
    const std::uint8_t kcsState = stateOf(status);

    switch (state_) {
    case State::Idle:
    case State::Hosed:
        break;
    case State::StartOp:
        if (!inState(kcsState, kIdleState, "state machine not idle at start")) {
            break;
        }
        clearObf(status);
        writeCommand(kWriteStart);
        state_ = State::WaitWriteStart;
        break;
    case State::WaitWriteStart:
        if (!inState(kcsState, kWriteState, "not in write state at write start")) {
            break;
        }
        (void)readData();
        if (transfer_.writeLeft() == 1) {
            writeCommand(kWriteEnd);
            state_ = State::WaitWriteEnd;
        } else {
            writeNextByte();
            state_ = State::WaitWrite;
        }
        break;
    case State::WaitWrite:
        if (!inState(kcsState, kWriteState, "not in write state for write")) {
            break;
        }
        clearObf(status);
        if (transfer_.writeLeft() == 1) {
            writeCommand(kWriteEnd);
            state_ = State::WaitWriteEnd;
        } else {
            writeNextByte();
        }
        break;
    case State::WaitWriteEnd:
        if (!inState(kcsState, kWriteState, "not in write state for write end")) {
            break;
        }
        clearObf(status);
        writeNextByte();
        state_ = State::WaitRead;
        break;
    case State::WaitRead:
        if (kcsState != kIdleState) {
            if (const auto wait = awaitByte(status, kReadState, elapsed, "not in read or idle in read state")) {
                return *wait;
            }
            readNextByte();
            if (transfer_.overrun()) {
                startErrorRecovery("response longer than any IPMI message");
            }
            break;
        }
        // Idle: done. Some BMCs never write the final dummy byte, so it is
        // not required; a present one is just cleared.
        clearObf(status);
        origWriteCount_ = 0;
        state_ = State::Idle;
        return SmResult::TransactionComplete;
    case State::Error0:
        clearObf(status);
        status = readStatus();
        if (status & kObf) {
            // The controller keeps producing bytes; let it settle a while.
            error0Wait_ -= elapsed;
            if (error0Wait_ > Microseconds{0}) {
                return SmResult::CallWithTickDelay;
            }
        }
        writeCommand(kGetStatusAbort);
        state_ = State::Error1;
        break;
    case State::Error1:
        clearObf(status);
        writeData(0);
        state_ = State::Error2;
        break;
    case State::Error2:
        if (const auto wait = awaitByte(status, kReadState, elapsed, "not in read state for error2")) {
            return *wait;
        }
        clearObf(status); // the error byte: recovery proceeds whatever it says
        writeData(kReadByte);
        state_ = State::Error3;
        break;
    case State::Error3:
        if (const auto wait = awaitByte(status, kIdleState, elapsed, "not in idle state for error3")) {
            return *wait;
        }
        clearObf(status);
        if (origWriteCount_ != 0) {
            restart();
        } else {
            state_ = State::Idle;
            return SmResult::TransactionComplete;
        }
        break;
    }
    return afterStep();
}

core::SmiBytes KcsStateMachine::result()
{
    return transfer_.result();
}

bool KcsStateMachine::detect()
{
    // A real KCS status register is never all ones; a bus with nothing
    // behind it is.
    return readStatus() != 0xFF;
}

} // namespace ipmi::si
