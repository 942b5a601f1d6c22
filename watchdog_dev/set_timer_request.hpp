// The IPMI commands ipmi_watchdog sends (App netfn): Set Watchdog Timer, in
// exactly the bytes the kernel builds, and Reset
// Watchdog Timer. Pure functions, so every parameter combination can be
// checked byte by byte.
#pragma once

#include "watchdog_dev/parameters.hpp"

#include <array>
#include <cstdint>

namespace ipmi::watchdog {

// Byte 1: timer use.
inline constexpr std::uint8_t kTimerUseSmsOs = 4;
inline constexpr std::uint8_t kDontStopOnSet = 1U << 6;

struct TimerSettings
{
    Action state = Action::None; // the running state: None means stopped
    PreAction preaction = PreAction::None;
    int pretimeout = 0; // seconds, unchecked (WDIOC_SETPRETIMEOUT is)
    int timeout = 10;   // seconds, unchecked (WDIOC_SETTIMEOUT is)
    bool ipmi15 = true; // the BMC speaks IPMI >= 1.5 (knows "don't stop")
};

// The six data bytes of Set Watchdog Timer. Out-of-range values wrap as the
// kernel's byte assignments do (pretimeout mod 256, countdown mod 65536).
[[nodiscard]] std::array<std::uint8_t, 6> buildSetWatchdogTimer(const TimerSettings& settings);

// True when, after Set Watchdog Timer, a Reset must restart the timer: an
// IPMI 1.0 BMC stops the timer on every Set.
[[nodiscard]] bool setStopsTimer(const TimerSettings& settings);

} // namespace ipmi::watchdog
