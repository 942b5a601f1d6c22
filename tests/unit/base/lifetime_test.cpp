#include "base/lifetime.hpp"
#include "base/pump_guard.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ipmi::base {
namespace {

struct Owner
{
    int calls = 0;
    Lifetime lifetime;
};

TEST(Lifetime, AGuardedCallRunsWhileItsOwnerLives)
{
    Owner owner;
    auto fn = owner.lifetime.guard([&owner](int n) { owner.calls += n; });
    fn(2);
    fn(3);
    EXPECT_EQ(owner.calls, 5);
}

TEST(Lifetime, AGuardedCallAfterItsOwnerDiedDoesNotRun)
{
    int calls = 0;
    std::function<void()> later;
    {
        auto owner = std::make_unique<Owner>();
        later = owner->lifetime.guard([&calls, raw = owner.get()] {
            ++raw->calls; // would touch freed memory
            ++calls;
        });
    }
    later();
    EXPECT_EQ(calls, 0);
}

TEST(Lifetime, EndStopsWhatWasGuardedAndWitnessed)
{
    Owner owner;
    auto fn = owner.lifetime.guard([&owner] { ++owner.calls; });
    const auto witness = owner.lifetime.witness();
    EXPECT_TRUE(witness.alive());
    owner.lifetime.end();
    EXPECT_TRUE(owner.lifetime.ended());
    EXPECT_FALSE(witness);
    fn();
    EXPECT_EQ(owner.calls, 0);
}

TEST(Lifetime, RenewStopsTheOldGenerationOnly)
{
    Owner owner;
    auto old = owner.lifetime.guard([&owner] { owner.calls += 1; });
    owner.lifetime.renew();
    auto current = owner.lifetime.guard([&owner] { owner.calls += 10; });
    old();
    current();
    EXPECT_EQ(owner.calls, 10);
    EXPECT_FALSE(owner.lifetime.ended());
}

TEST(Lifetime, AWitnessSeesItsOwnerDestroyedByACallback)
{
    auto owner = std::make_unique<Owner>();
    const auto witness = owner->lifetime.witness();
    const std::function<void()> destroys = [&owner] { owner.reset(); };
    destroys();
    EXPECT_FALSE(witness.alive());
}

TEST(Lifetime, AGuardKeepsAMoveOnlyCallableAndItsState)
{
    Owner owner;
    auto fn = owner.lifetime.guard([&owner, n = std::make_unique<int>(4)]() mutable { owner.calls += (*n)++; });
    fn();
    fn();
    EXPECT_EQ(owner.calls, 9);
}

struct Pump
{
    PumpGuard guard;
    std::vector<std::string> trace;
    int depth = 0;
    int maxDepth = 0;
    int nestedRequests = 0;

    void pump()
    {
        guard.run([this] {
            ++depth;
            maxDepth = std::max(maxDepth, depth);
            trace.push_back("pass");
            if (nestedRequests > 0) {
                --nestedRequests;
                trace.push_back("ask");
                pump();
                trace.push_back("asked");
            }
            --depth;
        });
    }
};

TEST(PumpGuard, ANestedRequestRunsOnceMoreAfterTheOuterPassNeverRecursively)
{
    Pump p;
    p.nestedRequests = 1;
    p.pump();
    EXPECT_EQ(p.trace, (std::vector<std::string>{"pass", "ask", "asked", "pass"}));
    EXPECT_EQ(p.maxDepth, 1);
    EXPECT_FALSE(p.guard.running());
}

TEST(PumpGuard, SeveralRequestsInOnePassGiveOneMorePass)
{
    PumpGuard guard;
    int passes = 0;
    std::function<void()> pump;
    pump = [&] {
        guard.run([&] {
            ++passes;
            if (passes == 1) {
                pump();
                pump();
                pump();
            }
        });
    };
    pump();
    EXPECT_EQ(passes, 2);
}

TEST(PumpGuard, RequestsInEachPassKeepItGoingUntilAPassAsksNothing)
{
    Pump p;
    p.nestedRequests = 3;
    p.pump();
    EXPECT_EQ(p.trace, (std::vector<std::string>{"pass", "ask", "asked", "pass", "ask", "asked", "pass", "ask", "asked",
                                                 "pass"}));
    EXPECT_EQ(p.maxDepth, 1);
}

TEST(PumpGuard, RunningOnlyDuringAPass)
{
    PumpGuard guard;
    bool inside = false;
    EXPECT_FALSE(guard.running());
    guard.run([&] { inside = guard.running(); });
    EXPECT_TRUE(inside);
    EXPECT_FALSE(guard.running());
}

TEST(PumpGuard, AnExceptionLeavesThePumpUsable)
{
    PumpGuard guard;
    EXPECT_THROW(guard.run([] { throw std::runtime_error("x"); }), std::runtime_error);
    int passes = 0;
    guard.run([&] { ++passes; });
    EXPECT_EQ(passes, 1);
}

} // namespace
} // namespace ipmi::base
