// The daemon's IPMI watchdog, wired (see watchdog_service.hpp).
#include "watchdog_dev/watchdog_service.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace ipmi::watchdog {

WatchdogService::WatchdogService(boost::asio::io_context& io, core::MessageHandler& handler,
                                 WatchdogServiceOptions options, std::function<void(int result)> onReady)
    : timer_(options.params), device_(timer_), cuse_(io, device_, std::move(options.cuse)),
      onReady_(std::move(onReady)),
      binding_(handler, timer_, [this](int ifnum, int result) { registered(ifnum, result); })
{
}

WatchdogService::~WatchdogService()
{
    cuse_.stop();
}

void WatchdogService::registered(int ifnum, int result)
{
    if (!binding_.bound()) {
        spdlog::error("IPMI Watchdog: no IPMI user on interface {}: {}", ifnum, result);
        finish(result);
        return;
    }
    // The Set's outcome was logged; as in the kernel the device exists anyway.
    if (cuseStarted_) {
        return; // re-registered after the interface came back: same device
    }
    cuseStarted_ = true;
    if (const int rv = cuse_.start([this](int ready) { finish(ready); }); rv != 0) {
        cuseStarted_ = false;
        finish(rv);
    }
}

void WatchdogService::finish(int result)
{
    if (onReady_) {
        auto ready = std::move(onReady_);
        onReady_ = nullptr;
        ready(result);
    }
}

} // namespace ipmi::watchdog
