// Shared fixture of the core unit tests: a MessageHandler under a
// FakeEventLoop with one ScriptedInterface that answers the BMC-identity
// traffic (channel 0 IPMB, channel 1 LAN), DirectUserMemory, and helpers that
// drive an open file with the real <linux/ipmi.h> structs.
#pragma once

// abi/ first: <linux/ipmi.h>'s macros would rewrite its names.
#include "core/device_file.hpp"
#include "core/message_handler.hpp"
#include "core/testing/direct_user_memory.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/scripted_interface.hpp"

#include <gtest/gtest.h>
#include <linux/ioctl.h>
#include <linux/ipmi.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <vector>

namespace ipmi::core {

// gtest's name for a result in a failed expectation.
inline void PrintTo(const IoctlResult& r, std::ostream* os)
{
    if (r.unfetched()) {
        *os << "unfetched";
    } else {
        *os << r.value();
    }
}

} // namespace ipmi::core

namespace ipmi::core::testing {

using Bytes = std::vector<std::uint8_t>;
using std::chrono::milliseconds;

inline ipmi_system_interface_addr siAddr(unsigned char lun = 0)
{
    ipmi_system_interface_addr a{};
    a.addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    a.channel = IPMI_BMC_CHANNEL;
    a.lun = lun;
    return a;
}

inline ipmi_ipmb_addr ipmbAddr(short channel, unsigned char slave, unsigned char lun = 0,
                               int type = IPMI_IPMB_ADDR_TYPE)
{
    ipmi_ipmb_addr a{};
    a.addr_type = type;
    a.channel = channel;
    a.slave_addr = slave;
    a.lun = lun;
    return a;
}

inline ipmi_lan_addr lanAddr(short channel, unsigned char session, unsigned char remoteSwid, unsigned char localSwid,
                             unsigned char privilege = 4, unsigned char lun = 0)
{
    ipmi_lan_addr a{};
    a.addr_type = IPMI_LAN_ADDR_TYPE;
    a.channel = channel;
    a.privilege = privilege;
    a.session_handle = session;
    a.remote_SWID = remoteSwid;
    a.local_SWID = localSwid;
    a.lun = lun;
    return a;
}

inline std::uint8_t checksum(const Bytes& b, std::size_t from, std::size_t to)
{
    std::uint8_t sum = 0;
    for (std::size_t i = from; i < to; ++i) {
        sum = static_cast<std::uint8_t>(sum + b[i]);
    }
    return static_cast<std::uint8_t>(-sum);
}

// A Get Message reply carrying an IPMB message:
// [0x1C 0x33 cc chan][netfn/lun chk SA seq/lun cmd payload... chk]
inline Bytes getMessageIpmb(std::uint8_t chan, std::uint8_t netfnLun, std::uint8_t sa, std::uint8_t seqLun,
                            std::uint8_t cmd, const Bytes& payload)
{
    Bytes b{0x1C, 0x33, 0x00, chan, netfnLun, 0, sa, seqLun, cmd};
    b[5] = checksum(Bytes{0x20, netfnLun}, 0, 2);
    b.insert(b.end(), payload.begin(), payload.end());
    b.push_back(checksum(b, 6, b.size()));
    return b;
}

// A Read Event Message Buffer reply with a 16-byte record starting at `first`.
inline Bytes eventMessage(std::uint8_t first)
{
    Bytes b{0x1C, 0x35, 0x00};
    for (std::uint8_t i = 0; i < 16; ++i) {
        b.push_back(static_cast<std::uint8_t>(first + i));
    }
    return b;
}

struct Received
{
    IoctlResult rv = 0;
    int recvType = 0;
    Bytes addr;
    unsigned int addrLen = 0;
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    Bytes data;
};

class CoreTest : public ::testing::Test
{
  protected:
    static void SetUpTestSuite() { spdlog::set_level(spdlog::level::warn); }
    void SetUp() override { start(); }

    void start(MessageHandlerParams params = {}, BmcIdentity identity = {})
    {
        mh.reset();
        mh = std::make_unique<MessageHandler>(loop, params);
        auto iface = std::make_unique<ScriptedInterface>();
        bmc = iface.get();
        bmc->enableIdentity(identity);
        ifnum = mh->addInterface(std::move(iface));
        // From here on the test answers every request itself.
        bmc->disableIdentity();
        bmc->clearRequests();
    }

