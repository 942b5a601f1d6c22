// Power-off run to completion on any EventLoop, for a caller that has
// nothing else to do: it builds its own MessageHandler on the loop,
// registers the one interface it is handed, waits for it to become usable,
// detects the method and powers off, all within a time limit, and returns
// what happened. The caller says how to run its loop (the shutdown hook
// runs the daemon's Asio loop, daemon/poweroff_hook.hpp; unit tests use
// FakeEventLoop).
#pragma once

#include "core/message_handler.hpp"
#include "core/services/poweroff.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace ipmi::core::services {

struct PowerOffHookOptions
{
    int powerCycle = 0; // poweroff_powercycle (non-zero: cycle, falling back to down)
    // Everything (registration, detection, the commands) must finish in this
    // time; the CPI1 hot-swap request over IPMB can take the default
    // retries (4 x 2 s) on its own.
    std::chrono::milliseconds timeLimit{30000};
    MessageHandlerParams handlerParams{};
};

// Runs the loop until done: `runFor(d)` must run it for at most d (or until
// something happened) and move loop.now() on.
[[nodiscard]] PowerOffOutcome runPowerOff(EventLoop& loop, const std::function<void(Clock::duration)>& runFor,
                                          std::unique_ptr<Interface> interface, const PowerOffHookOptions& options);

} // namespace ipmi::core::services
