// The per-interface sequence table for IPMB and LAN requests: 64 slots, the
// slot index is the IPMB sequence number. A slot starts with the 60-s
// MAX_MSG_TIMEOUT until the BMC acknowledges the Send Message, then runs on
// the retry time; every 1-s tick subtracts 1000 ms, so a retry time of N ms
// fires N-1000..N ms after the acknowledgement. On expiry the stored Send
// Message is re-sent while retries are left, else the user gets a 0xC3
// response. Responses are matched by slot, channel, cmd, netfn and address;
// anything unmatched (a late answer) is dropped.
#include "base/invariant.hpp"
#include "core/interface_state.hpp"

#include <cerrno>

namespace ipmi::core::detail {

namespace {

constexpr long kSeqIdMask = 0x3fffff;

bool retryableSendError(std::uint8_t cc)
{
    // "Try again later" codes: the request stays and times out normally.
    return cc == abi::IPMI_NODE_BUSY_ERR || cc == abi::IPMI_LOST_ARBITRATION_ERR || cc == abi::IPMI_BUS_ERR ||
           cc == abi::IPMI_NAK_ON_WRITE_ERR;
}

} // namespace

int InterfaceState::nextSeq(std::unique_ptr<PendingReply>& reply, unsigned long timeoutMs, int retries, bool broadcast,
                            unsigned& seq, long& seqid)
{
    if (timeoutMs == 0) {
        timeoutMs = params_.defaultRetryMs;
    }
    if (retries < 0) {
        retries = params_.defaultMaxRetries;
    }
    // The kernel's search: from curr_seq round the table; the slot just
    // before curr_seq is looked at last.
    unsigned i = currSeq_;
    for (; (i + 1) % kNumSeq != currSeq_; i = (i + 1) % kNumSeq) {
        if (!seqTable_[i].inuse) {
            break;
        }
    }
    auto& ent = seqTable_[i];
    if (ent.inuse) {
        return -EAGAIN;
    }
    ent.reply = std::move(reply);
    ent.timeoutMs = kMaxMsgTimeoutMs;
    ent.origTimeoutMs = timeoutMs;
    ent.retriesLeft = static_cast<unsigned>(retries < 0 ? 0 : retries);
    ent.broadcast = broadcast;
    ent.inuse = true;
    ent.seqid = (ent.seqid + 1) & kSeqIdMask;
    ent.frame.clear();
    seq = i;
    seqid = ent.seqid;
    currSeq_ = (i + 1) % kNumSeq;
    updateWatch();
    owner_.needTick();
    return 0;
}

void InterfaceState::startSeqTimer(unsigned seq, long seqid)
{
    // `seq` is the slot nextSeq() gave this Send Message, never the BMC's.
    base::invariant(seq < kNumSeq, "a Send Message of ours names a slot of the sequence table");
    auto& ent = seqTable_[seq];
    // The owner may have gone (and the slot been reused) meanwhile.
    if (ent.inuse && ent.seqid == seqid) {
        ent.timeoutMs = ent.origTimeoutMs;
    }
}

void InterfaceState::errorSeq(unsigned seq, long seqid, std::uint8_t cc)
{
    base::invariant(seq < kNumSeq, "a Send Message of ours names a slot of the sequence table");
    auto& ent = seqTable_[seq];
    if (!ent.inuse || ent.seqid != seqid) {
        return;
    }
    ent.inuse = false;
    auto reply = std::move(ent.reply);
    updateWatch();
    deliverError(std::move(reply), cc);
}

void InterfaceState::deliverError(std::unique_ptr<PendingReply> reply, std::uint8_t cc)
{
    auto& msg = reply->msg;
    msg.recvType = abi::IPMI_RESPONSE_RECV_TYPE;
    msg.netfn |= 1;
    msg.data.assign(1, cc);
    deliver(std::move(reply), Stat::HandledLocalResponses, Stat::UnhandledLocalResponses);
}

std::unique_ptr<PendingReply> InterfaceState::findSeq(unsigned seq, unsigned channel, std::uint8_t cmd,
                                                      std::uint8_t netfn, const abi::ipmi_addr& addr)
{
    if (seq >= kNumSeq) {
        return nullptr;
    }
    auto& ent = seqTable_[seq];
    if (!ent.inuse) {
        return nullptr;
    }
    const auto& msg = ent.reply->msg;
    if (static_cast<unsigned>(msg.addr.channel) != channel || msg.cmd != cmd || msg.netfn != netfn ||
        !addressEqual(addr, msg.addr)) {
        return nullptr;
    }
    ent.inuse = false;
    auto reply = std::move(ent.reply);
    updateWatch();
    return reply;
}

void InterfaceState::checkTimeouts(unsigned long periodMs)
{
    if (phase_ == Phase::ShuttingDown) {
        return;
    }
    std::vector<std::unique_ptr<PendingReply>> expired;
    bool resent = false;
    for (unsigned i = 0; i < kNumSeq; ++i) {
        auto& ent = seqTable_[i];
        if (!ent.inuse) {
            continue;
        }
        if (periodMs < ent.timeoutMs) {
            ent.timeoutMs -= periodMs;
            continue;
        }
        const bool lan = ent.reply->msg.addr.addr_type == abi::IPMI_LAN_ADDR_TYPE;
        if (ent.retriesLeft == 0) {
            ent.inuse = false;
            if (ent.broadcast) {
                inc(Stat::TimedOutIpmbBroadcasts);
            } else {
                inc(lan ? Stat::TimedOutLanCommands : Stat::TimedOutIpmbCommands);
            }
            expired.push_back(std::move(ent.reply));
            continue;
        }
        // Back to the long timer until the BMC acknowledges the resend.
        ent.timeoutMs = kMaxMsgTimeoutMs;
        --ent.retriesLeft;
        inc(lan ? Stat::RetransmittedLanCommands : Stat::RetransmittedIpmbCommands);
        Outgoing out;
        out.data = ent.frame;
        out.owner = Owner::Sequenced;
        out.seq = i;
        out.seqid = ent.seqid;
        xmit_.push_back(std::move(out));
        resent = true;
    }
    if (!expired.empty()) {
        updateWatch();
    }
    for (auto& reply : expired) {
        deliverError(std::move(reply), abi::IPMI_TIMEOUT_COMPLETION_CODE);
    }
    if (resent) {
        pump();
    }
}

void InterfaceState::dropUserSeqs(const UserState& user)
{
    for (auto& ent : seqTable_) {
        if (ent.inuse && ent.reply->user.get() == &user) {
            ent.inuse = false;
            ent.reply.reset();
        }
    }
}

void InterfaceState::failAllSeqs()
{
    for (auto& ent : seqTable_) {
        if (ent.inuse) {
            ent.inuse = false;
            deliverError(std::move(ent.reply), abi::IPMI_ERR_UNSPECIFIED);
        }
    }
}

int InterfaceState::seqsInUse() const
{
    int count = 0;
    for (const auto& ent : seqTable_) {
        count += ent.inuse ? 1 : 0;
    }
    return count;
}

void InterfaceState::handleSendMessageResponse(const Outgoing& request, const SmiBytes& rsp)
{
    if (phase_ == Phase::ShuttingDown) {
        return;
    }
    if (rsp.size() >= 3 && rsp[2] != 0 && !retryableSendError(rsp[2])) {
        inc(isLanMedium(request.head[2]) ? Stat::SentLanCommandErrs : Stat::SentIpmbCommandErrs);
        errorSeq(request.seq, request.seqid, rsp[2]);
        return;
    }
    startSeqTimer(request.seq, request.seqid);
}

} // namespace ipmi::core::detail
