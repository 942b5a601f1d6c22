// The fixed-size IPMICTL ioctls through the retry protocol, for a 64-bit and
// a 32-bit caller (compat callers use the same numbers for these): values,
// round trips, errno passed through, EFAULT raised by the kernel's copies,
// and ENOTTY for everything that is not an IPMI ioctl.
#include "abi/ipmi.hpp"
#include "abi/ipmi_compat.hpp"
#include "core/devintf_copies.hpp"
#include "cuse_dev/ioctl_marshal.hpp"
#include "tests/unit/cuse_dev/fake_cuse_kernel.hpp"
#include "tests/unit/cuse_dev/real_ipmi_file.hpp"

#include <gtest/gtest.h>

namespace ipmi::cuse::testing {
namespace {

using core::ipmiIoctlShape;

using namespace ipmi::abi;

std::string layoutName(const ::testing::TestParamInfo<bool>& param)
{
    return param.param ? "Compat" : "Native";
}

class PlainIoctl : public ::testing::TestWithParam<bool>
{
  protected:
    bool compat() const { return GetParam(); }
    KernelResult run(std::uint32_t cmd, std::uint64_t arg) { return kernel.ioctl(file, cmd, arg, compat()); }

    FakeUserSpace user{GetParam() ? 0x10000000ULL : 0x7f0000000000ULL};
    FakeCuseKernel kernel{user};
    RealIpmiFile file;
};

TEST_P(PlainIoctl, SetGetsEventsFetchesTheIntInOneRetry)
{
    const auto arg = user.place(int{1});
    const auto r = run(IPMICTL_SET_GETS_EVENTS_CMD, arg);
    EXPECT_EQ(r.ret, 0);
    EXPECT_TRUE(file.receivesEvents());
    EXPECT_EQ(r.roundTrips, 2);
    ASSERT_EQ(r.plans.size(), 1U);
    EXPECT_EQ(r.plans[0], (RetryPlan{{{arg, 4}}, {}}));
}

TEST_P(PlainIoctl, MyAddressIsStoredTruncatedAndReadBack)
{
    EXPECT_EQ(run(IPMICTL_SET_MY_ADDRESS_CMD, user.place(0x1234U)).ret, 0);
    unsigned myAddress = 0;
    EXPECT_EQ(file.direct(IPMICTL_GET_MY_ADDRESS_CMD, &myAddress), 0);
    EXPECT_EQ(myAddress, 0x34U);
    const auto out = user.alloc(8);
    const auto r = run(IPMICTL_GET_MY_ADDRESS_CMD, out);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.roundTrips, 2);
    EXPECT_EQ(user.bytes(out, 8), (std::vector<std::uint8_t>{0x34, 0, 0, 0, 0xA5, 0xA5, 0xA5, 0xA5}));
}

TEST_P(PlainIoctl, MyLunKeepsTwoBits)
{
    EXPECT_EQ(run(IPMICTL_SET_MY_LUN_CMD, user.place(7U)).ret, 0);
    const auto out = user.alloc(4);
    EXPECT_EQ(run(IPMICTL_GET_MY_LUN_CMD, out).ret, 0);
    EXPECT_EQ(user.get<unsigned>(out), 3U);
}

TEST_P(PlainIoctl, TimingParmsRoundTrip)
{
    const auto out = user.alloc(sizeof(ipmi_timing_parms));
    EXPECT_EQ(run(IPMICTL_GET_TIMING_PARMS_CMD, out).ret, 0);
    EXPECT_EQ(user.get<ipmi_timing_parms>(out).retries, -1);
    EXPECT_EQ(user.get<ipmi_timing_parms>(out).retry_time_ms, 0U);

    EXPECT_EQ(run(IPMICTL_SET_TIMING_PARMS_CMD, user.place(ipmi_timing_parms{3, 1500})).ret, 0);
    const auto r = run(IPMICTL_GET_TIMING_PARMS_CMD, out);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.plans.at(0), (RetryPlan{{{out, 8}}, {{out, 8}}}));
    EXPECT_EQ(user.get<ipmi_timing_parms>(out).retries, 3);
    EXPECT_EQ(user.get<ipmi_timing_parms>(out).retry_time_ms, 1500U);
}

