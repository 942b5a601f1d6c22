// Parsing and formatting of the watchdog parameters (see parameters.hpp for
// the rules and where we are stricter than the kernel).
#include "watchdog_dev/parameters.hpp"

#include "core/kernel_number.hpp"

#include <array>
#include <utility>

namespace ipmi::watchdog {
namespace {

template <typename E>
struct Spelling
{
    std::string_view name;
    E value;
};

constexpr std::array<Spelling<Action>, 4> kActions{{
    {"reset", Action::Reset},
    {"none", Action::None},
    {"power_cycle", Action::PowerCycle},
    {"power_off", Action::PowerOff},
}};

constexpr std::array<Spelling<PreAction>, 4> kPreActions{{
    {"pre_none", PreAction::None},
    {"pre_smi", PreAction::Smi},
    {"pre_nmi", PreAction::Nmi},
    {"pre_int", PreAction::Int},
}};

constexpr std::array<Spelling<PreOp>, 3> kPreOps{{
    {"preop_none", PreOp::None},
    {"preop_panic", PreOp::Panic},
    {"preop_give_data", PreOp::GiveData},
}};

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<Spelling<E>, N>& table, std::string_view text)
{
    for (const auto& entry : table) {
        if (entry.name == text) {
            return entry.value;
        }
    }
    return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view spell(const std::array<Spelling<E>, N>& table, E value)
{
    for (const auto& entry : table) {
        if (entry.value == value) {
            return entry.name;
        }
    }
    return "?";
}

template <typename E, std::size_t N>
std::string choices(const std::array<Spelling<E>, N>& table, std::optional<E> skip = {})
{
    std::string out;
    for (const auto& entry : table) {
        if (skip && entry.value == *skip) {
            continue;
        }
        if (!out.empty()) {
            out += ", ";
        }
        out += entry.name;
    }
    return out;
}

// The kernel strips surrounding whitespace (strstrip) before matching.
std::string_view strip(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\n");
    return text.substr(first, last - first + 1);
}

std::string quoted(std::string_view name, std::string_view value)
{
    std::string out = "watchdog parameter ";
    out += name;
    out += "='";
    out += value;
    out += "': ";
    return out;
}

std::optional<std::string> applySeconds(int& field, std::string_view name, std::string_view value, int min, int max,
                                        std::string_view why)
{
    const auto parsed = core::parseKernelInteger(value);
    if (!parsed) {
        return quoted(name, value) + "not an integer";
    }
    if (*parsed < min || *parsed > max) {
        return quoted(name, value) + "must be " + std::to_string(min) + ".." + std::to_string(max) + " seconds (" +
               std::string(why) + ")";
    }
    field = static_cast<int>(*parsed);
    return std::nullopt;
}

} // namespace

std::optional<std::string> applyParameter(Parameters& params, std::string_view name, std::string_view rawValue,
                                          ParameterTime when)
{
    const std::string_view value = strip(rawValue);
    Parameters next = params;
    std::optional<std::string> error;

    if (name == "timeout") {
        error = applySeconds(next.timeout, name, value, 1, kMaxTimeoutSeconds,
                             "the BMC counts down in 100 ms units in 16 bits");
    } else if (name == "pretimeout") {
        error = applySeconds(next.pretimeout, name, value, 0, kMaxPretimeoutSeconds,
                             "the BMC's pre-timeout interval is one byte; 0 disables it");
    } else if (name == "panic_wdt_timeout") {
        error = applySeconds(next.panicWdtTimeout, name, value, 1, kMaxTimeoutSeconds,
                             "the BMC counts down in 100 ms units in 16 bits");
    } else if (name == "action") {
        if (auto parsed = lookup(kActions, value)) {
            next.action = *parsed;
        } else {
            error = quoted(name, value) + "must be one of " + choices(kActions);
        }
    } else if (name == "preaction") {
        auto parsed = lookup(kPreActions, value);
        if (parsed == PreAction::Nmi) {
            error = quoted(name, value) + "an NMI is delivered only to the kernel, never to a userspace daemon; "
                                          "use pre_int (or pre_smi) instead, or the kernel's ipmi_watchdog";
        } else if (parsed) {
            next.preaction = *parsed;
        } else {
            error = quoted(name, value) + "must be one of " + choices(kPreActions, std::optional{PreAction::Nmi});
        }
    } else if (name == "preop") {
        if (auto parsed = lookup(kPreOps, value)) {
            next.preop = *parsed;
        } else {
            error = quoted(name, value) + "must be one of " + choices(kPreOps);
        }
    } else if (name == "nowayout") {
        if (auto parsed = core::parseKernelBool(value)) {
            next.nowayout = *parsed;
        } else {
            error = quoted(name, value) + "must be a boolean (1/0, y/n, true/false, on/off)";
        }
    } else if (name == "start_now") {
        if (when == ParameterTime::Runtime) {
            // Read-only (0444) in the kernel too: it only means something at registration.
            error = quoted(name, value) + "can only be set at startup";
        } else if (auto parsed = core::parseKernelBool(value)) {
            next.startNow = *parsed;
        } else {
            error = quoted(name, value) + "must be a boolean (1/0, y/n, true/false, on/off)";
        }
    } else if (name == "ifnum_to_use") {
        const auto parsed = core::parseKernelInteger(value);
        if (when == ParameterTime::Runtime) {
            // The kernel re-registers on the new interface; we bind once, at startup.
            error = quoted(name, value) + "can only be set at startup (restart the daemon)";
        } else if (!parsed || *parsed < -1 || *parsed > 0x7FFFFFFF) {
            error = quoted(name, value) + "must be -1 (the first interface) or an interface number";
        } else {
            next.ifnumToUse = static_cast<int>(*parsed);
        }
    } else {
        error = "unknown watchdog parameter '" + std::string(name) +
                "' (known: timeout, pretimeout, panic_wdt_timeout, action, preaction, preop, "
                "start_now, nowayout, ifnum_to_use)";
    }

    if (error) {
        return error;
    }
    params = next;
    return std::nullopt;
}

std::optional<std::string> formatParameter(const Parameters& params, std::string_view name)
{
    if (name == "timeout") {
        return std::to_string(params.timeout);
    }
    if (name == "pretimeout") {
        return std::to_string(params.pretimeout);
    }
    if (name == "panic_wdt_timeout") {
        return std::to_string(params.panicWdtTimeout);
    }
    if (name == "action") {
        return std::string(toString(params.action));
    }
    if (name == "preaction") {
        return std::string(toString(params.preaction));
    }
    if (name == "preop") {
        return std::string(toString(params.preop));
    }
    if (name == "start_now") {
        return params.startNow ? "1" : "0"; // an int parameter in the kernel
    }
    if (name == "nowayout") {
        return params.nowayout ? "Y" : "N"; // a bool parameter in the kernel
    }
    if (name == "ifnum_to_use") {
        return std::to_string(params.ifnumToUse);
    }
    return std::nullopt;
}

bool parameterResendsTimer(std::string_view name)
{
    return name == "timeout" || name == "pretimeout" || name == "panic_wdt_timeout" || name == "action" ||
           name == "preaction" || name == "preop";
}

std::string_view toString(Action action)
{
    return spell(kActions, action);
}
std::string_view toString(PreAction preaction)
{
    return spell(kPreActions, preaction);
}
std::string_view toString(PreOp preop)
{
    return spell(kPreOps, preop);
}

} // namespace ipmi::watchdog
