// What the fuzz targets of the simulated BMC (sim_dispatch, sim_config)
// share: requests sent through Bmc::handleRequest, as the register models
// and the SMBus target send them, and the checks on what comes back.
#pragma once

#include "abi/ipmi_msgdefs.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/input_provider.hpp"
#include "sim/bmc.hpp"
#include "sim/fault_injector.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <span>

namespace ipmi::fuzz {

class BmcDriver
{
  public:
    BmcDriver(sim::Bmc& bmc, sim::SteadyTime start) : bmc_(bmc), now_(start) {}

    // One request; its answer (now, or from a later advance() when a fault
    // delays it) must come at most once and be well-formed, unless the
    // configured wrong-length fault changed it: then only its length is
    // bounded and what is left of its header checked. True if it came at
    // once.
    bool send(std::span<const std::uint8_t> request)
    {
        const std::uint8_t netfnLun = request.empty() ? 0 : request[0];
        const std::uint8_t cmd = request.size() > 1 ? request[1] : 0;
        auto pending = std::make_shared<Pending>();
        pending->wrongLengthsBefore = wrongLengths();
        bmc_.handleRequest(request, [this, netfnLun, cmd, pending](sim::Bytes response) {
            check(!pending->answered, "the BMC answers a request twice");
            pending->answered = true;
            // An answer given inside handleRequest comes after its request's
            // fault decision was counted, and before the outcome is kept.
            checkResponse(response, netfnLun, cmd,
                          pending->lengthChanged.value_or(wrongLengths() > pending->wrongLengthsBefore));
            ++answers_;
        });
        pending->lengthChanged = wrongLengths() > pending->wrongLengthsBefore;
        return pending->answered;
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

    struct Pending
    {
        unsigned wrongLengthsBefore = 0;
        std::optional<bool> lengthChanged; // known once handleRequest returned
        bool answered = false;
    };

    [[nodiscard]] unsigned wrongLengths() const { return bmc_.faults().counters().wrongLengths; }

    static void checkResponse(const sim::Bytes& response, std::uint8_t netfnLun, std::uint8_t cmd, bool lengthChanged)
    {
        if (lengthChanged) {
            check(response.size() <= abi::IPMI_MAX_MSG_LENGTH + static_cast<std::size_t>(sim::kMaxLengthDelta),
                  "a wrong-length response longer than the fault allows");
        } else {
            check(response.size() >= 3, "a BMC response without a completion code");
            check(response.size() <= abi::IPMI_MAX_MSG_LENGTH, "a BMC response longer than IPMI carries");
        }
        check(response.empty() || response[0] == (netfnLun | 0x04), "a BMC response names another netfn or LUN");
        check(response.size() < 2 || response[1] == cmd, "a BMC response names another command");
    }

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
