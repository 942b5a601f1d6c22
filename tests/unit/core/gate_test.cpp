// The RequestGate seam of an open file (core/request_gate.hpp): where it is
// asked (after every errno check but the sequence slot, before maintenance
// mode and the interface), how a refusal is answered (a BMC-style response
// through the file's queue, charged like any other), and which ioctls ask it.
#include "core/request_gate.hpp"
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>

namespace ipmi::core::testing {
namespace {

// Refuses the commands in `refused` with `cc`; records what it was asked.
class ScriptedGate final : public RequestGate
{
  public:
    struct Asked
    {
        Bytes addr; // the first 12 bytes of the address
        bool broadcast = false;
        long msgid = 0;
        std::uint8_t netfn = 0;
        std::uint8_t cmd = 0;
        Bytes data;
    };

    std::optional<std::uint8_t> judgeRequest(const GatedRequest& r) override
    {
        const auto* a = reinterpret_cast<const std::uint8_t*>(&r.addr);
        asked.push_back(
            Asked{Bytes(a, a + 12), r.broadcast, r.msgid, r.netfn, r.cmd, Bytes(r.data.begin(), r.data.end())});
        for (const auto& [netfn, cmd] : refused) {
            if (netfn == r.netfn && cmd == r.cmd) {
                return cc;
            }
        }
        return std::nullopt;
    }
    int judgeSharedChange(std::uint32_t ioctlCmd) override
    {
        sharedChanges.push_back(ioctlCmd);
        return sharedChangeResult;
    }
    void answered(const ReceivedMessage& answer) override { answers.push_back(answer.data); }

    std::vector<std::pair<std::uint8_t, std::uint8_t>> refused;
    std::uint8_t cc = 0xD4;
    int sharedChangeResult = -EPERM;
    std::vector<Asked> asked;
    std::vector<std::uint32_t> sharedChanges;
    std::vector<Bytes> answers;
};

class GateTest : public CoreTest
{
  protected:
    std::unique_ptr<IpmiFile> openGated()
    {
        auto f = open();
        auto g = std::make_unique<ScriptedGate>();
        gate = g.get();
        f->setGate(std::move(g));
        return f;
    }

    ScriptedGate* gate = nullptr;
};

TEST_F(GateTest, RefusedSystemInterfaceRequestIsAnsweredLocallyWithItsAddressAndMsgid)
{
    auto f = openGated();
    gate->refused = {{0x00, 0x02}};
    int wakeups = 0;
    f->setWakeup([&wakeups] { ++wakeups; });
    auto addr = siAddr(2);
    reinterpret_cast<unsigned char*>(&addr)[7] = 0x5A; // padding travels back as the kernel copies it
    EXPECT_EQ(send(*f, addr, 0x1234, 0x00, 0x02, {0x00}), 0);
    EXPECT_FALSE(bmc->pending().has_value());
    EXPECT_TRUE(bmc->requests().empty());
    EXPECT_EQ(wakeups, 1);
    ASSERT_TRUE(f->readable());
    ASSERT_EQ(gate->asked.size(), 1U);
    EXPECT_EQ(gate->asked[0].msgid, 0x1234);
    EXPECT_EQ(gate->asked[0].data, (Bytes{0x00}));
    const auto r = receive(*f);
    EXPECT_EQ(r.rv, 0);
    EXPECT_EQ(r.recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(r.addrLen, 8U);
    EXPECT_EQ(r.addr, (Bytes{0x0C, 0, 0, 0, 0x0F, 0, 0x02, 0x5A}));
    EXPECT_EQ(r.msgid, 0x1234);
    EXPECT_EQ(r.netfn, 0x01);
    EXPECT_EQ(r.cmd, 0x02);
    EXPECT_EQ(r.data, (Bytes{0xD4}));
    EXPECT_EQ(gate->answers, (std::vector<Bytes>{{0xD4}}));
}

TEST_F(GateTest, AllowedRequestGoesOutUnchangedAndItsAnswerIsReported)
{
    auto f = openGated();
    EXPECT_EQ(send(*f, siAddr(), 9, 0x06, 0x01), 0);
    ASSERT_TRUE(bmc->pending().has_value());
    EXPECT_EQ(*bmc->pending(), (Bytes{0x18, 0x01}));
    bmc->respondCc(0x00, {0x20});
    EXPECT_EQ(receive(*f).data, (Bytes{0x00, 0x20}));
    EXPECT_EQ(gate->answers, (std::vector<Bytes>{{0x00, 0x20}}));
}

TEST_F(GateTest, KernelErrnosComeBeforeTheGate)
{
    auto f = openGated();
    gate->refused = {{0x06, 0x34}, {0x06, 0x01}, {0x07, 0x01}};
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x34), -EINVAL);  // Send Message to the SI
    EXPECT_EQ(send(*f, siAddr(), 1, 0x07, 0x01), -EINVAL);  // a response to the BMC
    EXPECT_EQ(send(*f, siAddr(4), 1, 0x06, 0x01), -EINVAL); // LUN > 3
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x01, Bytes(271, 0)), -EMSGSIZE);
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 1, 0x06, 0x01, Bytes(263, 0)), -EMSGSIZE);
    EXPECT_EQ(send(*f, lanAddr(0, 1, 0x81, 0x20), 1, 0x06, 0x01), -EINVAL); // channel 0 is IPMB
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x01, {}, 7), -EINVAL);           // address too short
    EXPECT_TRUE(gate->asked.empty());
    EXPECT_FALSE(f->readable());
}

