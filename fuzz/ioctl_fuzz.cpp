// Target (1): /dev/ipmiN's ioctl path. The input is a program of operations
// on one interface: open and close files, lay out ioctl arguments in the
// caller's memory (raw bytes, or ipmi_req/ipmi_recv/ipmi_addr helpers in the
// native or the 32-bit layout), run an ioctl, answer the interface's pending
// request with arbitrary bytes, deliver arbitrary BMC-initiated messages,
// advance time, poll. An ioctl runs either through the CUSE retry protocol
// (cuse_dev/ioctl_marshal.hpp against a model of fs/fuse/ioctl.c, with the
// caller's memory or the interface changing between the rounds, or the
// server forgetting its plan) or in place (stores deferred and committed as
// cuse/caller_memory.hpp does), native or compat.
//
// Checked besides "no crash, no sanitizer report":
//   - every store into the caller's memory lies inside what the ioctl may
//     write (the argument's _IOC_SIZE, and a RECEIVE's address and data
//     buffers as the caller named them);
//   - the retry protocol stays within the kernel's limits (iovec count and
//     size, 32-bit ranges for a compat caller, no more bytes than the
//     out-ranges hold) and ends;
//   - every accepted request gets exactly one response: once time has run
//     past every timeout and the interface has answered everything, each
//     request SENT with status 0 has had one response with its msgid, and
//     no response came that was not asked for.
//
// The input: four bytes of set-up (max_msgs_per_user, default retries and
// retry time, the BMC's IPMI version and channels), then operations, each
// a code byte (mod 11) and its fields (Session::step; corpus/generate.py
// writes them): 0 open SLOT, 1 close SLOT, 2 poke PTR LEN BYTES,
// 3 lay out a request or receive struct, 4 lay out an address, 5 ioctl SLOT
// CMD MODE PTR TWIST, 6 answer the pending request, 7 a BMC-initiated
// message, 8 advance MS, 9 poll SLOT, 10 a watchdog pre-timeout.
#include "abi/ipmi.hpp"
#include "abi/ipmi_compat.hpp"
#include "core/device_file.hpp"
#include "core/message_handler.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/scripted_interface.hpp"
#include "cuse_dev/ioctl_marshal.hpp"
#include "fuzz/caller_space.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/fuzz_input.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace ipmi::fuzz {
namespace {

using cuse::RetryPlan;
using cuse::UserRange;

// Caller memory: a low region every caller reaches, and one above 4 GiB
// that only a native caller can name.
constexpr std::uint64_t kLow = 0x10000;
constexpr std::size_t kLowSize = 0x2000;
constexpr std::uint64_t kHigh = 0x7FFD00000000;
constexpr std::size_t kHighSize = 0x400;

constexpr std::size_t kMaxFiles = 4;
// fs/fuse/ioctl.c: FUSE_IOCTL_MAX_IOV iovecs per direction, and at most
// max_pages (32 by default, CUSE keeps it) pages of data per direction.
constexpr std::size_t kMaxIovecs = 256;
constexpr std::size_t kMaxIoctlBytes = 32 * 4096;
// Rounds of one ioctl after its last twist before the retry protocol
// counts as looping.
constexpr int kMaxQuietRounds = 8;

constexpr std::array<std::uint32_t, 25> kCommands{
    abi::IPMICTL_RECEIVE_MSG_TRUNC,
    abi::IPMICTL_RECEIVE_MSG,
    abi::IPMICTL_SEND_COMMAND,
    abi::IPMICTL_REGISTER_FOR_CMD,
    abi::IPMICTL_UNREGISTER_FOR_CMD,
    abi::IPMICTL_SET_GETS_EVENTS_CMD,
    abi::IPMICTL_SET_MY_ADDRESS_CMD,
    abi::IPMICTL_GET_MY_ADDRESS_CMD,
    abi::IPMICTL_SET_MY_LUN_CMD,
    abi::IPMICTL_GET_MY_LUN_CMD,
    abi::IPMICTL_SEND_COMMAND_SETTIME,
    abi::IPMICTL_SET_TIMING_PARMS_CMD,
    abi::IPMICTL_GET_TIMING_PARMS_CMD,
    abi::IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD,
    abi::IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD,
    abi::IPMICTL_SET_MY_CHANNEL_LUN_CMD,
    abi::IPMICTL_GET_MY_CHANNEL_LUN_CMD,
    abi::IPMICTL_REGISTER_FOR_CMD_CHANS,
    abi::IPMICTL_UNREGISTER_FOR_CMD_CHANS,
    abi::IPMICTL_GET_MAINTENANCE_MODE_CMD,
    abi::IPMICTL_SET_MAINTENANCE_MODE_CMD,
    abi::COMPAT_IPMICTL_SEND_COMMAND,
    abi::COMPAT_IPMICTL_SEND_COMMAND_SETTIME,
    abi::COMPAT_IPMICTL_RECEIVE_MSG,
    abi::COMPAT_IPMICTL_RECEIVE_MSG_TRUNC,
};

std::string hex(std::uint64_t value)
{
    std::array<char, 24> text{};
    std::snprintf(text.data(), text.size(), "%#llx", static_cast<unsigned long long>(value));
    return text.data();
}

bool isCompatCommand(std::uint32_t cmd)
{
    return cmd == abi::COMPAT_IPMICTL_SEND_COMMAND || cmd == abi::COMPAT_IPMICTL_SEND_COMMAND_SETTIME ||
           cmd == abi::COMPAT_IPMICTL_RECEIVE_MSG || cmd == abi::COMPAT_IPMICTL_RECEIVE_MSG_TRUNC;
}

// How the file reads an ioctl's argument: which layout, and what kind.
struct Decoded
{
    bool known = false;
    bool compatLayout = false;
    bool send = false;
    bool receive = false;
    bool truncating = false;
};

Decoded decode(std::uint32_t cmd, bool compat)
{
    Decoded d;
    const bool knownNative = std::find(kCommands.begin(), kCommands.end() - 4, cmd) != kCommands.end() - 4;
    d.known = knownNative || (compat && isCompatCommand(cmd));
    if (!d.known) {
        return d;
    }
    d.compatLayout = compat && isCompatCommand(cmd);
    d.send = cmd == abi::IPMICTL_SEND_COMMAND || cmd == abi::IPMICTL_SEND_COMMAND_SETTIME ||
             (d.compatLayout &&
              (cmd == abi::COMPAT_IPMICTL_SEND_COMMAND || cmd == abi::COMPAT_IPMICTL_SEND_COMMAND_SETTIME));
    d.truncating =
        cmd == abi::IPMICTL_RECEIVE_MSG_TRUNC || (d.compatLayout && cmd == abi::COMPAT_IPMICTL_RECEIVE_MSG_TRUNC);
    d.receive =
        d.truncating || cmd == abi::IPMICTL_RECEIVE_MSG || (d.compatLayout && cmd == abi::COMPAT_IPMICTL_RECEIVE_MSG);
    return d;
}

// The layout-independent fields of ipmi_req / ipmi_recv as the caller's
// memory holds them now.
struct Transfer
{
    int recvType = 0;
    std::uint64_t addr = 0;
    std::uint32_t addrLen = 0;
    std::int32_t msgid = 0; // as a 32-bit caller sees it: the key responses are matched by
    std::uint8_t netfn = 0;
    std::uint64_t data = 0;
    std::uint16_t dataLen = 0;
};

std::optional<Transfer> readTransfer(const CallerSpace& space, std::uint64_t arg, const Decoded& d)
{
    Transfer t;
    if (d.compatLayout && d.send) {
        abi::compat_ipmi_req r{};
        if (!space.get(arg, r)) {
            return std::nullopt;
        }
        t = Transfer{0, r.addr, r.addr_len, r.msgid, r.msg.netfn, r.msg.data, r.msg.data_len};
    } else if (d.compatLayout) {
        abi::compat_ipmi_recv r{};
        if (!space.get(arg, r)) {
            return std::nullopt;
        }
        t = Transfer{r.recv_type, r.addr, r.addr_len, r.msgid, r.msg.netfn, r.msg.data, r.msg.data_len};
    } else if (d.send) {
        abi::ipmi_req r{};
        if (!space.get(arg, r)) {
            return std::nullopt;
        }
        t = Transfer{0,
                     reinterpret_cast<std::uintptr_t>(r.addr),
                     r.addr_len,
                     static_cast<std::int32_t>(r.msgid),
                     r.msg.netfn,
                     reinterpret_cast<std::uintptr_t>(r.msg.data),
                     r.msg.data_len};
    } else {
        abi::ipmi_recv r{};
        if (!space.get(arg, r)) {
            return std::nullopt;
        }
        t = Transfer{r.recv_type,   reinterpret_cast<std::uintptr_t>(r.addr),
                     r.addr_len,    static_cast<std::int32_t>(r.msgid),
                     r.msg.netfn,   reinterpret_cast<std::uintptr_t>(r.msg.data),
                     r.msg.data_len};
    }
    return t;
}

// What an ioctl may store, given the caller's memory as it is now.
std::vector<UserRange> writableWindows(const CallerSpace& space, std::uint32_t cmd, std::uint64_t arg, bool compat)
{
    const Decoded d = decode(cmd, compat);
    if (!d.known) {
        return {};
    }
    std::vector<UserRange> windows{UserRange{arg, abi::ioc_size(cmd)}};
    if (d.receive) {
        if (auto t = readTransfer(space, arg, d)) {
            windows.push_back(UserRange{t->addr, t->addrLen});
            windows.push_back(UserRange{t->data, t->dataLen});
        }
    }
    return windows;
}

// core's view of the caller's memory when it is reached in place: reads
// at once, stores deferred until commit(), as cuse/caller_memory.hpp.
class InPlaceMemory final : public core::UserMemory
{
  public:
    explicit InPlaceMemory(CallerSpace& space) : space_(space) {}

