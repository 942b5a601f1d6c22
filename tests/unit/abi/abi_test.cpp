// abi/ must equal the system's uapi headers fact by fact, and the compat
// layouts must equal what a 32-bit build of the kernel structs gives.
#include "abi/ipmi_compat.hpp"
#include "tests/unit/abi/layout_table.hpp"

#include <gtest/gtest.h>

namespace ipmi::abi_test {
namespace {

TEST(AbiMirror, EveryFactMatchesTheSystemHeaders)
{
    const auto sys = systemFacts();
    const auto ours = mirrorFacts();
    ASSERT_EQ(sys.size(), ours.size());
    ASSERT_GT(sys.size(), 150U);
    for (const auto& [name, value] : sys) {
        const auto it = ours.find(name);
        ASSERT_NE(it, ours.end()) << name;
        EXPECT_EQ(it->second, value) << name;
    }
}

TEST(AbiMirror, AddressLengthsAreTheKernels)
{
    EXPECT_EQ(abi::ipmi_addr_length(abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE), 8U);
    EXPECT_EQ(abi::ipmi_addr_length(abi::IPMI_IPMB_ADDR_TYPE), 8U);
    EXPECT_EQ(abi::ipmi_addr_length(abi::IPMI_IPMB_BROADCAST_ADDR_TYPE), 8U);
    EXPECT_EQ(abi::ipmi_addr_length(abi::IPMI_IPMB_DIRECT_ADDR_TYPE), 12U);
    EXPECT_EQ(abi::ipmi_addr_length(abi::IPMI_LAN_ADDR_TYPE), 12U);
    EXPECT_EQ(abi::ipmi_addr_length(0x55), 0U);
}

TEST(AbiCompat, NumbersDifferFromNativeOnlyInSize)
{
    EXPECT_EQ(abi::COMPAT_IPMICTL_SEND_COMMAND & ~0x3FFF0000U, abi::IPMICTL_SEND_COMMAND & ~0x3FFF0000U);
    EXPECT_EQ(abi::ioc_size(abi::COMPAT_IPMICTL_SEND_COMMAND), 20U);
    EXPECT_EQ(abi::ioc_size(abi::COMPAT_IPMICTL_SEND_COMMAND_SETTIME), 28U);
    EXPECT_EQ(abi::ioc_size(abi::COMPAT_IPMICTL_RECEIVE_MSG), 24U);
    EXPECT_EQ(abi::ioc_size(abi::COMPAT_IPMICTL_RECEIVE_MSG_TRUNC), 24U);
    EXPECT_EQ(abi::ioc_nr(abi::COMPAT_IPMICTL_RECEIVE_MSG_TRUNC), 11U);
    EXPECT_EQ(abi::ioc_type(abi::COMPAT_IPMICTL_RECEIVE_MSG), 'i');
    EXPECT_EQ(abi::ioc_dir(abi::COMPAT_IPMICTL_RECEIVE_MSG), abi::IOC_READ | abi::IOC_WRITE);
}

} // namespace
} // namespace ipmi::abi_test
