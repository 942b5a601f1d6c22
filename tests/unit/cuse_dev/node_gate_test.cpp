// A policy-bound node's gate on a real open file, driven through the CUSE
// retry protocol by a 64-bit and a 32-bit caller: refused requests answered
// with D4h (bytes, msgid, address) for system-interface, IPMB- and
// LAN-bridged requests and Master Write-Read, reads that reach the BMC, the
// ioctls refused with EPERM and those that behave as before, the full
// policy, and what an observer learns.
#include "abi/ipmi.hpp"
#include "abi/ipmi_compat.hpp"
#include "cuse_dev/node_gate.hpp"
#include "tests/unit/cuse_dev/fake_cuse_kernel.hpp"
#include "tests/unit/cuse_dev/real_ipmi_file.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>

namespace ipmi::cuse::testing {
namespace {

using namespace ipmi::abi;
using Bytes = std::vector<std::uint8_t>;

std::string layoutName(const ::testing::TestParamInfo<bool>& param)
{
    return param.param ? "Compat" : "Native";
}

template <typename T>
Bytes addressBytes(const T& addr)
{
    const auto* p = reinterpret_cast<const std::uint8_t*>(&addr);
    return Bytes(p, p + sizeof(T));
}

Bytes siAddr()
{
    ipmi_system_interface_addr a{};
    std::memset(&a, 0, sizeof a);
    a.addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    a.channel = IPMI_BMC_CHANNEL;
    return addressBytes(a);
}

Bytes ipmbAddr(short channel, std::uint8_t slave, std::uint8_t lun)
{
    ipmi_ipmb_addr a{};
    std::memset(&a, 0, sizeof a);
    a.addr_type = IPMI_IPMB_ADDR_TYPE;
    a.channel = channel;
    a.slave_addr = slave;
    a.lun = lun;
    return addressBytes(a);
}

Bytes lanAddr()
{
    ipmi_lan_addr a{};
    std::memset(&a, 0, sizeof a);
    a.addr_type = IPMI_LAN_ADDR_TYPE;
    a.channel = 1; // the test BMC's LAN channel
    a.privilege = 4;
    a.session_handle = 0x11;
    a.remote_SWID = 0x81;
    a.local_SWID = 0x20;
    return addressBytes(a);
}

class RecordingObserver final : public NodeObserver
{
  public:
    struct Decision
    {
        std::string node;
        Caller caller;
        int addrType;
        long msgid;
        std::uint8_t netfn;
        std::uint8_t cmd;
        bool allowed;
        bool readOnly;
    };
    bool decided(const GateDecision& d) override
    {
        decisions.push_back(Decision{d.node, d.caller, d.addrType, d.msgid, d.netfn, d.cmd, d.allowed, d.readOnly});
        return true;
    }
    void answered(const GateAnswer& a) override
    {
        answers.emplace_back(a.msgid, a.completionCode);
        if (a.followed) {
            followedCallers.push_back(a.caller.pid);
        }
    }
    void ioctlRefused(const GateIoctlRefusal& r) override { refusedIoctls.push_back(r.ioctlCmd); }

    std::vector<Decision> decisions;
    std::vector<std::pair<long, std::uint8_t>> answers;
    std::vector<pid_t> followedCallers; // of answers to followed requests
    std::vector<std::uint32_t> refusedIoctls;
};

struct Answer
{
    long ret = 0;
    int recvType = 0;
    Bytes addr;
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    Bytes data;
};

class NodeGateTest : public ::testing::TestWithParam<bool>
{
  protected:
    void SetUp() override { bind(NodePolicy::monitor()); }

    void bind(const NodePolicy& policy)
    {
        auto g = std::make_unique<NodeGate>("ipmi0-monitor", std::make_shared<const NodePolicy>(policy), observer);
        gate = g.get();
        file.setGate(std::move(g));
    }

    bool compat() const { return GetParam(); }