    core::Copy copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len) override
    {
        return space_.read(userAddr, len, static_cast<std::uint8_t*>(dst)) ? core::Copy::Done : core::Copy::Fault;
    }
    core::Copy copyToUser(std::uint64_t userAddr, const void* src, std::size_t len) override
    {
        const auto* bytes = static_cast<const std::uint8_t*>(src);
        deferred_.push_back(Deferred{userAddr, std::vector<std::uint8_t>(bytes, bytes + len)});
        return core::Copy::Done;
    }
    core::Copy commit() override
    {
        for (auto& d : deferred_) {
            if (!space_.store(d.addr, d.bytes.data(), d.bytes.size())) {
                deferred_.clear();
                return core::Copy::Fault;
            }
        }
        deferred_.clear();
        return core::Copy::Done;
    }

  private:
    struct Deferred
    {
        std::uint64_t addr;
        std::vector<std::uint8_t> bytes;
    };
    CallerSpace& space_;
    std::vector<Deferred> deferred_;
};

struct OpenFile
{
    std::unique_ptr<core::DeviceFile> file;
    // Requests accepted and not yet answered, by msgid (as 32 bits).
    std::map<std::int32_t, int> awaiting;
};

class Session
{
  public:
    explicit Session(FuzzInput& in) : in_(in)
    {
        core::MessageHandlerParams params;
        params.maxMsgsPerUser = 1 + in_.u8() % 16;
        params.defaultMaxRetries = in_.u8() % 3;
        params.defaultRetryMs = 100 + in_.u8() * 10U;
        handler_ = std::make_unique<core::MessageHandler>(loop_, params);
        auto iface = std::make_unique<core::testing::ScriptedInterface>();
        bmc_ = iface.get();
        core::testing::BmcIdentity identity;
        const std::uint8_t shape = in_.u8();
        identity.ipmiVersion = (shape & 1U) != 0 ? 0x51 : 0x02;
        identity.channelInfoUnsupported = (shape & 2U) != 0;
        identity.mediums[2] = (shape & 4U) != 0 ? 0x01 : 0x00; // a second IPMB channel
        bmc_->enableIdentity(identity);
        ifnum_ = handler_->addInterface(std::move(iface));
        loop_.runPosted();
        bmc_->disableIdentity();
        space_.map(kLow, kLowSize);
        space_.map(kHigh, kHighSize);
    }
    ~Session()
    {
        files_ = {};
        handler_.reset();
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void run()
    {
        while (!in_.empty()) {
            step(in_.u8(), 0);
        }
        settle();
    }

  private:
    // One operation; `depth` > 0 inside an ioctl's retry rounds.
    void step(std::uint8_t op, int depth)
    {
        switch (op % 11) {
        case 0:
            open(in_.u8() % kMaxFiles);
            break;
        case 1:
            files_.at(in_.u8() % kMaxFiles).reset();
            break;
        case 2: {
            const std::uint64_t at = pointer();
            const auto bytes = in_.shortBytes();
            space_.write(at, bytes.data(), bytes.size());
            break;
        }
        case 3:
            layOutTransfer();
            break;
        case 4:
            layOutAddress();
            break;
        case 5:
            if (depth == 0) {
                ioctl();
            }
            break;
        case 6:
            answer();
            break;
        case 7:
            bmc_->receive(in_.shortBytes());
            loop_.runPosted();
            break;
        case 8:
            loop_.advance(std::chrono::milliseconds(in_.u16()));
            break;
        case 9:
            poll(in_.u8() % kMaxFiles);
            break;
        default:
            bmc_->pretimeout();
            loop_.runPosted();
            break;
        }
    }

    // An address the caller names: mostly inside the low region (so a
    // struct, its address and its data can be laid out), sometimes null,
    // high, wild or straddling the low region's end.
    std::uint64_t pointer()
    {
        const std::uint16_t sel = in_.u16();
        if (sel < 0xF000) {
            return kLow + sel % kLowSize;
        }
        switch (sel & 3U) {
        case 0:
            return 0;
        case 1:
            return kHigh + in_.u16() % kHighSize;
        case 2:
            return in_.u64();
        default:
            return kLow + kLowSize - ((sel >> 2U) & 0x3FU);
        }
    }

    void open(std::size_t slot)
    {
        if (files_.at(slot)) {
            return;
        }
        auto opened = core::openDeviceFile(*handler_, ifnum_);
        if (opened) {
            files_.at(slot) = std::make_unique<OpenFile>(OpenFile{std::move(opened.value), {}});
        }
    }

    void layOutTransfer()
    {
        const std::uint8_t kind = in_.u8();
        const std::uint64_t at = pointer();
        const std::uint64_t addr = pointer();
        const std::uint32_t addrLen = in_.u8() % 48;
        const std::int64_t msgid = static_cast<std::int32_t>(in_.u32());
        const std::uint8_t netfn = in_.u8();
        const std::uint8_t cmd = in_.u8();
        const std::uint64_t data = pointer();
        const std::uint16_t dataLen = (kind & 8U) != 0 ? in_.u16() : in_.u8();
        const int retries = static_cast<int>(in_.u8()) - 128; // negative: the file's default
        const std::uint32_t retryMs = in_.u16();
        const bool compat = (kind & 4U) != 0;
        switch (kind & 3U) {
        case 0:
        case 1: { // a request, SETTIME's tail included (ignored by SEND_COMMAND)
            if (compat) {
                abi::compat_ipmi_req_settime r{};
                r.req = abi::compat_ipmi_req{
                    static_cast<abi::compat_uptr_t>(addr), addrLen, static_cast<std::int32_t>(msgid),
                    abi::compat_ipmi_msg{netfn, cmd, dataLen, static_cast<abi::compat_uptr_t>(data)}};
                r.retries = retries;
                r.retry_time_ms = retryMs;
                space_.put(at, r);
            } else {
                abi::ipmi_req_settime r{};
                r.req =
                    abi::ipmi_req{reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(addr)), addrLen,
                                  static_cast<long>(msgid),
                                  abi::ipmi_msg{netfn, cmd, dataLen,
                                                reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(data))}};
                r.retries = retries;
                r.retry_time_ms = retryMs;
                space_.put(at, r);
            }
            break;
        }
        default: { // a receive buffer
            if (compat) {
                abi::compat_ipmi_recv r{};
                r.addr = static_cast<abi::compat_uptr_t>(addr);
                r.addr_len = addrLen;
                r.msg.data = static_cast<abi::compat_uptr_t>(data);
                r.msg.data_len = dataLen;
                space_.put(at, r);
            } else {
                abi::ipmi_recv r{};
                r.addr = reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(addr));
                r.addr_len = addrLen;
                r.msg.data = reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(data));
                r.msg.data_len = dataLen;
                space_.put(at, r);
            }
            break;
        }
        }
    }

    void layOutAddress()
    {
        static constexpr std::array<int, 4> kTypes{abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE, abi::IPMI_IPMB_ADDR_TYPE,
                                                   abi::IPMI_IPMB_BROADCAST_ADDR_TYPE, abi::IPMI_LAN_ADDR_TYPE};
        const std::uint64_t at = pointer();
        const std::uint8_t sel = in_.u8();
        std::array<std::uint8_t, sizeof(abi::ipmi_addr)> bytes{};
        const int type = sel < 0xF0 ? kTypes.at(sel % kTypes.size()) : static_cast<int>(in_.u32());
        const short channel = static_cast<short>(in_.u8() < 0xF0 ? in_.u8() % 16 : in_.u16());
        std::memcpy(bytes.data(), &type, sizeof type);
        std::memcpy(bytes.data() + sizeof type, &channel, sizeof channel);
        const auto tail = in_.bytes(6);
        std::copy(tail.begin(), tail.end(), bytes.begin() + sizeof type + sizeof channel);
        space_.write(at, bytes.data(), bytes.size());
    }

    void answer()
    {
        // The fields are read whether or not a request is pending, so an
        // operation's length never depends on the state.
        const bool withCc = (in_.u8() & 1U) != 0;
        const std::uint8_t cc = withCc ? in_.u8() : 0;
        auto bytes = in_.shortBytes();
        if (!bmc_->pending()) {
            return;
        }
        if (withCc) {
            bmc_->respondCc(cc, bytes);
        } else {
            bmc_->respond(std::move(bytes));
        }
        loop_.runPosted();
    }

    void poll(std::size_t slot)
    {
        const auto& of = files_.at(slot);
        if (!of) {
            return;
        }
        if (of->file->readable() != of->file->peekReceive().has_value()) {
            fail("poll: readable() and peekReceive() disagree");
        }
    }

    void ioctl()
    {
        const std::size_t slot = in_.u8() % kMaxFiles;
        const std::uint8_t sel = in_.u8();
        const std::uint32_t cmd = sel < 0xF0 ? kCommands.at(sel % kCommands.size()) : in_.u32();
        const std::uint8_t mode = in_.u8();
        const bool compat = (mode & 1U) != 0;
        const bool inPlace = (mode & 2U) != 0;
        std::uint64_t arg = pointer();
        if (compat) {
            arg &= 0xFFFFFFFFU;
        }
        const std::uint8_t twist = in_.u8();
        if (!files_.at(slot)) {
            return;
        }
        const Decoded d = decode(cmd, compat);
        std::optional<long> result =
            inPlace ? ioctlInPlace(slot, cmd, arg, compat) : ioctlByRetry(slot, cmd, arg, compat, twist);
        trace("ioctl file " + std::to_string(slot) + " cmd " + hex(cmd) + (compat ? " compat" : "") +
              (inPlace ? " in place" : " by retry") + ": " + (result ? std::to_string(*result) : "file closed"));
        if (!result || !files_.at(slot)) {
            return; // closed between the rounds: nothing to account
        }
        account(*files_.at(slot), d, arg, *result);
    }

    std::optional<long> ioctlInPlace(std::size_t slot, std::uint32_t cmd, std::uint64_t arg, bool compat)
    {
        const auto windows = writableWindows(space_, cmd, arg, compat);
        InPlaceMemory memory(space_);
        core::IoctlResult result = files_.at(slot)->file->ioctl(cmd, arg, memory, compat);
        if (const core::Copy committed = memory.commit();
            committed != core::Copy::Done && !result.unfetched() && result.value() >= 0) {
            result = committed;
        }
        if (result.unfetched()) {
            fail("in place: an ioctl answered 'unfetched' with every range reachable");
        }
        checkStores(windows, cmd);
        loop_.runPosted();
        return result.value();
    }

    // The kernel's side of an unrestricted CUSE ioctl (fs/fuse/ioctl.c),
    // with the caller's other threads and the BMC acting between rounds.
    // `twist` changes one round: bits 0-1 the round (1-4), bit 2 another
    // thread, the BMC or time acts first (the operation follows in the
    // input), bit 3 the server has lost its plan (a new caller thread).
    std::optional<long> ioctlByRetry(std::size_t slot, std::uint32_t cmd, std::uint64_t arg, bool compat,
                                     std::uint8_t twist)
    {
        const int twistRound = 1 + (twist & 3U);
        RetryPlan plan;
        bool retried = false;
        int rounds = 0;
        for (std::vector<UserRange> windows;; ++rounds) {
            if (rounds == twistRound) {
                if ((twist & 4U) != 0) {
                    step(in_.u8(), 1);
                    if (!files_.at(slot)) {
                        return std::nullopt;
                    }
                }
                if ((twist & 8U) != 0) {
                    retried = false;
                }
            }
            if (rounds > twistRound + kMaxQuietRounds) {
                fail("retry protocol: the server keeps asking for retries");
            }
            std::vector<std::uint8_t> inBytes;
            for (const auto& range : plan.in) {
                const auto at = inBytes.size();
                inBytes.resize(at + range.len);
                if (!space_.read(range.addr, range.len, inBytes.data() + at)) {
                    return -EFAULT;
                }
            }
            std::size_t outSize = 0;
            for (const auto& range : plan.out) {
                outSize += range.len;
            }
            const auto now = writableWindows(space_, cmd, arg, compat);
            windows.insert(windows.end(), now.begin(), now.end());
            const cuse::IoctlCall call{cmd, arg, compat, inBytes, outSize};
            auto outcome = cuse::marshalIoctl(*files_.at(slot)->file, call, retried ? &plan : nullptr);
            loop_.runPosted();
            if (auto* retry = std::get_if<cuse::IoctlRetry>(&outcome)) {
                plan = std::move(retry->plan);
                retried = true;
                checkPlan(plan, compat);
                continue;
            }
            const auto& reply = std::get<cuse::IoctlReply>(outcome);
            if (reply.out.size() > outSize) {
                fail("retry protocol: more bytes out than the out-ranges hold");
            }
            std::size_t done = 0;
            long rv = reply.result;
            for (const auto& range : plan.out) {
                const std::size_t n = std::min(range.len, reply.out.size() - done);
                if (n == 0) {
                    break;
                }
                if (!space_.store(range.addr, reply.out.data() + done, n)) {
                    rv = -EFAULT;
                    break;
                }
                done += n;
            }
            checkStores(windows, cmd);
            return rv;
        }
    }

    static void checkPlan(const RetryPlan& plan, bool compat)
    {
        for (const auto* list : {&plan.in, &plan.out}) {
            if (list->size() > kMaxIovecs) {
                fail("retry protocol: more iovecs than FUSE_IOCTL_MAX_IOV");
            }
            std::size_t total = 0;
            for (const auto& range : *list) {
                total += range.len;
                if (compat && (range.addr > 0xFFFFFFFFU || range.len > 0xFFFFFFFFU)) {
                    fail("retry protocol: a compat caller's range beyond 32 bits");
                }
            }
            if (total > kMaxIoctlBytes) {
                fail("retry protocol: more bytes than the kernel transfers in one ioctl (ENOMEM)");
            }
        }
    }

    void checkStores(const std::vector<UserRange>& windows, std::uint32_t cmd)
    {
        for (const auto& s : space_.takeStores()) {
            if (!covered(s, windows)) {
                fail("ioctl " + hex(cmd) + " stored " + std::to_string(s.len) + " bytes at " + hex(s.addr) +
                     ", outside what it may write");
            }
        }
    }

    // Every accepted request is awaited; every response must be awaited.
    void account(OpenFile& of, const Decoded& d, std::uint64_t arg, long result)
    {
        if (!(d.send || d.receive)) {
            return;
        }
        const auto t = readTransfer(space_, arg, d);
        if (d.send && result == 0 && t && (t->netfn & 1U) == 0) {
            std::array<std::uint8_t, 12> addr{};
            space_.read(t->addr, std::min<std::size_t>(t->addrLen, addr.size()), addr.data());
            std::string addrText;
            for (const std::uint8_t b : addr) {
                addrText += " " + hex(b);
            }
            trace("accepted msgid " + std::to_string(t->msgid) + " netfn " + hex(t->netfn) + " to" + addrText);
            ++of.awaiting[t->msgid];
        }
        if (d.receive && t && (result == 0 || (d.truncating && result == -EMSGSIZE))) {
            received(of, t->recvType, t->msgid);
        }
    }

    static void received(OpenFile& of, int recvType, std::int32_t msgid)
    {
        trace("received type " + std::to_string(recvType) + " msgid " + std::to_string(msgid));
        if (recvType != abi::IPMI_RESPONSE_RECV_TYPE) {
            return;
        }
        auto it = of.awaiting.find(msgid);
        if (it == of.awaiting.end() || it->second == 0) {
            fail("a response (msgid " + std::to_string(msgid) + ") that no accepted request awaited");
        }
        --it->second;
    }

    // Time runs past every timeout and the BMC answers whatever is asked
    // with 0xFF (for a Send Message: the message could not be sent, which
    // ends an IPMB/LAN request at once instead of after every retry the
    // caller may have asked for); then every file must have had exactly
    // its responses.
    //
    // A caller may ask for a retry time of up to 2^32 ms, which the message
    // handler's one-second tick takes that long to reach: when the budget
    // of steps runs out with timers still set, whether those requests will
    // be answered is left open (the responses that did come are still
    // checked). Requests awaited with no timer left and nothing at the BMC
    // can never be answered: that is a finding.
    void settle()
    {
        bool settled = false;
        for (int i = 0; i < 10000 && !settled; ++i) {
            if (bmc_->pending()) {
                trace("settle: the BMC answers " + hex(bmc_->pending()->at(0)) + " " + hex(bmc_->pending()->at(1)));
                bmc_->respondCc(0xFF);
                loop_.runPosted();
                continue;
            }
            bool waiting = false;
            for (const auto& of : files_) {
                waiting = waiting || (of && of->file->awaitingAnswers());
            }
            settled = !waiting || !loop_.runNextTimer();
        }
        for (auto& of : files_) {
            if (!of) {
                continue;
            }
            while (of->file->readable()) {
                abi::ipmi_addr addr{};
                std::array<std::uint8_t, abi::IPMI_MAX_MSG_LENGTH> data{};
                abi::ipmi_recv r{};
                r.addr = reinterpret_cast<unsigned char*>(&addr);
                r.addr_len = sizeof addr;
                r.msg.data = data.data();
                r.msg.data_len = data.size();
                DirectMemory direct;
                const core::IoctlResult rv = of->file->ioctl(abi::IPMICTL_RECEIVE_MSG_TRUNC,
                                                             reinterpret_cast<std::uintptr_t>(&r), direct, false);
                if (rv.unfetched() || rv.value() != 0) {
                    fail("settle: RECEIVE_MSG_TRUNC of a queued message failed");
                }
                received(*of, r.recv_type, static_cast<std::int32_t>(r.msgid));
            }
            for (const auto& [msgid, count] : of->awaiting) {
                if (settled && count != 0) {
                    fail("request msgid " + std::to_string(msgid) + " accepted but never answered");
                }
            }
        }
    }

    // This process's own memory, for settle()'s receives.
    class DirectMemory final : public core::UserMemory
    {
      public:
        core::Copy copyFromUser(void* dst, std::uint64_t userAddr, std::size_t len) override
        {
            std::memcpy(dst, reinterpret_cast<const void*>(static_cast<std::uintptr_t>(userAddr)), len);
            return core::Copy::Done;
        }
        core::Copy copyToUser(std::uint64_t userAddr, const void* src, std::size_t len) override
        {
            std::memcpy(reinterpret_cast<void*>(static_cast<std::uintptr_t>(userAddr)), src, len);
            return core::Copy::Done;
        }
    };

    FuzzInput& in_;
    core::testing::FakeEventLoop loop_;
    std::unique_ptr<core::MessageHandler> handler_;
    core::testing::ScriptedInterface* bmc_ = nullptr;
    int ifnum_ = 0;
    CallerSpace space_;
    std::array<std::unique_ptr<OpenFile>, kMaxFiles> files_;
};

} // namespace
} // namespace ipmi::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ipmi::fuzz::silenceLogs();
    ipmi::fuzz::FuzzInput in(data, size);
    ipmi::fuzz::Session session(in);
    session.run();
    return 0;
}
