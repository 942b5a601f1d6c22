// IPMICTL_SEND_COMMAND(_SETTIME), native and compat, through the retry
// protocol: the struct first, then address and data in one retry; the
// errno of each check, and EFAULT from each of the kernel's copies, against
// core's own DeviceFile.
#include "abi/ipmi.hpp"
#include "abi/ipmi_compat.hpp"
#include "cuse_dev/ioctl_marshal.hpp"
#include "tests/unit/cuse_dev/fake_cuse_kernel.hpp"
#include "tests/unit/cuse_dev/real_ipmi_file.hpp"

#include <gtest/gtest.h>

namespace ipmi::cuse::testing {
namespace {

using namespace ipmi::abi;

std::string layoutName(const ::testing::TestParamInfo<bool>& param)
{
    return param.param ? "Compat" : "Native";
}
using Bytes = std::vector<std::uint8_t>;

template <typename T>
T* userPtr(std::uint64_t addr)
{
    return reinterpret_cast<T*>(static_cast<std::uintptr_t>(addr));
}

struct SendArgs
{
    std::uint64_t addr = 0;
    std::uint32_t addrLen = 0;
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::uint64_t data = 0;
    std::uint16_t dataLen = 0;
    bool settime = false;
    int retries = 0;
    unsigned retryTimeMs = 0;
};

class SendIoctl : public ::testing::TestWithParam<bool>
{
  protected:
    bool compat() const { return GetParam(); }

    std::uint64_t placeAddr(const Bytes& addr)
    {
        const auto at = user.alloc(addr.size() + 8);
        user.write(at, addr.data(), addr.size());
        return at;
    }

    static Bytes siAddr(std::uint8_t lun = 0)
    {
        Bytes b(sizeof(ipmi_system_interface_addr), 0); // no struct padding in the bytes
        const int type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
        const short channel = IPMI_BMC_CHANNEL;
        std::memcpy(b.data(), &type, sizeof type);
        std::memcpy(b.data() + offsetof(ipmi_system_interface_addr, channel), &channel, sizeof channel);
        b[offsetof(ipmi_system_interface_addr, lun)] = lun;
        return b;
    }

    // Lays out the request struct in the caller's memory; returns arg.
    std::uint64_t placeRequest(const SendArgs& s)
    {
        if (compat()) {
            compat_ipmi_req_settime r{};
            r.req = compat_ipmi_req{static_cast<compat_uptr_t>(s.addr), s.addrLen, static_cast<std::int32_t>(s.msgid),
                                    compat_ipmi_msg{s.netfn, s.cmd, s.dataLen, static_cast<compat_uptr_t>(s.data)}};
            r.retries = s.retries;
            r.retry_time_ms = s.retryTimeMs;
            return user.place(r);
        }
        ipmi_req_settime r{};
        r.req = ipmi_req{userPtr<unsigned char>(s.addr), s.addrLen, s.msgid,
                         ipmi_msg{s.netfn, s.cmd, s.dataLen, userPtr<unsigned char>(s.data)}};
        r.retries = s.retries;
        r.retry_time_ms = s.retryTimeMs;
        return user.place(r);
    }

    std::uint32_t cmdFor(bool settime) const
    {
        if (compat()) {
            return settime ? COMPAT_IPMICTL_SEND_COMMAND_SETTIME : COMPAT_IPMICTL_SEND_COMMAND;
        }
        return settime ? IPMICTL_SEND_COMMAND_SETTIME : IPMICTL_SEND_COMMAND;
    }
    std::size_t structSize(bool settime) const
    {
        if (compat()) {
            return settime ? sizeof(compat_ipmi_req_settime) : sizeof(compat_ipmi_req);
        }
        return settime ? sizeof(ipmi_req_settime) : sizeof(ipmi_req);
    }

    KernelResult send(const SendArgs& s)
    {
        arg = placeRequest(s);
        return kernel.ioctl(file, cmdFor(s.settime), arg, compat());
    }

