// A scripted fake Interface for message-handler tests: it records every
// request the message handler sends and leaves it pending until the test
// answers it (respond()), unless a responder answers it at once. An optional
// BMC-identity responder answers Get Device GUID, Get Device ID and Get
// Channel Info like a BMC with channel 0 IPMB and channel 1 LAN, so a test
// starts with a ready interface. Tests inject what the BMC's queues would
// deliver (Get Message replies, events) with receive(), and watchdog
// pre-timeouts with pretimeout().
//
// Answers given from inside send() reach the host re-entrantly, which is
// what an interface that completes at once does.
#pragma once

#include "core/interface.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace ipmi::core::testing {

// What the identity responder answers with.
struct BmcIdentity
{
    std::uint8_t ipmiVersion = 0x02; // 2.0
    // Channel medium per channel; 0 = "no such channel" (cc 0xCC).
    std::array<std::uint8_t, 16> mediums{0x01, 0x04};
    bool channelInfoUnsupported = false; // answer Get Channel Info with 0xC1
    std::array<std::uint8_t, 16> guid{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                      0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};
};

class ScriptedInterface : public Interface
{
  public:
    using Identity = BmcIdentity;

    explicit ScriptedInterface(InterfaceInfo info = defaultInfo());

    [[nodiscard]] static InterfaceInfo defaultInfo();

    // Interface
    [[nodiscard]] const InterfaceInfo& info() const override { return info_; }
    void start(InterfaceHost& host) override;
    void send(SmiBytes request) override;
    void requestEvents() override { ++eventRequests_; }
    void setNeedWatch(unsigned mask) override { watchMask_ = mask; }
    void setMaintenanceMode(bool on) override { maintenance_ = on; }
    void shutdown() override;

    // Answer Get Device GUID / ID and Channel Info automatically.
    void enableIdentity(Identity identity = {});
    void disableIdentity() { identity_.reset(); }
    // Answers every other request at once when it returns a value.
    void setResponder(std::function<std::optional<SmiBytes>(const SmiBytes&)> responder)
    {
        responder_ = std::move(responder);
    }

    // The request waiting for an answer (the message handler sends one at a
    // time), and every request ever sent, identity traffic included.
    [[nodiscard]] const std::optional<SmiBytes>& pending() const { return pending_; }
    [[nodiscard]] const std::vector<SmiBytes>& requests() const { return requests_; }
    void clearRequests() { requests_.clear(); }

    // Answers the pending request with exactly these bytes.
    void respond(SmiBytes response);
    // Answers it with [netfn|1 / lun, cmd, cc, data...].
    void respondCc(std::uint8_t cc, const std::vector<std::uint8_t>& data = {});
    // Delivers a BMC-initiated message (Get Message / Read Event replies).
    void receive(SmiBytes message);
    void pretimeout();

    [[nodiscard]] bool started() const { return host_ != nullptr; }
    [[nodiscard]] bool isShutdown() const { return shutdown_; }
    [[nodiscard]] int eventRequests() const { return eventRequests_; }
    [[nodiscard]] unsigned watchMask() const { return watchMask_; }
    [[nodiscard]] bool maintenance() const { return maintenance_; }

    // What the identity responder answers (also usable by tests).
    [[nodiscard]] static std::optional<SmiBytes> identityAnswer(const Identity& identity, const SmiBytes& request);

  private:
    InterfaceInfo info_;
    InterfaceHost* host_ = nullptr;
    bool shutdown_ = false;
    std::optional<Identity> identity_;
    std::function<std::optional<SmiBytes>(const SmiBytes&)> responder_;
    std::optional<SmiBytes> pending_;
    std::vector<SmiBytes> requests_;
    int eventRequests_ = 0;
    unsigned watchMask_ = 0;
    bool maintenance_ = false;
};

} // namespace ipmi::core::testing
