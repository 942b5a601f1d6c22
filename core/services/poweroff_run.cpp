// Running power-off to completion: see poweroff_run.hpp.
#include "core/services/poweroff_run.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <utility>

namespace ipmi::core::services {

PowerOffOutcome runPowerOff(EventLoop& loop, const std::function<void(Clock::duration)>& runFor,
                            std::unique_ptr<Interface> interface, const PowerOffHookOptions& options)
{
    const auto deadline = loop.now() + options.timeLimit;
    std::optional<PowerOffOutcome> outcome;
    {
        MessageHandler handler(loop, options.handlerParams);
        const int cycle = options.powerCycle;
        PowerOff poweroff(handler, PowerOffConfig{-1, [cycle] { return cycle; }});
        poweroff.start([&poweroff, &outcome](const PowerOffDetection& detection) {
            if (detection.method == PowerOffMethod::None) {
                PowerOffOutcome none;
                none.problem = detection.problem;
                outcome = std::move(none);
                return;
            }
            poweroff.powerOff([&outcome](PowerOffOutcome done) { outcome = std::move(done); });
        });
        handler.addInterface(std::move(interface));
        while (!outcome && loop.now() < deadline) {
            runFor(deadline - loop.now());
        }
        if (!outcome) {
            PowerOffOutcome late;
            late.method = poweroff.detection().method;
            late.problem = fmt::format("power-off did not finish within {} ms", options.timeLimit.count());
            if (!poweroff.detectionDone()) {
                *late.problem += " (the interface never became usable)";
            }
            spdlog::error("ipmi poweroff: {}", *late.problem);
            outcome = std::move(late);
        }
    }
    return std::move(*outcome);
}

} // namespace ipmi::core::services