TEST_P(PlainIoctl, ChannelAddressAndLunAreReadModifiedWrittenInOneRetry)
{
    EXPECT_EQ(run(IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, user.place(ipmi_channel_lun_address_set{2, 0x40})).ret, 0);
    EXPECT_EQ(run(IPMICTL_SET_MY_CHANNEL_LUN_CMD, user.place(ipmi_channel_lun_address_set{2, 6})).ret, 0);

    const auto arg = user.place(ipmi_channel_lun_address_set{2, 0});
    const auto r = run(IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD, arg);
    EXPECT_EQ(r.ret, 0);
    EXPECT_EQ(r.roundTrips, 2);
    EXPECT_EQ(r.plans.at(0), (RetryPlan{{{arg, 4}}, {{arg, 4}}}));
    EXPECT_EQ(user.get<ipmi_channel_lun_address_set>(arg).channel, 2);
    EXPECT_EQ(user.get<ipmi_channel_lun_address_set>(arg).value, 0x40);

    EXPECT_EQ(run(IPMICTL_GET_MY_CHANNEL_LUN_CMD, arg).ret, 0);
    EXPECT_EQ(user.get<ipmi_channel_lun_address_set>(arg).value, 2);
}

TEST_P(PlainIoctl, ChannelSixteenIsEinvalAndTheStructStaysAsItWas)
{
    const auto arg = user.place(ipmi_channel_lun_address_set{16, 0x77});
    const auto before = user.bytes(arg, 4);
    EXPECT_EQ(run(IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD, arg).ret, -EINVAL);
    EXPECT_EQ(user.bytes(arg, 4), before);
    EXPECT_EQ(run(IPMICTL_SET_MY_CHANNEL_LUN_CMD, arg).ret, -EINVAL);
}

TEST_P(PlainIoctl, CommandRegistrationsReportEbusyAndEnoent)
{
    const auto spec = user.place(ipmi_cmdspec{0x06, 0x01});
    EXPECT_EQ(run(IPMICTL_REGISTER_FOR_CMD, spec).ret, 0);
    EXPECT_EQ(run(IPMICTL_REGISTER_FOR_CMD, spec).ret, -EBUSY);
    EXPECT_EQ(run(IPMICTL_UNREGISTER_FOR_CMD, spec).ret, 0);
    EXPECT_EQ(run(IPMICTL_UNREGISTER_FOR_CMD, spec).ret, -ENOENT);

    EXPECT_EQ(run(IPMICTL_REGISTER_FOR_CMD_CHANS, user.place(ipmi_cmdspec_chans{0x30, 0x10, 0x1})).ret, 0);
    EXPECT_EQ(run(IPMICTL_REGISTER_FOR_CMD_CHANS, user.place(ipmi_cmdspec_chans{0x30, 0x10, 0x2})).ret, 0);
    const auto r = run(IPMICTL_REGISTER_FOR_CMD_CHANS, user.place(ipmi_cmdspec_chans{0x30, 0x10, 0x3}));
    EXPECT_EQ(r.ret, -EBUSY);
    EXPECT_EQ(r.plans.at(0).in.at(0).len, 12U);
    EXPECT_EQ(run(IPMICTL_UNREGISTER_FOR_CMD_CHANS, user.place(ipmi_cmdspec_chans{0x30, 0x10, 0x3})).ret, 0);
    // Nothing is left registered: both can be registered again.
    ipmi_cmdspec_chans chans{0x30, 0x10, 0x3};
    EXPECT_EQ(file.direct(IPMICTL_REGISTER_FOR_CMD_CHANS, &chans), 0);
    ipmi_cmdspec all{0x06, 0x01};
    EXPECT_EQ(file.direct(IPMICTL_REGISTER_FOR_CMD, &all), 0);
}

TEST_P(PlainIoctl, MaintenanceModeRejectsValuesAboveTwo)
{
    EXPECT_EQ(run(IPMICTL_SET_MAINTENANCE_MODE_CMD, user.place(2)).ret, 0);
    EXPECT_EQ(run(IPMICTL_SET_MAINTENANCE_MODE_CMD, user.place(3)).ret, -EINVAL);
    const auto out = user.alloc(4);
    EXPECT_EQ(run(IPMICTL_GET_MAINTENANCE_MODE_CMD, out).ret, 0);
    EXPECT_EQ(user.get<int>(out), 2);
}

TEST_P(PlainIoctl, UnmappedArgumentFaultsInTheKernelBeforeTheFileRuns)
{
    const auto bad = user.unmapped();
    const auto r = run(IPMICTL_SET_GETS_EVENTS_CMD, bad);
    EXPECT_EQ(r.ret, -EFAULT);
    EXPECT_EQ(r.roundTrips, 1);
    EXPECT_EQ(file.runs, 1); // only the first, memory-less attempt
    EXPECT_EQ(run(IPMICTL_GET_MY_ADDRESS_CMD, bad).ret, -EFAULT);
    EXPECT_EQ(run(IPMICTL_GET_MY_CHANNEL_LUN_CMD, bad).ret, -EFAULT);
}

