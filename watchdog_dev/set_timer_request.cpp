// Set Watchdog Timer bytes (see set_timer_request.hpp).
#include "watchdog_dev/set_timer_request.hpp"

namespace ipmi::watchdog {

std::array<std::uint8_t, 6> buildSetWatchdogTimer(const TimerSettings& settings)
{
    std::array<std::uint8_t, 6> data{};
    const bool running = settings.state != Action::None;

    data[0] = kTimerUseSmsOs;
    if (running && settings.ipmi15) {
        data[0] |= kDontStopOnSet;
    }

    data[1] = static_cast<std::uint8_t>(static_cast<unsigned>(settings.state) & 0x7U);
    // The pre-timeout goes to the BMC only while the timer runs, with the
    // configured interrupt even when that is "none", as the kernel's ipmi_watchdog does.
    if (settings.pretimeout > 0 && running) {
        data[1] |= static_cast<std::uint8_t>((static_cast<unsigned>(settings.preaction) & 0x7U) << 4);
        data[2] = static_cast<std::uint8_t>(static_cast<unsigned>(settings.pretimeout) & 0xFFU);
    }
    data[3] = 0; // no expiration flags cleared

    // Unsigned arithmetic wraps as the kernel's int-to-byte stores do, without UB.
    const std::uint32_t countdown = static_cast<std::uint32_t>(settings.timeout) * 10U;
    data[4] = static_cast<std::uint8_t>(countdown & 0xFFU);
    data[5] = static_cast<std::uint8_t>((countdown >> 8) & 0xFFU);
    return data;
}

bool setStopsTimer(const TimerSettings& settings)
{
    return settings.state != Action::None && !settings.ipmi15;
}

} // namespace ipmi::watchdog
