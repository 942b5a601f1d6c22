// Test helpers for the simulated BMC: a Bmc on a fixed clock origin, and a
// synchronous request/response call in the system-interface framing.
#pragma once

#include "sim/bmc.hpp"
#include "sim/fault_injector.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

namespace ipmi::sim::testing {

using namespace std::chrono_literals;

inline const SteadyTime t0 = SteadyTime{} + std::chrono::hours{1000};

class BmcTest : public ::testing::Test
{
  protected:
    explicit BmcTest(BmcConfig config = quietDefaults()) : bmc_(std::move(config), t0) {}

    // The defaults with motionless sensors, so readings only change when a
    // test says so.
    static BmcConfig quietDefaults()
    {
        BmcConfig c = BmcConfig::defaults();
        for (SensorConfig& s : c.sensors) {
            s.motion.kind = SensorMotion::Kind::Constant;
        }
        return c;
    }

    // Sends [netfn<<2][cmd][data] and returns the response, or nothing when
    // the BMC did not answer synchronously.
    std::optional<Bytes> tryCall(std::uint8_t netfn, std::uint8_t cmd, Bytes data = {}, std::uint8_t lun = 0)
    {
        Bytes request{static_cast<std::uint8_t>((netfn << 2) | lun), cmd};
        request.insert(request.end(), data.begin(), data.end());
        std::optional<Bytes> out;
        bmc_.handleRequest(request, [&out](Bytes rsp) { out = std::move(rsp); });
        return out;
    }

    // The response after [netfn][cmd]: [cc][data...].
    Bytes call(std::uint8_t netfn, std::uint8_t cmd, Bytes data = {})
    {
        auto rsp = tryCall(netfn, cmd, std::move(data));
        if (!rsp) {
            ADD_FAILURE() << "no response";
            return {};
        }
        EXPECT_GE(rsp->size(), 3U);
        EXPECT_EQ((*rsp)[0], static_cast<std::uint8_t>(((netfn | 1) << 2)));
        EXPECT_EQ((*rsp)[1], cmd);
        return Bytes(rsp->begin() + 2, rsp->end());
    }

    std::uint8_t ccOf(std::uint8_t netfn, std::uint8_t cmd, Bytes data = {})
    {
        Bytes rsp = call(netfn, cmd, std::move(data));
        return rsp.empty() ? 0xEE : rsp[0];
    }

    void advanceBy(std::chrono::microseconds d)
    {
        now_ += d;
        bmc_.advance(now_);
    }

    Bmc bmc_;
    SteadyTime now_ = t0;
};

} // namespace ipmi::sim::testing
