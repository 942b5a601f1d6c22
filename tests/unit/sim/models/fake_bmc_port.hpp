// A scripted BMC for register-model and state-machine tests: answers each
// request from a table keyed by (netfn, cmd), or holds it until the test
// releases it, or drops it; records every request; raises attention on
// demand (from any thread: the worker transport's thread reads it).
// Knows nothing of IPMI beyond the first two request bytes.
#pragma once

#include "sim/models/bmc_port.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace ipmi::sim::testing {

// Get Device ID as the fake answers it: device 0x20 rev 1, firmware 1.00,
// IPMI 2.0, support 0xBF, manufacturer 32473 (0x007ED9), product 0x0001.
inline const Bytes kGetDeviceIdResponse = {0x1C, 0x01, 0x00, 0x20, 0x01, 0x01, 0x00, 0x02, 0xBF,
                                           0xD9, 0x7E, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};

class FakeBmcPort : public BmcPort
{
  public:
    enum class Mode : std::uint8_t
    {
        Answer, // respond inside handleRequest
        Hold,   // keep the responder; the test calls releaseHeld()
        Drop,   // never respond
    };

    FakeBmcPort() { answers_[{0x06, 0x01}] = kGetDeviceIdResponse; }

    void handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond) override
    {
        requests.emplace_back(request.begin(), request.end());
        if (onRequest) {
            onRequest(requests.back()); // may change answers or attention
        }
        Bytes response = answerFor(requests.back());
        if (dropNext_ > 0) {
            --dropNext_;
            return;
        }
        switch (mode) {
        case Mode::Answer:
            respond(std::move(response));
            return;
        case Mode::Hold:
            held_.emplace_back(std::move(respond), std::move(response));
            return;
        case Mode::Drop:
            return;
        }
    }
    [[nodiscard]] bool attention() const override { return attention_; }

    void setAnswer(std::uint8_t netfn, std::uint8_t cmd, Bytes response)
    {
        answers_[{netfn, cmd}] = std::move(response);
    }
    void setAttention(bool on) { attention_ = on; }
    void dropNext(unsigned count) { dropNext_ = count; }
    [[nodiscard]] std::size_t heldCount() const { return held_.size(); }
    void releaseHeld()
    {
        auto held = std::move(held_);
        held_.clear();
        for (auto& [respond, response] : held) {
            respond(std::move(response));
        }
    }

    Mode mode = Mode::Answer;
    std::vector<Bytes> requests;
    std::function<void(const Bytes&)> onRequest;

  private:
    Bytes answerFor(const Bytes& request) const
    {
        if (request.size() < 2) {
            return Bytes{static_cast<std::uint8_t>(request.empty() ? 0x04 : request[0] | 0x04), 0x00, 0xC7};
        }
        const auto it = answers_.find({static_cast<std::uint8_t>(request[0] >> 2), request[1]});
        if (it != answers_.end()) {
            return it->second;
        }
        // Unknown command: echo netfn/cmd with 0xC1.
        return Bytes{static_cast<std::uint8_t>(request[0] | 0x04), request[1], 0xC1};
    }

    std::map<std::pair<std::uint8_t, std::uint8_t>, Bytes> answers_;
    std::vector<std::pair<std::function<void(Bytes)>, Bytes>> held_;
    std::atomic<bool> attention_ = false;
    unsigned dropNext_ = 0;
};

} // namespace ipmi::sim::testing
