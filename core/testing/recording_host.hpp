// An InterfaceHost for unit tests that keeps what a system interface
// delivers, and a bounded wait for the first response of an interface that
// answers from a worker thread (results arrive only through post()).
#pragma once

#include "core/interface.hpp"
#include "core/testing/fake_event_loop.hpp"

#include <chrono>
#include <thread>
#include <vector>

namespace ipmi::core::testing {

class RecordingHost : public InterfaceHost
{
  public:
    void smiResponse(SmiBytes response) override { responses.push_back(std::move(response)); }
    void smiReceived(SmiBytes message) override { received.push_back(std::move(message)); }
    void smiWatchdogPretimeout() override { ++pretimeouts; }
    std::vector<SmiBytes> responses;
    std::vector<SmiBytes> received;
    unsigned pretimeouts = 0;
};

// Runs the loop's posted work until `host` has a response or 20 s have passed.
inline void awaitFirstResponse(FakeEventLoop& loop, const RecordingHost& host)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (host.responses.empty() && std::chrono::steady_clock::now() < deadline) {
        loop.runPosted();
        std::this_thread::yield();
    }
}

} // namespace ipmi::core::testing