    // `faultingData`: the data pointer points at nothing mapped.
    long send(const Bytes& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd, const Bytes& data = {},
              bool faultingData = false)
    {
        const auto a = user.alloc(addr.size());
        user.write(a, addr.data(), addr.size());
        auto d = data.empty() ? 0 : user.alloc(data.size());
        if (!data.empty()) {
            user.write(d, data.data(), data.size());
        }
        if (faultingData) {
            d = user.unmapped();
        }
        const auto len = static_cast<std::uint16_t>(data.size());
        const auto addrLen = static_cast<std::uint32_t>(addr.size());
        if (compat()) {
            const compat_ipmi_req r{static_cast<compat_uptr_t>(a), addrLen, static_cast<std::int32_t>(msgid),
                                    compat_ipmi_msg{netfn, cmd, len, static_cast<compat_uptr_t>(d)}};
            return kernel.ioctl(file, COMPAT_IPMICTL_SEND_COMMAND, user.place(r), true).ret;
        }
        const ipmi_req r{reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(a)), addrLen, msgid,
                         ipmi_msg{netfn, cmd, len, reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(d))}};
        return kernel.ioctl(file, IPMICTL_SEND_COMMAND, user.place(r), false).ret;
    }

    Answer receive()
    {
        const auto addr = user.alloc(sizeof(ipmi_addr));
        const auto data = user.alloc(64);
        Answer out;
        if (compat()) {
            const compat_ipmi_recv r{0, static_cast<compat_uptr_t>(addr), sizeof(ipmi_addr), 0,
                                     compat_ipmi_msg{0, 0, 64, static_cast<compat_uptr_t>(data)}};
            const auto arg = user.place(r);
            out.ret = kernel.ioctl(file, COMPAT_IPMICTL_RECEIVE_MSG_TRUNC, arg, true).ret;
            const auto back = user.get<compat_ipmi_recv>(arg);
            out.recvType = back.recv_type;
            out.addr = user.bytes(addr, back.addr_len);
            out.msgid = back.msgid;
            out.netfn = back.msg.netfn;
            out.cmd = back.msg.cmd;
            out.data = user.bytes(data, back.msg.data_len);
            return out;
        }
        ipmi_recv r{};
        r.addr = reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(addr));
        r.addr_len = sizeof(ipmi_addr);
        r.msg = ipmi_msg{0, 0, 64, reinterpret_cast<unsigned char*>(static_cast<std::uintptr_t>(data))};
        const auto arg = user.place(r);
        out.ret = kernel.ioctl(file, IPMICTL_RECEIVE_MSG_TRUNC, arg, false).ret;
        const auto back = user.get<ipmi_recv>(arg);
        out.recvType = back.recv_type;
        out.addr = user.bytes(addr, back.addr_len);
        out.msgid = back.msgid;
        out.netfn = back.msg.netfn;
        out.cmd = back.msg.cmd;
        out.data = user.bytes(data, back.msg.data_len);
        return out;
    }

    // A request the node must answer itself with D4h.
    void expectRefused(const Bytes& addr, std::uint8_t netfn, std::uint8_t cmd, const Bytes& data, const char* what)
    {
        const std::size_t before = file.requestsToBmc();
        EXPECT_EQ(send(addr, 0x77, netfn, cmd, data), 0) << what;
        EXPECT_EQ(file.requestsToBmc(), before) << what << " reached the BMC";
        const auto a = receive();
        EXPECT_EQ(a.ret, 0) << what;
        EXPECT_EQ(a.data, (Bytes{0xD4})) << what;
        EXPECT_EQ(a.msgid, 0x77) << what;
        EXPECT_EQ(a.cmd, cmd) << what;
    }

    long plain(std::uint32_t cmd, std::uint64_t arg) { return kernel.ioctl(file, cmd, arg, compat()).ret; }

    FakeUserSpace user{GetParam() ? 0x10000000ULL : 0x7f0000000000ULL};
    FakeCuseKernel kernel{user};
    RealIpmiFile file;
    std::shared_ptr<RecordingObserver> observer = std::make_shared<RecordingObserver>();
    NodeGate* gate = nullptr;
};

