#include "core/testing/fake_event_loop.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace ipmi::core::testing {
namespace {

using std::chrono::milliseconds;

TEST(FakeEventLoop, RunsTimersInExpiryOrderAtTheirTime)
{
    FakeEventLoop loop;
    const auto t0 = loop.now();
    std::vector<int> order;
    std::vector<Clock::duration> at;
    auto a = loop.makeTimer();
    auto b = loop.makeTimer();
    a->start(milliseconds(300), [&] {
        order.push_back(1);
        at.push_back(loop.now() - t0);
    });
    b->start(milliseconds(100), [&] {
        order.push_back(2);
        at.push_back(loop.now() - t0);
    });
    EXPECT_EQ(loop.advance(milliseconds(250)), 1U);
    EXPECT_TRUE(a->pending());
    EXPECT_FALSE(b->pending());
    EXPECT_EQ(loop.advance(milliseconds(100)), 1U);
    EXPECT_EQ(order, (std::vector<int>{2, 1}));
    EXPECT_EQ(at, (std::vector<Clock::duration>{milliseconds(100), milliseconds(300)}));
    EXPECT_EQ(loop.now() - t0, milliseconds(350));
}

TEST(FakeEventLoop, CancelAndDestroyPreventTheCallback)
{
    FakeEventLoop loop;
    int fired = 0;
    auto a = loop.makeTimer();
    a->start(milliseconds(10), [&] { ++fired; });
    a->cancel();
    {
        auto b = loop.makeTimer();
        b->start(milliseconds(10), [&] { ++fired; });
    }
    loop.advance(milliseconds(100));
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(loop.pendingTimers(), 0U);
}

TEST(FakeEventLoop, ACallbackMayRearmItsOwnTimer)
{
    FakeEventLoop loop;
    int fired = 0;
    auto t = loop.makeTimer();
    std::function<void()> tick = [&] {
        if (++fired < 5) {
            t->start(milliseconds(1000), tick);
        }
    };
    t->start(milliseconds(1000), tick);
    loop.advance(std::chrono::seconds(10));
    EXPECT_EQ(fired, 5);
}

TEST(FakeEventLoop, PostedWorkRunsBeforeTimers)
{
    FakeEventLoop loop;
    std::vector<int> order;
    auto t = loop.makeTimer();
    t->start(milliseconds(0), [&] { order.push_back(2); });
    loop.post([&] { order.push_back(1); });
    loop.advance(milliseconds(0));
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

} // namespace
} // namespace ipmi::core::testing
