// What the fuzz targets of the simulated BMC (sim_dispatch, sim_config)
// share: requests sent through Bmc::handleRequest, as the register models
// and the SMBus target send them, and the checks on what comes back.
#pragma once

#include "abi/ipmi_msgdefs.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/input_provider.hpp"
#include "sim/bmc.hpp"

#include <memory>
#include <span>

namespace ipmi::fuzz {

class BmcDriver
{
  public:
    BmcDriver(sim::Bmc& bmc, sim::SteadyTime start) : bmc_(bmc), now_(start) {}

    // One request; its answer (now, or from a later advance() when a fault
    // delays it) must be well-formed and come at most once. True if it came
    // at once.
    bool send(std::span<const std::uint8_t> request)
    {
        const std::uint8_t netfnLun = request.empty() ? 0 : request[0];
        const std::uint8_t cmd = request.size() > 1 ? request[1] : 0;
        auto answered = std::make_shared<bool>(false);
        bmc_.handleRequest(request, [this, netfnLun, cmd, answered](sim::Bytes response) {
            check(!*answered, "the BMC answers a request twice");
            *answered = true;
            check(response.size() >= 3, "a BMC response without a completion code");
            check(response.size() <= abi::IPMI_MAX_MSG_LENGTH, "a BMC response longer than IPMI carries");
            check(response[0] == (netfnLun | 0x04) && response[1] == cmd,
                  "a BMC response names another netfn, LUN or command");
            ++answers_;
        });
        return *answered;
    }

    // Moves the BMC's clock on by `by`, running everything due on the way
    // at its time.
    void advance(std::chrono::milliseconds by)
    {
        const sim::SteadyTime until = now_ + by;
        unsigned runsAtInstant = 0;
        for (auto due = bmc_.nextDeadline(); due && *due <= until; due = bmc_.nextDeadline()) {
            if (*due <= now_) {
                check(++runsAtInstant < kMaxRunsAtInstant, "the BMC keeps asking to be run at the same time");
            } else {
                now_ = *due;
                runsAtInstant = 0;
            }
            bmc_.advance(now_);
        }
        now_ = until;
        bmc_.advance(now_);
    }

    [[nodiscard]] unsigned answers() const { return answers_; }

  private:
    static constexpr unsigned kMaxRunsAtInstant = 1000;

    sim::Bmc& bmc_;
    sim::SteadyTime now_;
    unsigned answers_ = 0;
};

// A request sequence from the input: each [length][netfn/lun][cmd][data]
// with a pause before it, until the input is used up.
inline void sendSequence(InputProvider& input, BmcDriver& driver, bool expectImmediate)
{
    while (input.remaining() > 0) {
        driver.advance(std::chrono::milliseconds(input.integral<std::uint16_t>()));
        const auto request = input.bytes(input.integralInRange<std::size_t>(0, abi::IPMI_MAX_MSG_LENGTH + 2));
        const bool immediate = driver.send(request);
        check(immediate || !expectImmediate, "the BMC leaves a request unanswered with no fault configured");
    }
}

} // namespace ipmi::fuzz