TEST_P(NodeGateTest, RefusedSystemInterfaceRequestIsAnsweredLikeABmc)
{
    EXPECT_EQ(send(siAddr(), 0x1234, 0x00, 0x02, {0x00}), 0); // Chassis Control: power down
    EXPECT_EQ(file.requestsToBmc(), 0U);
    const auto a = receive();
    EXPECT_EQ(a.ret, 0);
    EXPECT_EQ(a.recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(a.addr, (Bytes{0x0C, 0, 0, 0, 0x0F, 0, 0x00, 0x00}));
    EXPECT_EQ(a.msgid, 0x1234);
    EXPECT_EQ(a.netfn, 0x01);
    EXPECT_EQ(a.cmd, 0x02);
    EXPECT_EQ(a.data, (Bytes{0xD4}));
    EXPECT_FALSE(file.readable());
}

TEST_P(NodeGateTest, KernelErrnosComeFirst)
{
    EXPECT_EQ(send(siAddr(), 1, 0x00, 0x02, {0x00}, true), -EFAULT);
    EXPECT_EQ(send(siAddr(), 1, 0x06, 0x34, {0x00}), -EINVAL); // Send Message to the SI
    EXPECT_EQ(send(siAddr(), 1, 0x00, 0x02, Bytes(271, 0)), -EMSGSIZE);
    EXPECT_EQ(send(ipmbAddr(15, 0x52, 0), 1, 0x00, 0x02, {0x00}), -EINVAL);
    EXPECT_FALSE(file.readable());
    EXPECT_TRUE(observer->decisions.empty());
}

TEST_P(NodeGateTest, MonitorRefusesWrites)
{
    expectRefused(siAddr(), 0x06, 0x02, {}, "Cold Reset");
    expectRefused(siAddr(), 0x06, 0x47, {0x02, 0x02, 'x'}, "Set User Password");
    expectRefused(siAddr(), 0x0C, 0x01, {0x01, 0x03, 10, 0, 0, 1}, "Set LAN Configuration Parameters");
    expectRefused(siAddr(), 0x0A, 0x49, {0, 0, 0, 0}, "Set SEL Time");
    expectRefused(siAddr(), 0x0A, 0x47, {0, 0, 'C', 'L', 'R', 0xAA}, "Clear SEL");
    expectRefused(siAddr(), 0x06, 0x24, {0x44, 0x01, 0, 0, 0x64, 0}, "Set Watchdog Timer");
    expectRefused(siAddr(), 0x06, 0x22, {}, "Reset Watchdog Timer");
    expectRefused(siAddr(), 0x06, 0x52, {0x03, 0xA0, 0x00, 0x00, 0x55}, "Master Write-Read, private bus");
}

TEST_P(NodeGateTest, MonitorReadsReachTheBmc)
{
    EXPECT_EQ(send(siAddr(), 5, 0x06, 0x01), 0);
    ASSERT_EQ(file.requestsToBmc(), 1U);
    EXPECT_EQ(*file.bmc().pending(), (Bytes{0x18, 0x01}));
    EXPECT_EQ(send(siAddr(), 6, 0x2C, 0x02, {0xDC, 0x01, 0x00, 0x00}), 0); // DCMI Get Power Reading
    const auto& sent = file.sent();
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_EQ(sent[1].netfn, 0x2C);
    EXPECT_EQ(sent[1].msgid, 6);
}

TEST_P(NodeGateTest, BridgedRequestsAreJudgedByTheCommandTheyCarry)
{
    expectRefused(ipmbAddr(0, 0x52, 0), 0x00, 0x02, {0x00}, "IPMB Chassis Control");
    expectRefused(lanAddr(), 0x06, 0x02, {}, "LAN Cold Reset");

    EXPECT_EQ(send(ipmbAddr(0, 0x52, 1), 9, 0x00, 0x02, {0x02}), 0);
    auto a = receive();
    EXPECT_EQ(a.recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(a.addr, (Bytes{0x01, 0, 0, 0, 0x00, 0, 0x52, 0x01}));
    EXPECT_EQ(a.msgid, 9);
    EXPECT_EQ(a.netfn, 0x01);
    EXPECT_EQ(a.cmd, 0x02);
    EXPECT_EQ(a.data, (Bytes{0xD4}));

    EXPECT_EQ(send(lanAddr(), 10, 0x06, 0x47, {0x02}), 0);
    a = receive();
    EXPECT_EQ(a.addr, lanAddr());
    EXPECT_EQ(a.msgid, 10);
    EXPECT_EQ(a.netfn, 0x07);
    EXPECT_EQ(a.data, (Bytes{0xD4}));

    // A read bridged to IPMB goes out in Send Message.
    EXPECT_EQ(send(ipmbAddr(0, 0x52, 0), 11, 0x04, 0x2D, {0x01}), 0);
    ASSERT_EQ(file.requestsToBmc(), 1U);
    EXPECT_EQ((*file.bmc().pending())[1], 0x34);
}

TEST_P(NodeGateTest, MasterWriteReadCarryingChassisControlIsRefused)
{
    // Bus 0 (public IPMB), slave 0x20, read 8: [netfn 0<<2][chk][rqSA][seq][cmd 02][data 00][chk].
    expectRefused(siAddr(), 0x06, 0x52, {0x00, 0x40, 0x08, 0x00, 0x00, 0x81, 0x04, 0x02, 0x00, 0x79},
                  "Master Write-Read carrying Chassis Control");
    expectRefused(ipmbAddr(0, 0x52, 0), 0x06, 0x52, {0x00, 0x40, 0x08, 0x00, 0x00, 0x81, 0x04, 0x02, 0x00, 0x79},
                  "Master Write-Read carrying Chassis Control, bridged");
    EXPECT_EQ(send(siAddr(), 12, 0x06, 0x52, {0x00, 0x40, 0x08, 0x18, 0xC8, 0x81, 0x04, 0x01, 0x7A}), 0);
    EXPECT_EQ(file.requestsToBmc(), 1U); // carrying Get Device ID: allowed
}

TEST_P(NodeGateTest, IoctlsThatChangeSharedStateGetEpermBeforeTheirArgumentIsRead)
{
    for (const std::uint32_t cmd :
         {IPMICTL_REGISTER_FOR_CMD, IPMICTL_REGISTER_FOR_CMD_CHANS, IPMICTL_SET_MAINTENANCE_MODE_CMD}) {
        const auto r = kernel.ioctl(file, cmd, user.unmapped(), compat());
        EXPECT_EQ(r.ret, -EPERM) << std::hex << cmd;
        EXPECT_EQ(r.roundTrips, 1) << std::hex << cmd;
    }
    EXPECT_EQ(plain(IPMICTL_SET_MY_ADDRESS_CMD, user.place(0x42U)), -EPERM);
    EXPECT_EQ(plain(IPMICTL_SET_MY_LUN_CMD, user.place(1U)), -EPERM);
    EXPECT_EQ(plain(IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, user.place(ipmi_channel_lun_address_set{0, 0x42})), -EPERM);
    EXPECT_EQ(plain(IPMICTL_SET_MY_CHANNEL_LUN_CMD, user.place(ipmi_channel_lun_address_set{0, 1})), -EPERM);
    EXPECT_EQ(observer->refusedIoctls.size(), 7U);
    unsigned address = 0;
    EXPECT_EQ(file.direct(IPMICTL_GET_MY_ADDRESS_CMD, &address), 0);
    EXPECT_EQ(address, 0x20U);
    int mode = -1;
    EXPECT_EQ(file.direct(IPMICTL_GET_MAINTENANCE_MODE_CMD, &mode), 0);
    EXPECT_EQ(mode, IPMI_MAINTENANCE_MODE_AUTO);
}

TEST_P(NodeGateTest, OtherIoctlsBehaveAsTheKernels)
{
    // What ipmitool and FreeIPMI do on open: set the address it already has.
    EXPECT_EQ(plain(IPMICTL_SET_MY_ADDRESS_CMD, user.place(0x20U)), 0);
    EXPECT_EQ(plain(IPMICTL_SET_MY_CHANNEL_LUN_CMD, user.place(ipmi_channel_lun_address_set{0, 2})), 0);
    EXPECT_EQ(plain(IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, user.place(ipmi_channel_lun_address_set{16, 0x20})), -EINVAL);
    EXPECT_EQ(plain(IPMICTL_SET_MY_ADDRESS_CMD, user.unmapped()), -EFAULT);
    EXPECT_EQ(plain(IPMICTL_SET_GETS_EVENTS_CMD, user.place(int{1})), 0);
    EXPECT_TRUE(file.receivesEvents());
    EXPECT_EQ(plain(IPMICTL_SET_TIMING_PARMS_CMD, user.place(ipmi_timing_parms{2, 1000})), 0);
    const auto parms = user.alloc(sizeof(ipmi_timing_parms));
    EXPECT_EQ(plain(IPMICTL_GET_TIMING_PARMS_CMD, parms), 0);
    EXPECT_EQ(user.get<ipmi_timing_parms>(parms).retries, 2);
    const auto lun = user.alloc(4);
    EXPECT_EQ(plain(IPMICTL_GET_MY_LUN_CMD, lun), 0);
    EXPECT_EQ(user.get<unsigned>(lun), 2U);
    const auto mode = user.alloc(4);
    EXPECT_EQ(plain(IPMICTL_GET_MAINTENANCE_MODE_CMD, mode), 0);
    EXPECT_EQ(plain(IPMICTL_UNREGISTER_FOR_CMD, user.place(ipmi_cmdspec{0x30, 0x01})), -ENOENT);
    EXPECT_EQ(plain(IPMICTL_UNREGISTER_FOR_CMD_CHANS, user.place(ipmi_cmdspec_chans{0x30, 0x01, 1})), -ENOENT);
    EXPECT_EQ(plain(0x80046999U, 0), -ENOTTY);
    EXPECT_TRUE(observer->refusedIoctls.empty());
}

TEST_P(NodeGateTest, FullPolicyLetsEverythingThrough)
{
    bind(NodePolicy::full());
    EXPECT_EQ(send(siAddr(), 1, 0x00, 0x02, {0x00}), 0);
    EXPECT_EQ(file.requestsToBmc(), 1U);
    EXPECT_EQ(plain(IPMICTL_SET_MY_ADDRESS_CMD, user.place(0x42U)), 0);
    EXPECT_EQ(plain(IPMICTL_REGISTER_FOR_CMD, user.place(ipmi_cmdspec{0x30, 0x01})), 0);
    EXPECT_TRUE(observer->refusedIoctls.empty());
    ASSERT_EQ(observer->decisions.size(), 1U);
    EXPECT_TRUE(observer->decisions[0].allowed);
}

TEST_P(NodeGateTest, ObserverLearnsDecisionsAndCompletionCodes)
{
    gate->setCaller(Caller{4242, 1000, 1001});
    EXPECT_EQ(send(siAddr(), 21, 0x06, 0x01), 0);
    EXPECT_EQ(send(ipmbAddr(0, 0x52, 0), 22, 0x00, 0x02, {0x00}), 0);
    ASSERT_EQ(observer->decisions.size(), 2U);
    const auto& allowed = observer->decisions[0];
    EXPECT_EQ(allowed.node, "ipmi0-monitor");
    EXPECT_EQ(allowed.caller.pid, 4242);
    EXPECT_EQ(allowed.caller.uid, 1000U);
    EXPECT_EQ(allowed.caller.gid, 1001U);
    EXPECT_EQ(allowed.addrType, IPMI_SYSTEM_INTERFACE_ADDR_TYPE);
    EXPECT_EQ(allowed.msgid, 21);
    EXPECT_EQ(allowed.netfn, 0x06);
    EXPECT_EQ(allowed.cmd, 0x01);
    EXPECT_TRUE(allowed.allowed);
    EXPECT_TRUE(allowed.readOnly);
    const auto& refused = observer->decisions[1];
    EXPECT_EQ(refused.addrType, IPMI_IPMB_ADDR_TYPE);
    EXPECT_EQ(refused.netfn, 0x00);
    EXPECT_EQ(refused.cmd, 0x02);
    EXPECT_FALSE(refused.allowed);
    EXPECT_FALSE(refused.readOnly);
    // The refusal is answered at once; the read when the BMC answers.
    EXPECT_EQ(observer->answers, (std::vector<std::pair<long, std::uint8_t>>{{22, 0xD4}}));
    static_cast<void>(file.sent()); // the BMC answers Get Device ID with 00h
    EXPECT_EQ(observer->answers, (std::vector<std::pair<long, std::uint8_t>>{{22, 0xD4}, {21, 0x00}}));
    // Only the allowed request was followed; its answer names its caller.
    EXPECT_EQ(observer->followedCallers, (std::vector<pid_t>{4242}));
}

INSTANTIATE_TEST_SUITE_P(NativeAndCompat, NodeGateTest, ::testing::Bool(), layoutName);

} // namespace
} // namespace ipmi::cuse::testing
