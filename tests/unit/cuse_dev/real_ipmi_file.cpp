// The marshalling tests' open file: see real_ipmi_file.hpp.
#include "tests/unit/cuse_dev/real_ipmi_file.hpp"

#include "abi/ipmi.hpp"
#include "core/testing/direct_user_memory.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace ipmi::cuse::testing {

namespace {

using core::testing::DirectUserMemory;

struct Taken
{
    long rv = 0;
    int recvType = 0;
    std::vector<std::uint8_t> addr;
    long msgid = 0;
};

Taken take(core::DeviceFile& file)
{
    abi::ipmi_addr addr{};
    std::vector<std::uint8_t> data(abi::IPMI_MAX_MSG_LENGTH);
    abi::ipmi_recv r{};
    r.addr = reinterpret_cast<unsigned char*>(&addr);
    r.addr_len = sizeof addr;
    r.msg.data = data.data();
    r.msg.data_len = static_cast<unsigned short>(data.size());
    DirectUserMemory mem;
    Taken t;
    t.rv = file.ioctl(abi::IPMICTL_RECEIVE_MSG_TRUNC, DirectUserMemory::address(&r), mem, false).value();
    t.recvType = r.recv_type;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(&addr);
    t.addr.assign(bytes, bytes + r.addr_len);
    t.msgid = r.msgid;
    return t;
}

} // namespace

RealIpmiFile::RealIpmiFile(int maxMsgsPerUser)
{
    core::MessageHandlerParams params;
    params.maxMsgsPerUser = maxMsgsPerUser;
    handler_ = std::make_unique<core::MessageHandler>(loop_, params);
    auto iface = std::make_unique<core::testing::ScriptedInterface>();
    bmc_ = iface.get();
    bmc_->enableIdentity();
    const int ifnum = handler_->addInterface(std::move(iface));
    loop_.runPosted();
    // From here on the tests' requests are answered when they look at them.
    bmc_->disableIdentity();
    bmc_->clearRequests();
    auto opened = core::openDeviceFile(*handler_, ifnum);
    EXPECT_TRUE(opened) << opened.error;
    file_ = std::move(opened.value);
}

RealIpmiFile::~RealIpmiFile()
{
    file_.reset();
    handler_.reset();
}

core::IoctlResult RealIpmiFile::ioctl(std::uint32_t cmd, std::uint64_t arg, core::UserMemory& mem, bool compat32)
{
    ++runs;
    return file_->ioctl(cmd, arg, mem, compat32);
}

void RealIpmiFile::deliver(const QueuedMessage& m)
{
    core::ReceivedMessage msg;
    msg.recvType = m.recvType;
    std::memcpy(&msg.addr, m.addr.data(), std::min(m.addr.size(), sizeof msg.addr));
    msg.msgid = m.msgid;
    msg.netfn = m.netfn;
    msg.cmd = m.cmd;
    msg.data = m.data;
    file_->onMessage(std::move(msg));
}

std::vector<int> RealIpmiFile::drain()
{
    std::vector<int> types;
    while (file_->readable()) {
        types.push_back(take(*file_).recvType);
    }
    return types;
}

const std::vector<SentRequest>& RealIpmiFile::sent()
{
    while (bmc_->pending()) {
        const core::SmiBytes request = *bmc_->pending();
        SentRequest s;
        s.netfn = static_cast<std::uint8_t>(request.at(0) >> 2);
        s.cmd = request.at(1);
        s.data.assign(request.begin() + 2, request.end());
        const std::size_t before = file_->queued();
        bmc_->respondCc(0x00);
        loop_.runPosted();
        EXPECT_EQ(file_->queued(), before + 1);
        // The answer is the newest message.
        Taken answer;
        for (std::size_t i = 0; i <= before; ++i) {
            answer = take(*file_);
        }
        s.addr = answer.addr;
        s.msgid = answer.msgid;
        sent_.push_back(std::move(s));
    }
    return sent_;
}

bool RealIpmiFile::receivesEvents()
{
    const std::size_t before = file_->queued();
    core::SmiBytes event{0x1C, 0x35, 0x00};
    for (std::uint8_t i = 0; i < 16; ++i) {
        event.push_back(i);
    }
    bmc_->receive(event);
    loop_.runPosted();
    const bool got = file_->queued() > before;
    drain();
    return got;
}

long RealIpmiFile::direct(std::uint32_t cmd, void* arg)
{
    DirectUserMemory mem;
    return file_->ioctl(cmd, DirectUserMemory::address(arg), mem, false).value();
}

} // namespace ipmi::cuse::testing