    std::unique_ptr<IpmiFile> open()
    {
        auto r = openDeviceFile(*mh, ifnum);
        EXPECT_TRUE(r) << r.error;
        return std::move(r.value);
    }

    IoctlResult ioctl(IpmiFile& f, std::uint32_t cmd, void* arg, bool compat = false)
    {
        return f.ioctl(cmd, DirectUserMemory::address(arg), mem, compat);
    }

    template <typename A>
    IoctlResult send(IpmiFile& f, const A& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd, Bytes data = {},
                     unsigned addrLen = sizeof(A))
    {
        ipmi_req req{};
        req.addr = reinterpret_cast<unsigned char*>(const_cast<A*>(&addr));
        req.addr_len = addrLen;
        req.msgid = msgid;
        req.msg.netfn = netfn;
        req.msg.cmd = cmd;
        req.msg.data_len = static_cast<unsigned short>(data.size());
        req.msg.data = data.empty() ? nullptr : data.data();
        return ioctl(f, IPMICTL_SEND_COMMAND, &req);
    }

    template <typename A>
    IoctlResult sendSettime(IpmiFile& f, const A& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd, int retries,
                            unsigned retryMs, Bytes data = {})
    {
        ipmi_req_settime req{};
        req.req.addr = reinterpret_cast<unsigned char*>(const_cast<A*>(&addr));
        req.req.addr_len = sizeof(A);
        req.req.msgid = msgid;
        req.req.msg.netfn = netfn;
        req.req.msg.cmd = cmd;
        req.req.msg.data_len = static_cast<unsigned short>(data.size());
        req.req.msg.data = data.empty() ? nullptr : data.data();
        req.retries = retries;
        req.retry_time_ms = retryMs;
        return ioctl(f, IPMICTL_SEND_COMMAND_SETTIME, &req);
    }

    Received receive(IpmiFile& f, bool trunc = true, unsigned short bufLen = 300)
    {
        Received out;
        std::vector<std::uint8_t> addr(sizeof(ipmi_addr), 0xEE);
        std::vector<std::uint8_t> data(bufLen, 0xEE);
        ipmi_recv rsp{};
        rsp.addr = addr.data();
        rsp.addr_len = sizeof(ipmi_addr);
        rsp.msg.data = data.data();
        rsp.msg.data_len = bufLen;
        out.rv = ioctl(f, trunc ? IPMICTL_RECEIVE_MSG_TRUNC : IPMICTL_RECEIVE_MSG, &rsp);
        out.recvType = rsp.recv_type;
        out.addrLen = rsp.addr_len;
        out.addr.assign(addr.begin(), addr.begin() + std::min<std::size_t>(rsp.addr_len, addr.size()));
        out.msgid = rsp.msgid;
        out.netfn = rsp.msg.netfn;
        out.cmd = rsp.msg.cmd;
        out.data.assign(data.begin(), data.begin() + std::min<std::size_t>(rsp.msg.data_len, data.size()));
        return out;
    }

    // Sends an IPMB request on channel 0 and acknowledges its Send Message;
    // returns the sequence number the handler chose.
    unsigned sendIpmbAcked(IpmiFile& f, long msgid, std::uint8_t slave = 0x52, std::uint8_t cmd = 0x01)
    {
        EXPECT_EQ(send(f, ipmbAddr(0, slave), msgid, 0x06, cmd), 0);
        EXPECT_TRUE(bmc->pending().has_value());
        const unsigned seq = (*bmc->pending())[7] >> 2; // [0x18 0x34 ch SA netfn chk mySA seq/lun cmd]
        bmc->respondCc(0x00);
        return seq;
    }

    // The Send Message requests sent so far.
    [[nodiscard]] std::size_t sendMessages() const
    {
        std::size_t n = 0;
        for (const auto& r : bmc->requests()) {
            n += (r.size() >= 2 && r[0] == 0x18 && r[1] == 0x34) ? 1 : 0;
        }
        return n;
    }

    FakeEventLoop loop;
    std::unique_ptr<MessageHandler> mh;
    ScriptedInterface* bmc = nullptr;
    DirectUserMemory mem;
    int ifnum = -1;
};

} // namespace ipmi::core::testing
