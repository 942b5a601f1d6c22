// BT host state machine. A frame is [len][netfn/lun][seq][cmd][data...] with
// len counting the bytes after itself; the response adds the completion code
// after cmd.
#include "si/bt_sm.hpp"

#include "abi/ipmi_commands.hpp"

namespace ipmi::si {

namespace {
constexpr std::uint8_t kClrWrPtr = 0x01;
constexpr std::uint8_t kClrRdPtr = 0x02;
constexpr std::uint8_t kH2bAtn = 0x04;
constexpr std::uint8_t kB2hAtn = 0x08;
constexpr std::uint8_t kSmsAtn = 0x10;
constexpr std::uint8_t kHBusy = 0x40;
constexpr std::uint8_t kBBusy = 0x80;
constexpr std::uint8_t kBmcHwReset = 0x80; // in the interrupt mask register

constexpr std::size_t kMaxMsgLength = 272;
} // namespace

BtStateMachine::BtStateMachine(RegisterIo& io) : io_(io)
{
}

void BtStateMachine::initData()
{
    // The kernel's bt_init_data: everything but the I/O goes back to zero,
    // including the sequence number.
    state_ = State::Idle;
    complete_ = State::Idle;
    write_.clear();
    read_.clear();
    seq_ = 0;
    truncated_ = false;
    nonzeroStatus_ = 0;
    errorRetries_ = 0;
    resetTried_ = false;
    capTimeout_ = kDefaultTimeout;
    capRetries_ = kDefaultRetries;
    capOutstanding_ = 0;
    timeout_ = capTimeout_;
}

std::uint8_t BtStateMachine::beginFrame(std::span<const std::uint8_t> request)
{
    write_.clear();
    write_.push_back(static_cast<std::uint8_t>(request.size() + 1));
    write_.push_back(request[0]);
    write_.push_back(seq_++);
    write_.insert(write_.end(), request.begin() + 1, request.end());
    read_.clear();
    complete_ = State::Idle; // a capabilities exchange that failed must not claim this one's answer
    errorRetries_ = 0;
    resetTried_ = false;
    nonzeroStatus_ = 0;
    truncated_ = false;
    timeout_ = capTimeout_;
    state_ = State::XactionStart;
    return 0;
}

std::uint8_t BtStateMachine::start(std::span<const std::uint8_t> request)
{
    if (const auto cc = checkRequestLength(request, kMaxRequest); cc != 0) {
        return cc;
    }
    if (state_ == State::LongBusy) {
        return abi::IPMI_NODE_BUSY_ERR;
    }
    if (state_ != State::Idle) {
        return abi::IPMI_NOT_IN_MY_STATE_ERR;
    }
    return beginFrame(request);
}

void BtStateMachine::resetFlags()
{
    if (status() & kHBusy) {
        control(kHBusy); // force clear
    }
    control(kClrWrPtr);
    control(kSmsAtn);
    io_.write(2, kBmcHwReset);
}

void BtStateMachine::drainBmc2Host()
{
    if (!(status() & kB2hAtn)) {
        return;
    }
    control(kHBusy);  // set
    control(kB2hAtn); // acknowledge
    (void)status();   // pause
    control(kB2hAtn); // some BMCs need a second hit
    control(kClrRdPtr);
    const std::uint8_t size = bmc2host();
    for (unsigned i = 0; i < size; ++i) {
        (void)bmc2host();
    }
    control(kHBusy); // clear
}

bool BtStateMachine::readAllBytes()
{
    read_.assign(1, bmc2host());
    const unsigned count = read_[0];
    if (count < 4) {
        truncated_ = true; // a frame too short to hold netfn, seq, cmd, cc
        return true;
    }
    for (unsigned i = 1; i <= count; ++i) {
        read_.push_back(bmc2host());
    }
    // The (netfn, seq, cmd) triple must match ours; netfn ignoring the
    // response bit and the LUN.
    return read_[3] == write_[3] && read_[2] == write_[2] && (read_[1] & 0xF8) == (write_[1] & 0xF8);
}

void BtStateMachine::forceResult(std::uint8_t cc)
{
    read_ = {4, static_cast<std::uint8_t>(write_[1] | 0x04), write_[2], write_[3], cc};
}

SmResult BtStateMachine::errorRecovery(std::uint8_t statusBits, std::uint8_t cc)
{
    timeout_ = capTimeout_;
    ++errorRetries_;
    if (errorRetries_ < capRetries_) {
        state_ = State::Restart;
        return SmResult::CallWithoutDelay;
    }
    if (nonzeroStatus_ != 0 && seq_ <= static_cast<std::uint8_t>(capRetries_ & 0xFF) && !resetTried_) {
        // Most likely start-up: reset the BMC and try again. Once per
        // transaction: the kernel resets again whenever the retry after a
        // reset fails too, which never ends on a BMC whose status stays
        // stuck at start-up (the sequence number stays put while it
        // retries); one reset, then the error, keeps the transaction within
        // its retries and timeouts.
        resetTried_ = true;
        ++resets_;
        state_ = State::Reset1;
        return SmResult::CallWithoutDelay;
    }
    state_ = State::Idle;
    if (cc == abi::IPMI_TIMEOUT_ERR && (statusBits & kBBusy)) {
        cc = abi::IPMI_NODE_BUSY_ERR;
        state_ = State::LongBusy;
    }
    forceResult(cc);
    return SmResult::TransactionComplete;
}

SmResult BtStateMachine::event(Microseconds elapsed)
{
    const std::uint8_t st = status();
    nonzeroStatus_ |= st;

    if (state_ != State::Idle && state_ < State::PrintMe) {
        timeout_ -= elapsed;
        if (timeout_ < Microseconds{0} && state_ < State::Reset1) {
            return errorRecovery(st, abi::IPMI_TIMEOUT_ERR);
        }
    }

    // A late response to a timed-out request would get in the way: drop it
    // before writing (it would fail the seq check anyway). The time spent
    // draining counts against the transaction, unlike in the kernel, which
    // checks its timeout only after this and so drains a B2H_ATN that never
    // clears for ever.
    if (state_ < State::WriteBytes && (st & kB2hAtn)) {
        drainBmc2Host();
        return SmResult::CallWithDelay;
    }

    switch (state_) {
    case State::Idle:
        if (st & kSmsAtn) {
            control(kSmsAtn);
            return SmResult::Attn;
        }
        if (st & kHBusy) {
            control(kHBusy); // a leftover H_BUSY
        }
        if (capOutstanding_ == 0) {
            state_ = State::CapabilitiesBegin;
            return SmResult::CallWithoutDelay;
        }
        timeout_ = capTimeout_;
        return SmResult::Idle;

    case State::XactionStart:
        if (st & (kBBusy | kH2bAtn)) {
            return SmResult::CallWithDelay;
        }
        if (status() & kHBusy) {
            control(kHBusy);
        }
        state_ = State::WriteBytes;
        return SmResult::CallWithoutDelay;

    case State::WriteBytes:
        if (st & kHBusy) {
            control(kHBusy);
        }
        control(kClrWrPtr);
        for (const std::uint8_t byte : write_) {
            host2bmc(byte);
        }
        control(kH2bAtn);
        state_ = State::WriteConsume;
        return SmResult::CallWithoutDelay;

    case State::WriteConsume:
        if (st & (kBBusy | kH2bAtn)) {
            return SmResult::CallWithDelay;
        }
        state_ = State::ReadWait;
        return SmResult::CallWithoutDelay;

    case State::ReadWait:
        if (!(st & kB2hAtn)) {
            return SmResult::CallWithDelay;
        }
        control(kHBusy);
        control(kB2hAtn);
        state_ = State::ClearB2h;
        return SmResult::CallWithoutDelay;

    case State::ClearB2h:
        if (st & kB2hAtn) {
            control(kB2hAtn); // not seen yet: clear it again, as ipmi_bt_sm does
            return SmResult::CallWithDelay;
        }
        state_ = State::ReadBytes;
        return SmResult::CallWithoutDelay;

    case State::ReadBytes: {
        if (!(st & kHBusy)) {
            control(kHBusy);
        }
        control(kClrRdPtr);
        const bool mine = readAllBytes();
        control(kHBusy); // now clear
        if (!mine) {
            state_ = State::ReadWait; // someone else's (stale) frame
            return SmResult::CallWithoutDelay;
        }
        state_ = complete_;
        return state_ == State::Idle ? SmResult::TransactionComplete : SmResult::CallWithoutDelay;
    }

    case State::LongBusy:
        if (!(st & kBBusy)) {
            resetFlags();
            initData();
        }
        return SmResult::CallWithDelay;

    case State::Reset1:
        resetFlags();
        drainBmc2Host();
        state_ = State::Reset2;
        return SmResult::CallWithDelay;

    case State::Reset2:
        control(kClrWrPtr);
        host2bmc(3);                                // bytes following
        host2bmc(abi::IPMI_NETFN_APP_REQUEST << 2); // LUN 0
        host2bmc(42);                               // sequence number
        host2bmc(abi::IPMI_WARM_RESET_CMD);
        control(kH2bAtn);
        timeout_ = kResetDelay;
        state_ = State::Reset3;
        return SmResult::CallWithDelay;

    case State::Reset3:
        if (timeout_ > Microseconds{0}) {
            return SmResult::CallWithDelay;
        }
        drainBmc2Host();
        state_ = State::Restart;
        return SmResult::CallWithDelay;

    case State::Restart: // keep the retry count and the sequence number
        read_.clear();
        nonzeroStatus_ = 0;
        timeout_ = capTimeout_;
        state_ = State::XactionStart;
        return SmResult::CallWithDelay;

    case State::CapabilitiesBegin: {
        capOutstanding_ = 1; // never ask twice, even if this fails
        const std::uint8_t getBtCapabilities[] = {abi::IPMI_NETFN_APP_REQUEST << 2,
                                                  abi::IPMI_GET_BT_INTERFACE_CAPABILITIES_CMD};
        state_ = State::Idle;
        (void)beginFrame(getBtCapabilities);
        complete_ = State::CapabilitiesEnd;
        return SmResult::CallWithDelay;
    }

    case State::CapabilitiesEnd: {
        const core::SmiBytes caps = result();
        initData();
        // [netfn][cmd][cc][outstanding][in size][out size][req2rsp s][retries]
        if (caps.size() == 8 && caps[2] == 0) {
            capOutstanding_ = caps[3];
            capTimeout_ = Microseconds{std::int64_t{caps[6]} * 1'000'000};
            capRetries_ = caps[7];
        }
        if (capOutstanding_ == 0) {
            capOutstanding_ = 1;
        }
        timeout_ = capTimeout_;
        return SmResult::CallWithoutDelay;
    }

    case State::PrintMe:
        break;
    }
    return errorRecovery(st, abi::IPMI_ERR_UNSPECIFIED);
}

core::SmiBytes BtStateMachine::result()
{
    // read_ = [len][netfn][seq][cmd][cc][data...]; the result drops len and seq.
    const std::size_t msgLen = read_.size() >= 2 ? read_.size() - 2 : 0;
    if (msgLen < 3 || msgLen > kMaxMsgLength) {
        // The kernel forces a 0xFF result here but still reports a frame
        // too short for a completion code (truncated_) as truncated: 0xC6.
        const std::uint8_t netfn = write_.size() > 1 ? write_[1] : 0;
        const std::uint8_t cmd = write_.size() > 3 ? write_[3] : 0;
        const std::uint8_t cc = truncated_ ? abi::IPMI_ERR_MSG_TRUNCATED : abi::IPMI_ERR_UNSPECIFIED;
        return core::SmiBytes{static_cast<std::uint8_t>(netfn | 0x04), cmd, cc};
    }
    core::SmiBytes response;
    response.reserve(msgLen);
    response.push_back(read_[1]);
    response.push_back(read_[3]);
    if (truncated_) {
        response.push_back(abi::IPMI_ERR_MSG_TRUNCATED);
        return response;
    }
    response.insert(response.end(), read_.begin() + 4, read_.end());
    return response;
}

bool BtStateMachine::detect()
{
    // Control and interrupt mask both all ones: nothing is there.
    if (status() == 0xFF && io_.read(2) == 0xFF) {
        return false;
    }
    resetFlags();
    return true;
}

} // namespace ipmi::si
