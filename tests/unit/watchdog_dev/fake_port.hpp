// A scripted WatchdogIpmiPort for the watchdog's unit tests: records every
// request and answers it through the FakeEventLoop (asynchronously, as the
// message handler does), with completion codes scripted per command, or
// holds answers until the test releases them.
#pragma once

#include "core/testing/fake_event_loop.hpp"
#include "watchdog_dev/ipmi_port.hpp"

#include <cerrno>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace ipmi::watchdog::testing {

struct SentRequest
{
    std::uint8_t netfn;
    std::uint8_t cmd;
    std::vector<std::uint8_t> data;
    bool highPriority;
};

class FakePort : public WatchdogIpmiPort
{
  public:
    explicit FakePort(core::testing::FakeEventLoop& loop) : loop_(loop) {}

    int send(std::uint8_t netfn, std::uint8_t cmd, std::span<const std::uint8_t> data, bool highPriority,
             ResponseHandler onResponse) override
    {
        if (sendError != 0) {
            return sendError;
        }
        sent.push_back(SentRequest{netfn, cmd, {data.begin(), data.end()}, highPriority});
        std::uint8_t cc = 0;
        auto& script = ccScript[cmd];
        if (!script.empty()) {
            cc = script.front();
            script.pop_front();
        }
        if (hold) {
            held_.emplace_back(cc, std::move(onResponse));
            return 0;
        }
        loop_.post([cc, fn = std::move(onResponse)] {
            const std::vector<std::uint8_t> response{cc};
            fn(response);
        });
        return 0;
    }

    [[nodiscard]] std::optional<IpmiVersion> ipmiVersion() const override { return version; }

    // Answers the oldest held request.
    void releaseOne()
    {
        auto [cc, fn] = std::move(held_.front());
        held_.pop_front();
        const std::vector<std::uint8_t> response{cc};
        fn(response);
    }
    [[nodiscard]] std::size_t heldCount() const { return held_.size(); }

    // The commands sent so far, in order.
    [[nodiscard]] std::vector<std::uint8_t> commands() const
    {
        std::vector<std::uint8_t> out;
        for (const auto& r : sent) {
            out.push_back(r.cmd);
        }
        return out;
    }

    std::vector<SentRequest> sent;
    std::map<std::uint8_t, std::deque<std::uint8_t>> ccScript;
    std::optional<IpmiVersion> version = IpmiVersion{2, 0};
    int sendError = 0;
    bool hold = false;

  private:
    core::testing::FakeEventLoop& loop_;
    std::deque<std::pair<std::uint8_t, ResponseHandler>> held_;
};

} // namespace ipmi::watchdog::testing
