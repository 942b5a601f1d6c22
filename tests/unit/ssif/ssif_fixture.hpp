// Shared test bench for the SSIF driver: a small message-level BMC
// (capabilities, enables, flags, receive queue, event buffer) behind the
// real sim/smbus target, reached through SimulatedSmbus, on a FakeEventLoop.
#pragma once

#include "core/testing/fake_event_loop.hpp"
#include "daemon/backends/simulated_smbus.hpp"
#include "sim/smbus/ssif_target.hpp"
#include "ssif/ssif_interface.hpp"
#include "tests/unit/sim/smbus/fake_responder.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace ipmi::ssif::testing {

using daemon::SimulatedSmbus;
using sim::smbus::testing::FakeResponder;

class FakeHost : public core::InterfaceHost
{
  public:
    void smiResponse(core::SmiBytes response) override { responses.push_back(std::move(response)); }
    void smiReceived(core::SmiBytes message) override { received.push_back(std::move(message)); }
    void smiWatchdogPretimeout() override { ++pretimeouts; }

    std::vector<core::SmiBytes> responses;
    std::vector<core::SmiBytes> received;
    unsigned pretimeouts = 0;
};

// The BMC's answers, by command.
class MiniBmc : public FakeResponder
{
  public:
    MiniBmc()
    {
        answer = [this](std::span<const std::uint8_t> r) { return handle(r); };
    }
    Bytes handle(std::span<const std::uint8_t> r)
    {
        const std::uint8_t netfn = r[0] >> 2;
        if (netfn != 0x06) {
            return reply(r, echoPayload);
        }
        switch (r[1]) {
        case 0x57:
            return capabilities ? reply(r, *capabilities) : reply(r, {}, 0xC1);
        case 0x2F:
            return reply(r, {enables});
        case 0x2E:
            enables = r[2];
            return reply(r, {});
        case 0x30:
            flags = static_cast<std::uint8_t>(flags & ~r[2]);
            return reply(r, {});
        case 0x31:
            return reply(r, {currentFlags()});
        case 0x33:
            if (messages.empty()) {
                return reply(r, {}, 0x80);
            } else {
                Bytes m = messages.front();
                messages.pop_front();
                return reply(r, m);
            }
        case 0x35:
            if (events.empty()) {
                return reply(r, {}, 0x80);
            } else {
                Bytes e = events.front();
                events.pop_front();
                return reply(r, e);
            }
        default:
            return reply(r, echoPayload);
        }
    }
    std::uint8_t currentFlags() const
    {
        return static_cast<std::uint8_t>(flags | (messages.empty() ? 0 : 0x01) | (events.empty() ? 0 : 0x02));
    }
    void raise() { setAttention(currentFlags() != 0); }

    // reserved, flags (bits 7:6 transactions, bit 3 PEC), max in, max out
    std::optional<Bytes> capabilities = Bytes{0x00, 0x88, 0xFF, 0xFF};
    std::uint8_t enables = 0x00;
    std::uint8_t flags = 0;
    std::deque<Bytes> messages;
    std::deque<Bytes> events;
    Bytes echoPayload;
};

class SsifBench : public ::testing::Test
{
  protected:
    void build(sim::smbus::TargetConfig targetConfig = {}, SsifInterfaceConfig config = {})
    {
        targetConfig.address = 0x10;
        target = std::make_unique<sim::smbus::SsifTarget>(bmc, targetConfig);
        auto bus = std::make_unique<SimulatedSmbus>(*target);
        smbus = bus.get();
        ssif = std::make_unique<SsifInterface>(loop, std::move(bus), std::move(config));
    }
    void startAndProbe()
    {
        ssif->start(host);
        settle();
        ASSERT_TRUE(ssif->probed());
        bmc.requests.clear();
    }
    // Runs posted work and timers due within `d`.
    void settle(core::Clock::duration d = std::chrono::milliseconds(1)) { loop.advance(d); }

    core::testing::FakeEventLoop loop;
    MiniBmc bmc;
    std::unique_ptr<sim::smbus::SsifTarget> target;
    SimulatedSmbus* smbus = nullptr;
    std::unique_ptr<SsifInterface> ssif;
    FakeHost host;
};

inline Bytes iota(std::size_t n, std::uint8_t first)
{
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<std::uint8_t>(first + i);
    }
    return out;
}

} // namespace ipmi::ssif::testing
