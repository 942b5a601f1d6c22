// The Asio binding of the loop seam, run for real (io_context::run, nothing
// sleeps): zero-delay timers take the post path, and both paths honour
// cancel(), restart and destruction the same way; posted work runs once, in
// order, at its place in the loop or sooner through runPosted().
#include "daemon/asio_event_loop.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ipmi::daemon {
namespace {

using core::Clock;
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

TEST(AsioEventLoop, RunPostedRunsTheWaitingWorkNowInOrderAndOnlyOnce)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    std::vector<int> order;
    loop.post([&] { order.push_back(1); });
    loop.post([&] { order.push_back(2); });
    loop.runPosted();
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    io.run();
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(AsioEventLoop, PostedWorkKeepsItsPlaceAmongTheLoopsOtherHandlers)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    auto timer = loop.makeTimer();
    std::vector<int> order;
    loop.post([&] { order.push_back(1); });
    timer->start(Clock::duration::zero(), [&] { order.push_back(2); });
    loop.post([&] { order.push_back(3); });
    io.run();
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(AsioEventLoop, WorkPostedWhileRunPostedRunsWaitsForItsTurn)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    std::vector<int> order;
    loop.post([&] {
        order.push_back(1);
        loop.post([&] { order.push_back(3); });
    });
    loop.post([&] { order.push_back(2); });
    loop.runPosted();
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    io.run();
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(AsioEventLoop, RunPostedFromInsidePostedWorkDoesNotRunTheNextPieceInsideIt)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    std::vector<std::string> order;
    loop.post([&] {
        order.emplace_back("first begins");
        loop.runPosted();
        order.emplace_back("first ends");
    });
    loop.post([&] { order.emplace_back("second"); });
    io.run();
    EXPECT_EQ(order, (std::vector<std::string>{"first begins", "first ends", "second"}));
}

TEST(AsioEventLoop, WorkPostedFromAnotherThreadRunsOnTheLoopThread)
{
    boost::asio::io_context io;
    AsioEventLoop loop(io);
    auto work = boost::asio::make_work_guard(io);
    std::thread::id ranOn;
    std::thread worker([&] {
        loop.post([&] {
            ranOn = std::this_thread::get_id();
            work.reset();
        });
    });
    io.run();
    worker.join();
    EXPECT_EQ(ranOn, std::this_thread::get_id());
}

} // namespace
} // namespace ipmi::daemon