TEST_P(PlainIoctl, NonIpmiIoctlsAreEnottyWithoutTouchingTheFile)
{
    const auto arg = user.alloc(64);
    for (const std::uint32_t cmd : {0x5401U /* TCGETS */, ioc_r(IPMI_IOC_MAGIC, 10, 4), ioc_r(IPMI_IOC_MAGIC, 13, 41),
                                    0xC0045702U /* WDIOC-like */}) {
        const auto r = run(cmd, arg);
        EXPECT_EQ(r.ret, -ENOTTY) << std::hex << cmd;
        EXPECT_EQ(r.roundTrips, 1);
    }
    EXPECT_EQ(file.runs, 0);
    EXPECT_EQ(user.bytes(arg, 4), (std::vector<std::uint8_t>(4, 0xA5)));
}

INSTANTIATE_TEST_SUITE_P(NativeAndCompat, PlainIoctl, ::testing::Bool(), layoutName);

TEST(IoctlShape, EveryNativeNumberIsKnownInBothModesAndCompatNumbersOnlyInCompat)
{
    const std::uint32_t native[] = {IPMICTL_RECEIVE_MSG_TRUNC,
                                    IPMICTL_RECEIVE_MSG,
                                    IPMICTL_SEND_COMMAND,
                                    IPMICTL_REGISTER_FOR_CMD,
                                    IPMICTL_UNREGISTER_FOR_CMD,
                                    IPMICTL_SET_GETS_EVENTS_CMD,
                                    IPMICTL_SET_MY_ADDRESS_CMD,
                                    IPMICTL_GET_MY_ADDRESS_CMD,
                                    IPMICTL_SET_MY_LUN_CMD,
                                    IPMICTL_GET_MY_LUN_CMD,
                                    IPMICTL_SEND_COMMAND_SETTIME,
                                    IPMICTL_SET_TIMING_PARMS_CMD,
                                    IPMICTL_GET_TIMING_PARMS_CMD,
                                    IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD,
                                    IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD,
                                    IPMICTL_SET_MY_CHANNEL_LUN_CMD,
                                    IPMICTL_GET_MY_CHANNEL_LUN_CMD,
                                    IPMICTL_REGISTER_FOR_CMD_CHANS,
                                    IPMICTL_UNREGISTER_FOR_CMD_CHANS,
                                    IPMICTL_GET_MAINTENANCE_MODE_CMD,
                                    IPMICTL_SET_MAINTENANCE_MODE_CMD};
    for (const auto cmd : native) {
        ASSERT_TRUE(ipmiIoctlShape(cmd, false).has_value()) << std::hex << cmd;
        EXPECT_FALSE(ipmiIoctlShape(cmd, false)->compatLayout);
        ASSERT_TRUE(ipmiIoctlShape(cmd, true).has_value());
        EXPECT_FALSE(ipmiIoctlShape(cmd, true)->compatLayout);
    }
    for (const auto cmd : {COMPAT_IPMICTL_SEND_COMMAND, COMPAT_IPMICTL_SEND_COMMAND_SETTIME, COMPAT_IPMICTL_RECEIVE_MSG,
                           COMPAT_IPMICTL_RECEIVE_MSG_TRUNC}) {
        EXPECT_FALSE(ipmiIoctlShape(cmd, false).has_value()) << std::hex << cmd;
        ASSERT_TRUE(ipmiIoctlShape(cmd, true).has_value());
        EXPECT_TRUE(ipmiIoctlShape(cmd, true)->compatLayout);
    }
    EXPECT_EQ(ipmiIoctlShape(COMPAT_IPMICTL_RECEIVE_MSG, true)->readSize, 24U);
    EXPECT_EQ(ipmiIoctlShape(IPMICTL_RECEIVE_MSG_TRUNC, false)->writeSize, 48U);
    EXPECT_TRUE(ipmiIoctlShape(IPMICTL_RECEIVE_MSG_TRUNC, false)->truncating);
    EXPECT_FALSE(ipmiIoctlShape(IPMICTL_RECEIVE_MSG, false)->truncating);
}

TEST(IoctlShape, CompatSendWithoutTheCompatFlagIsEnotty)
{
    FakeUserSpace user{0x10000000ULL};
    FakeCuseKernel kernel{user};
    RealIpmiFile file;
    const auto r = kernel.ioctl(file, COMPAT_IPMICTL_SEND_COMMAND, user.alloc(20), false);
    EXPECT_EQ(r.ret, -ENOTTY);
    EXPECT_EQ(file.runs, 0);
}

} // namespace
} // namespace ipmi::cuse::testing
