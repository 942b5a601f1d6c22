// What the fuzz targets of the system interfaces (si_sm, ssif) share: the
// host side of core::Interface as core drives it, and the loop that steps a
// FakeEventLoop until every request is answered.
#pragma once

#include "core/interface.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/input_provider.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

namespace ipmi::fuzz {

// A request as core hands it down: netfn even, at least netfn and cmd, up
// to `maxLength` bytes (longer than an interface takes, to test refusals),
// its data from the input as far as it goes.
inline core::SmiBytes makeRequest(InputProvider& input, std::size_t maxLength)
{
    core::SmiBytes request(input.integralInRange<std::size_t>(2, maxLength));
    request[0] = static_cast<std::uint8_t>(input.integral<std::uint8_t>() & ~0x04U);
    request[1] = input.integral<std::uint8_t>();
    const auto data = input.bytes(request.size() - 2);
    std::copy(data.begin(), data.end(), request.begin() + 2);
    return request;
}

// The host: keeps what the interface delivers and, when told, shuts the
// interface down from inside its n-th callback, as core may (a client's
// answer that ends the daemon, a removal while a message arrives). Declared
// before the interface, so it outlives it: an interface's destructor may
// still answer what waits.
class Host : public core::InterfaceHost
{
  public:
    explicit Host(unsigned shutdownAtCallback) : shutdownAtCallback_(shutdownAtCallback) {}
    void attach(core::Interface& interface) { interface_ = &interface; }

    void smiResponse(core::SmiBytes response) override
    {
        responses.push_back(std::move(response));
        called();
    }
    void smiReceived(core::SmiBytes message) override
    {
        received.push_back(std::move(message));
        called();
    }
    void smiWatchdogPretimeout() override { called(); }

    std::vector<core::SmiBytes> responses;
    std::vector<core::SmiBytes> received;

  private:
    void called()
    {
        if (++callbacks_ == shutdownAtCallback_ && interface_ != nullptr) {
            interface_->shutdown();
        }
    }

    core::Interface* interface_ = nullptr;
    unsigned shutdownAtCallback_; // 0: never
    unsigned callbacks_ = 0;
};

// How long runUntilAnswered() steps an input. Every request must be answered
// by `deadline` (the check fails otherwise). Past `stopAt` in simulated time,
// or after `timerRuns` timer runs, the run ends and the caller's shutdown()
// answers what waits: a BMC may legitimately ask for hours of retries.
struct RunLimits
{
    core::Clock::time_point deadline;
    core::Clock::time_point stopAt = core::Clock::time_point::max();
    unsigned timerRuns = std::numeric_limits<unsigned>::max();
};

// Steps the loop until `host` has `expected` responses or `limits` end the
// run. A request that waits with nothing scheduled, or past the deadline,
// fails the check. `notBefore`, if given, says how late the next timer may
// run (FakeEventLoop::runNextTimer).
inline void runUntilAnswered(core::testing::FakeEventLoop& loop, const Host& host, std::size_t expected,
                             const RunLimits& limits, const std::function<core::Clock::time_point()>& notBefore = {})
{
    for (unsigned runs = 0; runs < limits.timerRuns && loop.now() <= limits.stopAt; ++runs) {
        loop.runPosted();
        if (host.responses.size() >= expected) {
            return;
        }
        check(loop.runNextTimer(notBefore ? notBefore() : loop.now()),
              "a request waits with nothing scheduled to answer it");
        check(loop.now() <= limits.deadline, "a request is never answered");
    }
}

// After shutdown(): every request answered exactly once.
inline void checkAllAnsweredOnce(core::testing::FakeEventLoop& loop, const Host& host, std::size_t expected)
{
    loop.runPosted();
    check(host.responses.size() == expected, "a request got no answer, or more than one");
}

} // namespace ipmi::fuzz