TEST_F(GateTest, RefusalIsChargedAgainstMaxMsgsPerUserUntilRead)
{
    MessageHandlerParams params;
    params.maxMsgsPerUser = 1;
    start(params);
    auto f = openGated();
    gate->refused = {{0x00, 0x02}};
    EXPECT_EQ(send(*f, siAddr(), 1, 0x00, 0x02), 0);
    EXPECT_EQ(send(*f, siAddr(), 2, 0x00, 0x02), -EBUSY); // the unread answer holds the charge
    EXPECT_EQ(gate->asked.size(), 1U);                    // EBUSY before the gate
    EXPECT_EQ(receive(*f).msgid, 1);
    EXPECT_EQ(send(*f, siAddr(), 3, 0x00, 0x02), 0);
}

TEST_F(GateTest, TruncatedReceiveOfARefusalConsumesItWithEmsgsize)
{
    auto f = openGated();
    gate->refused = {{0x0A, 0x47}};
    EXPECT_EQ(send(*f, siAddr(), 5, 0x0A, 0x47), 0);
    const auto r = receive(*f, true, 0);
    EXPECT_EQ(r.rv, -EMSGSIZE);
    EXPECT_EQ(r.msgid, 5);
    EXPECT_FALSE(f->readable());
}

TEST_F(GateTest, RefusedIpmbAndLanRequestsTakeNoSequenceSlot)
{
    auto f = openGated();
    gate->refused = {{0x00, 0x02}};
    for (int i = 0; i < 64; ++i) {
        EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), i, 0x06, 0x01), 0) << i;
        bmc->respondCc(0);
    }
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 64, 0x06, 0x01), -EAGAIN);
    const std::size_t sent = bmc->requests().size();
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52, 1), 65, 0x00, 0x02), 0);
    EXPECT_EQ(send(*f, lanAddr(1, 7, 0x81, 0x20, 4, 0), 66, 0x00, 0x02), 0);
    EXPECT_EQ(bmc->requests().size(), sent);

    const auto ipmb = receive(*f);
    EXPECT_EQ(ipmb.recvType, IPMI_RESPONSE_RECV_TYPE);
    EXPECT_EQ(ipmb.addrLen, 8U);
    EXPECT_EQ(ipmb.addr, (Bytes{0x01, 0, 0, 0, 0x00, 0, 0x52, 0x01}));
    EXPECT_EQ(ipmb.msgid, 65);
    EXPECT_EQ(ipmb.netfn, 0x01);
    EXPECT_EQ(ipmb.cmd, 0x02);
    EXPECT_EQ(ipmb.data, (Bytes{0xD4}));

    const auto lan = receive(*f);
    EXPECT_EQ(lan.addrLen, 12U);
    EXPECT_EQ(lan.addr, (Bytes{0x04, 0, 0, 0, 0x01, 0, 0x04, 0x07, 0x81, 0x20, 0x00, 0x00}));
    EXPECT_EQ(lan.msgid, 66);
    EXPECT_EQ(lan.netfn, 0x01);
    EXPECT_EQ(lan.data, (Bytes{0xD4}));
}

TEST_F(GateTest, RefusedBroadcastIsAnsweredAsIpmbAndTheGateKnowsItWasOne)
{
    auto f = openGated();
    gate->refused = {{0x06, 0x01}};
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52, 0, IPMI_IPMB_BROADCAST_ADDR_TYPE), 3, 0x06, 0x01), 0);
    ASSERT_EQ(gate->asked.size(), 1U);
    EXPECT_TRUE(gate->asked[0].broadcast);
    EXPECT_EQ(gate->asked[0].addr[0], 0x01);
    EXPECT_EQ(receive(*f).addr[0], 0x01);
}

