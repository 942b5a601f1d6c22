// The Asio binding of the loop seam, run for real (io_context::run, nothing
// sleeps): zero-delay timers take the post path, and both paths honour
// cancel(), restart and destruction the same way.
#include "core/asio_event_loop.hpp"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace ipmi::core {
namespace {

using std::chrono::milliseconds;

TEST(AsioEventLoop, ZeroDelayTimerRunsOnTheLoopNotInsideStart)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    auto timer = loop.makeTimer();
    int fired = 0;
    timer->start(Clock::duration::zero(), [&] { ++fired; });
    EXPECT_EQ(fired, 0);
    EXPECT_TRUE(timer->pending());
    io.run();
    EXPECT_EQ(fired, 1);
    EXPECT_FALSE(timer->pending());
}

TEST(AsioEventLoop, CancelledZeroDelayTimerNeverFires)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    auto timer = loop.makeTimer();
    int fired = 0;
    timer->start(Clock::duration::zero(), [&] { ++fired; });
    timer->cancel();
    EXPECT_FALSE(timer->pending());
    io.run();
    EXPECT_EQ(fired, 0);
}

TEST(AsioEventLoop, DestroyedTimerNeverFiresOnEitherPath)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    int fired = 0;
    {
        auto now = loop.makeTimer();
        auto later = loop.makeTimer();
        now->start(Clock::duration::zero(), [&] { ++fired; });
        later->start(milliseconds(1), [&] { ++fired; });
    }
    io.run();
    EXPECT_EQ(fired, 0);
}

TEST(AsioEventLoop, RestartReplacesTheEarlierCallback)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    auto timer = loop.makeTimer();
    std::vector<int> order;
    timer->start(milliseconds(1), [&] { order.push_back(1); });
    timer->start(Clock::duration::zero(), [&] { order.push_back(2); });
    timer->start(Clock::duration::zero(), [&] { order.push_back(3); });
    io.run();
    EXPECT_EQ(order, std::vector<int>{3});
}

TEST(AsioEventLoop, ZeroDelayTimersAndPostsRunInOrder)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    auto first = loop.makeTimer();
    std::vector<int> order;
    first->start(Clock::duration::zero(), [&] { order.push_back(1); });
    loop.post([&] { order.push_back(2); });
    io.run();
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

} // namespace
} // namespace ipmi::core