    SendArgs getDeviceId(const Bytes& payload = {0x01, 0x02, 0x03})
    {
        SendArgs s;
        s.addr = placeAddr(siAddr());
        s.addrLen = 8;
        s.msgid = 41;
        s.netfn = 0x06;
        s.cmd = 0x01;
        s.data = user.alloc(payload.size() + 16);
        user.write(s.data, payload.data(), payload.size());
        s.dataLen = static_cast<std::uint16_t>(payload.size());
        return s;
    }

    FakeUserSpace user{GetParam() ? 0x10000000ULL : 0x7f0000000000ULL};
    FakeCuseKernel kernel{user};
    RealIpmiFile file;
    std::uint64_t arg = 0;
};

TEST_P(SendIoctl, FetchesStructThenAddressAndDataInOneRetry)
{
    const auto s = getDeviceId();
    const auto r = send(s);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.roundTrips, 3);
    ASSERT_EQ(r.plans.size(), 2U);
    EXPECT_EQ(r.plans[0], (RetryPlan{{{arg, structSize(false)}}, {}}));
    EXPECT_EQ(r.plans[1], (RetryPlan{{{arg, structSize(false)}, {s.addr, 8}, {s.data, 3}}, {}}));
    ASSERT_EQ(file.sent().size(), 1U);
    EXPECT_EQ(file.sent()[0].addr, siAddr());
    EXPECT_EQ(file.sent()[0].msgid, 41);
    EXPECT_EQ(file.sent()[0].netfn, 0x06);
    EXPECT_EQ(file.sent()[0].cmd, 0x01);
    EXPECT_EQ(file.sent()[0].data, (Bytes{0x01, 0x02, 0x03}));
}

TEST_P(SendIoctl, SettimeCarriesItsRetriesAndRetryTime)
{
    auto s = getDeviceId();
    s.settime = true;
    s.retries = 2;
    s.retryTimeMs = 750;
    const auto r = send(s);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.roundTrips, 3);
    EXPECT_EQ(r.plans.at(0).in.at(0).len, structSize(true));
    ASSERT_EQ(file.sent().size(), 1U);
}

TEST_P(SendIoctl, MsgidTravelsWithTheLayoutsWidth)
{
    auto s = getDeviceId();
    s.msgid = compat() ? -5 : 0x123456789AL;
    EXPECT_EQ(send(s).ret, 0);
    ASSERT_EQ(file.sent().size(), 1U);
    EXPECT_EQ(file.sent()[0].msgid, compat() ? -5 : 0x123456789AL);
}

TEST_P(SendIoctl, AddressLongerThanIpmiAddrIsEinvalWithoutFetchingIt)
{
    auto s = getDeviceId();
    s.addr = user.unmapped();
    s.addrLen = 41;
    const auto r = send(s);
    EXPECT_EQ(r.ret, -EINVAL);
    EXPECT_EQ(r.roundTrips, 2);
    EXPECT_TRUE(file.sent().empty());
}

TEST_P(SendIoctl, InvalidAddressIsEinval)
{
    auto s = getDeviceId();
    Bytes bad = siAddr();
    bad[4] = 3; // a system-interface address must use channel 15
    s.addr = placeAddr(bad);
    EXPECT_EQ(send(s).ret, -EINVAL);
    s.addr = placeAddr(siAddr());
    s.addrLen = 6;
    EXPECT_EQ(send(s).ret, -EINVAL);
    EXPECT_TRUE(file.sent().empty());
}