TEST_F(GateTest, RefusedResponseToIpmbGetsATypeFourAnswer)
{
    auto f = openGated();
    gate->refused = {{0x07, 0x01}};
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 11, 0x07, 0x01, {0x00}), 0);
    EXPECT_TRUE(bmc->requests().empty());
    const auto r = receive(*f);
    EXPECT_EQ(r.recvType, IPMI_RESPONSE_RESPONSE_TYPE);
    EXPECT_EQ(r.netfn, 0x07);
    EXPECT_EQ(r.data, (Bytes{0xD4}));
}

TEST_F(GateTest, RefusedColdResetDoesNotStartMaintenanceMode)
{
    auto f = openGated();
    gate->refused = {{0x06, 0x02}};
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x02), 0);
    EXPECT_FALSE(bmc->maintenance());
    EXPECT_FALSE(mh->interfaceStatus(ifnum)->maintenanceActive);
    gate->refused.clear();
    EXPECT_EQ(send(*f, siAddr(), 2, 0x06, 0x02), 0);
    EXPECT_TRUE(bmc->maintenance());
}

TEST_F(GateTest, RegistrationAndMaintenanceAskTheGateAndKeepItsErrno)
{
    auto f = openGated();
    ipmi_cmdspec spec{0x30, 0x01};
    EXPECT_EQ(ioctl(*f, IPMICTL_REGISTER_FOR_CMD, &spec), -EPERM);
    ipmi_cmdspec_chans chans{0x30, 0x01, 1};
    EXPECT_EQ(ioctl(*f, IPMICTL_REGISTER_FOR_CMD_CHANS, &chans), -EPERM);
    int mode = IPMI_MAINTENANCE_MODE_ON;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MAINTENANCE_MODE_CMD, &mode), -EPERM);
    EXPECT_FALSE(bmc->maintenance());
    EXPECT_EQ(gate->sharedChanges, (std::vector<std::uint32_t>{IPMICTL_REGISTER_FOR_CMD, IPMICTL_REGISTER_FOR_CMD_CHANS,
                                                               IPMICTL_SET_MAINTENANCE_MODE_CMD}));
    // Nothing was registered: unregistering finds nothing, as the kernel says.
    EXPECT_EQ(ioctl(*f, IPMICTL_UNREGISTER_FOR_CMD, &spec), -ENOENT);
    gate->sharedChangeResult = 0;
    EXPECT_EQ(ioctl(*f, IPMICTL_REGISTER_FOR_CMD, &spec), 0);
}

TEST_F(GateTest, AddressingAsksTheGateOnlyForAChange)
{
    auto f = openGated();
    unsigned addr = 0x20;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_ADDRESS_CMD, &addr), 0); // what ipmitool does on open
    unsigned lun = 2 | 0x04;                                    // stored in two bits: no change
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_LUN_CMD, &lun), 0);
    EXPECT_TRUE(gate->sharedChanges.empty());

    addr = 0x42;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_ADDRESS_CMD, &addr), -EPERM);
    lun = 1;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_LUN_CMD, &lun), -EPERM);
    ipmi_channel_lun_address_set set{3, 0x44};
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, &set), -EPERM);
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_CHANNEL_LUN_CMD, &set), -EPERM);
    set = {16, 0x20};
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, &set), -EINVAL); // the kernel's check first
    EXPECT_EQ(gate->sharedChanges.size(), 4U);

    unsigned now = 0;
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_MY_ADDRESS_CMD, &now), 0);
    EXPECT_EQ(now, 0x20U);
    EXPECT_EQ(ioctl(*f, IPMICTL_GET_MY_LUN_CMD, &now), 0);
    EXPECT_EQ(now, 2U);
}

TEST_F(GateTest, UngatedFileNeverAsks)
{
    auto f = open();
    unsigned addr = 0x42;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MY_ADDRESS_CMD, &addr), 0);
    int mode = IPMI_MAINTENANCE_MODE_ON;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_MAINTENANCE_MODE_CMD, &mode), 0);
    EXPECT_EQ(send(*f, siAddr(), 1, 0x00, 0x02), 0);
    EXPECT_TRUE(bmc->pending().has_value());
}

} // namespace
} // namespace ipmi::core::testing
