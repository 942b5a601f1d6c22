// The kernel's number and yes/no syntax for parameters: what the watchdog's int
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

// kstrtobool's reading, the one yes/no parser of every setting and parameter.
TEST(KernelNumber, BoolParsing)
{
    for (const auto* yes : {"1", "y", "Y", "yes", "t", "true", "on", "ON", "1\n", ""}) {
        EXPECT_EQ(parseKernelBool(yes), true) << yes;
    }
    for (const auto* no : {"0", "n", "N", "no", "f", "false", "off", "OFF"}) {
        EXPECT_EQ(parseKernelBool(no), false) << no;
    }
    for (const auto* neither : {"2", "o", "ox", "maybe", "-1", " 1"}) {
        EXPECT_EQ(parseKernelBool(neither), std::nullopt) << neither;
    }
}

} // namespace
} // namespace ipmi::core