// A 32-bit caller using the native number (a 64-bit struct): a pointer
// beyond 4 GiB is EFAULT where the kernel's copy faults, never a retry the
// kernel refuses with EIO (found by fuzz/ioctl_fuzz.cpp). An invalid
// address still comes first.
TEST(SendIoctlCompatCaller, NativeLayoutPointerBeyond4GiBIsEfault)
{
    FakeUserSpace user{0x10000000ULL};
    FakeCuseKernel kernel{user};
    RealIpmiFile file;
    Bytes si(sizeof(ipmi_system_interface_addr), 0);
    const int type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    const short channel = IPMI_BMC_CHANNEL;
    std::memcpy(si.data(), &type, sizeof type);
    std::memcpy(si.data() + offsetof(ipmi_system_interface_addr, channel), &channel, sizeof channel);
    const auto addr = user.alloc(16);
    user.write(addr, si.data(), si.size());
    const std::uint64_t far = 0x100000000ULL;

    ipmi_req r{userPtr<unsigned char>(addr), 8, 7, ipmi_msg{0x06, 0x01, 4, userPtr<unsigned char>(far)}};
    EXPECT_EQ(kernel.ioctl(file, IPMICTL_SEND_COMMAND, user.place(r), true).ret, -EFAULT);
    r.addr = userPtr<unsigned char>(far);
    EXPECT_EQ(kernel.ioctl(file, IPMICTL_SEND_COMMAND, user.place(r), true).ret, -EFAULT);
    r.addr_len = 41;
    EXPECT_EQ(kernel.ioctl(file, IPMICTL_SEND_COMMAND, user.place(r), true).ret, -EINVAL);
    EXPECT_TRUE(file.sent().empty());
}

TEST_P(SendIoctl, DataLongerThan272IsEmsgsizeEvenFromAnUnmappedBuffer)
{
    auto s = getDeviceId();
    s.data = user.unmapped();
    s.dataLen = 273;
    const auto r = send(s);
    EXPECT_EQ(r.ret, -EMSGSIZE);
    EXPECT_EQ(r.roundTrips, 3);
    EXPECT_TRUE(file.sent().empty());
}

TEST_P(SendIoctl, MaximumDataIsFetchedWhole)
{
    // 270: the most a system interface message carries (netfn and cmd make
    // 272); the message handler refuses more with EMSGSIZE.
    Bytes payload(270);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        payload[i] = static_cast<std::uint8_t>(i);
    }
    EXPECT_EQ(send(getDeviceId(payload)).ret, 0);
    ASSERT_EQ(file.sent().size(), 1U);
    EXPECT_EQ(file.sent()[0].data, payload);
}

TEST_P(SendIoctl, NullDataSendsNoDataWhateverItsLength)
{
    auto s = getDeviceId();
    s.data = 0;
    s.dataLen = 5;
    const auto r = send(s);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.plans.at(1).in.size(), 2U); // struct and address only
    ASSERT_EQ(file.sent().size(), 1U);
    EXPECT_TRUE(file.sent()[0].data.empty());
}

TEST_P(SendIoctl, EachCopyThatFaultsIsEfaultAndNothingIsSent)
{
    const auto bad = user.unmapped();
    auto r = kernel.ioctl(file, cmdFor(false), bad, compat());
    EXPECT_EQ(r.ret, -EFAULT);
    EXPECT_EQ(r.roundTrips, 1);

    auto s = getDeviceId();
    s.addr = bad;
    r = send(s);
    EXPECT_EQ(r.ret, -EFAULT);
    EXPECT_EQ(r.roundTrips, 2);

    s = getDeviceId();
    s.data = bad;
    r = send(s);
    EXPECT_EQ(r.ret, -EFAULT);
    EXPECT_EQ(r.roundTrips, 2);

    s = getDeviceId();
    s.dataLen = 200; // runs past the end of its 19-byte region
    EXPECT_EQ(send(s).ret, -EFAULT);
    EXPECT_TRUE(file.sent().empty());
}

TEST_P(SendIoctl, TheFilesErrnoIsReturnedAsIs)
{
    RealIpmiFile full(0); // max_msgs_per_user 0
    arg = placeRequest(getDeviceId());
    EXPECT_EQ(kernel.ioctl(full, cmdFor(false), arg, compat()).ret, -EBUSY);
}

INSTANTIATE_TEST_SUITE_P(NativeAndCompat, SendIoctl, ::testing::Bool(), layoutName);

} // namespace
} // namespace ipmi::cuse::testing
