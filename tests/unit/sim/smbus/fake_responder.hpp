// A scripted BMC behind the SSIF target: records each request and answers it
// through `answer` (now), or holds it until the test calls release().
#pragma once

#include "sim/smbus/responder.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace ipmi::sim::smbus::testing {

class FakeResponder : public Responder
{
  public:
    // Echoes netfn|1 and cmd with cc 0 and `payload` after it.
    static Bytes reply(std::span<const std::uint8_t> request, Bytes payload, std::uint8_t cc = 0)
    {
        Bytes out{static_cast<std::uint8_t>(request[0] | 0x04U), request[1], cc};
        out.insert(out.end(), payload.begin(), payload.end());
        return out;
    }

    void handleRequest(std::span<const std::uint8_t> request, std::function<void(Bytes)> respond) override
    {
        requests.emplace_back(request.begin(), request.end());
        if (hold) {
            held = std::move(respond);
            return;
        }
        respond(answer ? answer(request) : reply(request, {}));
    }
    void release(Bytes response)
    {
        auto respond = std::move(*held);
        held.reset();
        respond(std::move(response));
    }
    [[nodiscard]] bool attention() const override { return attentionLevel; }
    void setAttentionListener(std::function<void()> onChange) override { listener = std::move(onChange); }
    void setAttention(bool on)
    {
        attentionLevel = on;
        if (listener) {
            listener();
        }
    }
    [[nodiscard]] std::uint8_t wireByte(std::uint8_t value) override
    {
        return corruptNext ? (corruptNext = false, static_cast<std::uint8_t>(value ^ 0xFFU)) : value;
    }

    std::function<Bytes(std::span<const std::uint8_t>)> answer;
    std::vector<Bytes> requests;
    bool hold = false;
    std::optional<std::function<void(Bytes)>> held;
    bool attentionLevel = false;
    bool corruptNext = false;
    std::function<void()> listener;
};

} // namespace ipmi::sim::smbus::testing
