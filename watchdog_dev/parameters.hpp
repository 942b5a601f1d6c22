// The watchdog's parameters, with ipmi_watchdog's module parameter names,
// values and defaults (timeout, pretimeout, panic_wdt_timeout, action,
// preaction, preop, start_now, nowayout, ifnum_to_use), and the parsing
// shared by the command line, the configuration file and run-time changes.
//
// Departure from the kernel, on purpose: the kernel accepts any integer for
// the timeouts (and silently wraps them into the BMC's 8- and 16-bit fields)
// and, in some versions, reports success for unknown preaction/preop strings.
// We refuse every value the BMC cannot represent or we cannot honour, with a
// message that names the parameter, the value and what is allowed. The
// WDIOC_SET*TIMEOUT ioctls keep the kernel's unchecked behaviour: that is ABI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::watchdog {

// Timeout action, the value of the Set Watchdog Timer "timeout action" field.
enum class Action : std::uint8_t
{
    None = 0,       // "none": the timer runs, expiry does nothing
    Reset = 1,      // "reset": hard reset
    PowerOff = 2,   // "power_off": power down
    PowerCycle = 3, // "power_cycle": power cycle
};

// Pre-timeout interrupt, the value of the "pre-timeout interrupt" field.
enum class PreAction : std::uint8_t
{
    None = 0, // "pre_none"
    Smi = 1,  // "pre_smi"
    Nmi = 2,  // "pre_nmi": only the kernel can take an NMI; never accepted here
    Int = 3,  // "pre_int": messaging interrupt, reported through Get Message Flags
};

// What the daemon does when the BMC reports a pre-timeout.
enum class PreOp : std::uint8_t
{
    None,     // "preop_none"
    Panic,    // "preop_panic": see WatchdogTimer::panic()
    GiveData, // "preop_give_data": one byte becomes readable, poll wakes
};

// Largest timeout the 16-bit countdown (100 ms units) can hold.
inline constexpr int kMaxTimeoutSeconds = 6553;
// The pre-timeout interval field is one byte of seconds.
inline constexpr int kMaxPretimeoutSeconds = 255;

struct Parameters
{
    int timeout = 10;          // seconds
    int pretimeout = 0;        // seconds; 0 = none
    int panicWdtTimeout = 255; // seconds, applied when we "panic"
    Action action = Action::Reset;
    PreAction preaction = PreAction::None;
    PreOp preop = PreOp::None;
    bool startNow = false; // start at registration instead of stopping
    bool nowayout = false; // Debian's CONFIG_WATCHDOG_NOWAYOUT is unset
    int ifnumToUse = -1;   // -1: the first interface
};

// When a parameter may be set.
enum class ParameterTime : std::uint8_t
{
    Startup, // command line / configuration file
    Runtime, // while the watchdog is registered
};

// Sets `name` (kernel spelling) from `value` in `params`. Returns an error
// message naming what was wrong, leaving `params` unchanged, or nullopt.
[[nodiscard]] std::optional<std::string> applyParameter(Parameters& params, std::string_view name,
                                                        std::string_view value, ParameterTime when);

// The kernel's read-back spelling of a parameter ("reset", "10", "Y"), or
// nullopt for an unknown name.
[[nodiscard]] std::optional<std::string> formatParameter(const Parameters& params, std::string_view name);

// True for the parameters whose change the kernel re-sends to the BMC.
[[nodiscard]] bool parameterResendsTimer(std::string_view name);

[[nodiscard]] std::string_view toString(Action action);
[[nodiscard]] std::string_view toString(PreAction preaction);
[[nodiscard]] std::string_view toString(PreOp preop);

} // namespace ipmi::watchdog
