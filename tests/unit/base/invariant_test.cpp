// A broken invariant of ours ends the process with a message naming it and
// where it broke; one that holds costs nothing and returns.
#include "base/invariant.hpp"

#include <gtest/gtest.h>

namespace ipmi::base {
namespace {

TEST(InvariantDeathTest, ABrokenOneAbortsNamingWhatAndWhere)
{
    EXPECT_DEATH(invariant(false, "a sequence slot of ours is in the table"),
                 "ipmi-cuse: invariant broken at .*invariant_test\\.cpp:[0-9]+: a sequence slot of ours is in the "
                 "table; aborting");
}

TEST(InvariantDeathTest, BrokenAbortsEvenWithoutACondition)
{
    EXPECT_DEATH(invariantBroken("a response reached a request that was never sent"),
                 "a response reached a request that was never sent; aborting");
}

TEST(Invariant, OneThatHoldsReturns)
{
    int reached = 0;
    invariant(true, "never printed");
    ++reached;
    EXPECT_EQ(reached, 1);
}

} // namespace
} // namespace ipmi::base
