// The kernel's number syntax for parameters: what the watchdog's int
// parameters accept and refuse.
#include "core/kernel_number.hpp"

#include <gtest/gtest.h>

namespace ipmi::core {
namespace {

TEST(KernelNumber, IntegerParsing)
{
    EXPECT_EQ(parseKernelInteger("42"), 42);
    EXPECT_EQ(parseKernelInteger("0x10"), 16);
    EXPECT_EQ(parseKernelInteger("010"), 8);
    EXPECT_EQ(parseKernelInteger("0"), 0);
    EXPECT_EQ(parseKernelInteger("-1"), -1);
    EXPECT_EQ(parseKernelInteger(" 7\n"), 7);
    EXPECT_EQ(parseKernelInteger(""), std::nullopt);
    EXPECT_EQ(parseKernelInteger("0x"), std::nullopt);
    EXPECT_EQ(parseKernelInteger("08"), std::nullopt);
    EXPECT_EQ(parseKernelInteger("12abc"), std::nullopt);
    EXPECT_EQ(parseKernelInteger("--1"), std::nullopt);
}

} // namespace
} // namespace ipmi::core
