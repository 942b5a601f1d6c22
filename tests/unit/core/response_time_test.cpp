// ResponseTime: what a driver learns of the BMC's pace from its waits.
#include "core/response_time.hpp"

#include <gtest/gtest.h>

namespace ipmi::core {
namespace {

using namespace std::chrono_literals;

TEST(ResponseTime, StartsAtNoWait)
{
    const ResponseTime learned(20us, 100ms);
    EXPECT_EQ(learned.expected(), 0us);
}

TEST(ResponseTime, GrowsByAtMostOneDoublingPerWait)
{
    ResponseTime learned(20us, 100ms);
    learned.answeredAfter(2ms);
    EXPECT_EQ(learned.expected(), 20us); // at least the floor, at most double
    learned.answeredAfter(2ms);
    EXPECT_EQ(learned.expected(), 40us);
    for (int i = 0; i < 6; ++i) {
        learned.answeredAfter(2ms);
    }
    EXPECT_EQ(learned.expected(), 2ms); // 80, 160, 320, 640, 1280, then the wait itself
}

TEST(ResponseTime, OneSlowCommandDoesNotSlowTheNextOnes)
{
    ResponseTime learned(20us, 100ms);
    for (int i = 0; i < 10; ++i) {
        learned.answeredAfter(500us);
    }
    learned.answeredAfter(80ms); // a SEL clear
    EXPECT_EQ(learned.expected(), 1ms);
    learned.answeredAtFirstLook();
    EXPECT_EQ(learned.expected(), 500us);
}

TEST(ResponseTime, AnAnswerAtTheFirstLookHalvesItDownToNothing)
{
    ResponseTime learned(20us, 100ms);
    for (int i = 0; i < 12; ++i) {
        learned.answeredAfter(1ms);
    }
    EXPECT_EQ(learned.expected(), 1ms);
    learned.answeredAtFirstLook();
    EXPECT_EQ(learned.expected(), 500us);
    for (int i = 0; i < 5; ++i) {
        learned.answeredAtFirstLook();
    }
    EXPECT_EQ(learned.expected(), 0us); // 250, 125, 62.5, 31.25, then below the floor
}

TEST(ResponseTime, NeverPastTheCeiling)
{
    ResponseTime learned(20us, 3ms);
    for (int i = 0; i < 20; ++i) {
        learned.answeredAfter(1s);
    }
    EXPECT_EQ(learned.expected(), 3ms);
}

} // namespace
} // namespace ipmi::core
