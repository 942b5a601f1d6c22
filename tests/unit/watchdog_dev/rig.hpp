// The watchdog under test: a WatchdogTimer and WatchdogDevice on a
// FakeEventLoop with a FakePort, plus synchronous-looking helpers that run
// the loop until the asynchronous call has completed.
#pragma once

#include "abi/watchdog.hpp"
#include "tests/unit/watchdog_dev/fake_port.hpp"
#include "watchdog_dev/watchdog_device.hpp"
#include "watchdog_dev/watchdog_timer.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>
#include <vector>

namespace ipmi::watchdog::testing {

using Bytes = std::vector<std::uint8_t>;

inline Bytes setBytes(std::uint8_t use, std::uint8_t actions, std::uint8_t pre, unsigned countdown)
{
    return Bytes{use,
                 actions,
                 pre,
                 0x00,
                 static_cast<std::uint8_t>(countdown & 0xFFU),
                 static_cast<std::uint8_t>(countdown >> 8)};
}

struct Rig
{
    explicit Rig(Parameters params = {}) : timer(params) {}

    int attach()
    {
        std::optional<int> rv;
        timer.attach(port, [&rv](int r) { rv = r; });
        loop.runPosted();
        EXPECT_TRUE(rv.has_value());
        return rv.value_or(-9999);
    }
    // Attaches and forgets the registration traffic.
    void ready()
    {
        EXPECT_EQ(attach(), 0);
        port.sent.clear();
    }
    IoctlReply ioctl(std::uint32_t cmd, const Bytes& in = {})
    {
        std::optional<IoctlReply> reply;
        device.ioctl(cmd, in, [&reply](IoctlReply r) { reply = std::move(r); });
        loop.runPosted();
        EXPECT_TRUE(reply.has_value());
        return reply.value_or(IoctlReply{-9999, {}});
    }
    long ioctlInt(std::uint32_t cmd, int value) { return ioctl(cmd, encodeInt(value)).result; }
    int getInt(std::uint32_t cmd)
    {
        const auto reply = ioctl(cmd);
        EXPECT_EQ(reply.result, 0);
        return decodeInt(reply.out).value_or(-9999);
    }
    long write(std::string_view text)
    {
        std::optional<long> rv;
        const Bytes data(text.begin(), text.end());
        device.write(data, [&rv](long r) { rv = r; });
        loop.runPosted();
        EXPECT_TRUE(rv.has_value());
        return rv.value_or(-9999);
    }
    void release()
    {
        bool done = false;
        device.release([&done] { done = true; });
        loop.runPosted();
        EXPECT_TRUE(done);
    }
    // Opens and sends the first heartbeat: the timer runs, traffic forgotten.
    void running()
    {
        ready();
        ASSERT_EQ(device.open(), 0);
        ASSERT_EQ(ioctl(abi::WDIOC_KEEPALIVE).result, 0);
        port.sent.clear();
    }

    core::testing::FakeEventLoop loop;
    FakePort port{loop};
    WatchdogTimer timer;
    WatchdogDevice device{timer};
};

} // namespace ipmi::watchdog::testing
