// The `fault` control verb: grammar, application to the simulated BMC and
// the listing (see fault_commands.hpp).
#include "daemon/fault_commands.hpp"

#include "core/kernel_number.hpp"
#include "daemon/control_words.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace ipmi::daemon {

namespace {

using std::chrono::milliseconds;

constexpr std::uint64_t kMaxCount = 1'000'000;
constexpr std::uint64_t kMaxDelayMs = 600'000;      // ten minutes
constexpr std::uint64_t kMaxSilenceMs = 86'400'000; // a day

constexpr std::array<std::pair<const char*, FaultKind>, 6> kKinds{{
    {"delay", FaultKind::Delay},
    {"drop", FaultKind::Drop},
    {"drop-every", FaultKind::DropEvery},
    {"cc", FaultKind::CompletionCode},
    {"silence", FaultKind::Silence},
    {"corrupt", FaultKind::Corrupt},
}};

std::optional<FaultKind> kindNamed(std::string_view name)
{
    for (const auto& [text, kind] : kKinds) {
        if (name == text) {
            return kind;
        }
    }
    return std::nullopt;
}

std::string hex(unsigned value)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%02x", value & 0xFFU);
    return text;
}

// "30" (in `defaultUnit`), "500ms" or "2s".
std::optional<milliseconds> parseDuration(std::string_view text, std::string_view field, milliseconds defaultUnit,
                                          std::uint64_t maxMs, std::string& error)
{
    milliseconds unit = defaultUnit;
    std::string_view digits = text;
    if (digits.size() > 2 && digits.substr(digits.size() - 2) == "ms") {
        unit = milliseconds{1};
        digits.remove_suffix(2);
    } else if (digits.size() > 1 && digits.back() == 's') {
        unit = milliseconds{1000};
        digits.remove_suffix(1);
    }
    const auto value = core::parseKernelNumber(digits);
    if (!value || *value > maxMs / static_cast<std::uint64_t>(unit.count())) {
        error = std::string(field) + " '" + std::string(text) + "' is not a duration up to " + std::to_string(maxMs) +
                " ms (N" + (defaultUnit.count() == 1 ? "" : " seconds") + ", N ms or N s)";
        return std::nullopt;
    }
    return milliseconds{static_cast<milliseconds::rep>(*value) * unit.count()};
}

// The arguments of `set KIND ...` into `c`; nullopt or the problem.
std::optional<std::string> parseSet(FaultCommand& c, const std::vector<std::string_view>& w)
{
    const auto kindName = std::string(w[1]);
    const std::string prefix = "fault set " + kindName + ": ";
    const std::size_t args = w.size() - 2;
    auto arity = [&](std::size_t min, std::size_t max, const char* usage) -> std::optional<std::string> {
        if (args < min || args > max) {
            return prefix + "expected " + usage;
        }
        return std::nullopt;
    };
    std::string error;
    switch (*c.kind) {
    case FaultKind::Delay: {
        if (auto e = arity(1, 1, "MS")) {
            return e;
        }
        const auto d = parseDuration(w[2], "MS", milliseconds{1}, kMaxDelayMs, error);
        if (!d) {
            return prefix + error;
        }
        c.duration = *d;
        return std::nullopt;
    }
    case FaultKind::Silence: {
        if (auto e = arity(1, 1, "SECONDS")) {
            return e;
        }
        const auto d = parseDuration(w[2], "SECONDS", milliseconds{1000}, kMaxSilenceMs, error);
        if (!d || d->count() == 0) {
            return prefix + (d ? "SECONDS must be more than 0 (use 'fault clear silence')" : error);
        }
        c.duration = *d;
        return std::nullopt;
    }
    case FaultKind::Drop:
    case FaultKind::DropEvery: {
        if (auto e = arity(1, 1, c.kind == FaultKind::Drop ? "COUNT" : "N")) {
            return e;
        }
        const auto n = boundedNumber(w[2], c.kind == FaultKind::Drop ? "COUNT" : "N", 0, kMaxCount, error);
        if (!n) {
            return prefix + error;
        }
        c.count = static_cast<unsigned>(*n);
        return std::nullopt;
    }
    case FaultKind::CompletionCode: {
        if (auto e = arity(3, 4, "NETFN CMD|any CODE [COUNT]")) {
            return e;
        }
        const auto netfn = boundedNumber(w[2], "NETFN", 0, 0x3F, error);
        if (!netfn) {
            return prefix + error;
        }
        c.completionCode.netfn = static_cast<std::uint8_t>(*netfn);
        if (w[3] != "any" && w[3] != "*") {
            const auto cmd = boundedNumber(w[3], "CMD", 0, 0xFF, error);
            if (!cmd) {
                return prefix + error + " (or any)";
            }
            c.completionCode.cmd = static_cast<std::uint8_t>(*cmd);
        }
        const auto code = boundedNumber(w[4], "CODE", 0, 0xFF, error);
        if (!code) {
            return prefix + error;
        }
        c.completionCode.completionCode = static_cast<std::uint8_t>(*code);
        if (args == 4) {
            const auto count = boundedNumber(w[5], "COUNT", 0, kMaxCount, error);
            if (!count) {
                return prefix + error;
            }
            c.completionCode.count = static_cast<unsigned>(*count);
        }
        return std::nullopt;
    }
    case FaultKind::Corrupt: {
        if (auto e = arity(1, 3, "EVERY_NTH [XOR [COUNT]]")) {
            return e;
        }
        const auto nth = boundedNumber(w[2], "EVERY_NTH", 1, kMaxCount, error);
        if (!nth) {
            return prefix + error;
        }
        c.everyNth = static_cast<unsigned>(*nth);
        if (args >= 2) {
            const auto mask = boundedNumber(w[3], "XOR", 1, 0xFF, error);
            if (!mask) {
                return prefix + error;
            }
            c.xorMask = static_cast<std::uint8_t>(*mask);
        }
        if (args == 3) {
            const auto count = boundedNumber(w[4], "COUNT", 0, kMaxCount, error);
            if (!count) {
                return prefix + error;
            }
            c.count = static_cast<unsigned>(*count);
        }
        return std::nullopt;
    }
    }
    return prefix + "unknown kind";
}

std::string kindList()
{
    std::string out;
    for (const auto& [text, kind] : kKinds) {
        out += (out.empty() ? "" : ", ") + std::string(text);
    }
    return out;
}

void clearKind(sim::FaultInjector& f, FaultKind kind)
{
    switch (kind) {
    case FaultKind::Delay:
        f.setResponseDelay(milliseconds{0});
        break;
    case FaultKind::Drop:
        f.dropNextResponses(0);
        break;
    case FaultKind::DropEvery:
        f.dropEveryNth(0);
        break;
    case FaultKind::CompletionCode:
        f.clearCompletionCodes();
        break;
    case FaultKind::Silence:
        f.clearSilence();
        break;
    case FaultKind::Corrupt:
        f.corruptBytes(0, 0xFF);
        break;
    }
}

} // namespace

std::optional<FaultCommand> parseFaultCommand(std::string_view args, std::string& error)
{
    const auto w = splitWords(args);
    FaultCommand c;
    if (w.empty()) {
        error = std::string("fault needs list, set or clear (") + kFaultUsage + ")";
        return std::nullopt;
    }
    if (w[0] == "list") {
        if (w.size() != 1) {
            error = "fault list takes no arguments";
            return std::nullopt;
        }
        return c;
    }
    if (w[0] == "clear") {
        c.op = FaultCommand::Op::Clear;
        if (w.size() > 2) {
            error = "fault clear takes at most one KIND";
            return std::nullopt;
        }
        if (w.size() == 2 && w[1] != "all") {
            c.kind = kindNamed(w[1]);
            if (!c.kind) {
                error = "fault clear: unknown KIND '" + std::string(w[1]) + "' (known: " + kindList() + ", all)";
                return std::nullopt;
            }
        }
        return c;
    }
    if (w[0] == "set") {
        c.op = FaultCommand::Op::Set;
        if (w.size() < 2) {
            error = "fault set needs a KIND (" + kindList() + ")";
            return std::nullopt;
        }
        c.kind = kindNamed(w[1]);
        if (!c.kind) {
            error = "fault set: unknown KIND '" + std::string(w[1]) + "' (known: " + kindList() + ")";
            return std::nullopt;
        }
        if (auto problem = parseSet(c, w)) {
            error = *problem;
            return std::nullopt;
        }
        return c;
    }
    error = "fault: unknown operation '" + std::string(w[0]) + "' (list, set or clear)";
    return std::nullopt;
}

std::string applyFaultCommand(const FaultCommand& c, sim::Bmc& bmc, std::chrono::steady_clock::time_point now)
{
    auto& f = bmc.faults();
    switch (c.op) {
    case FaultCommand::Op::List:
        break;
    case FaultCommand::Op::Clear:
        if (c.kind) {
            clearKind(f, *c.kind);
        } else {
            f.clear();
        }
        break;
    case FaultCommand::Op::Set:
        switch (*c.kind) {
        case FaultKind::Delay:
            f.setResponseDelay(c.duration);
            break;
        case FaultKind::Drop:
            f.dropNextResponses(c.count);
            break;
        case FaultKind::DropEvery:
            f.dropEveryNth(c.count);
            break;
        case FaultKind::CompletionCode:
            f.addCompletionCode(c.completionCode);
            break;
        case FaultKind::Silence:
            // The loop's clock, not the BMC's: the BMC's clock only moves
            // when something is due, and may lag.
            f.silenceUntil(now + c.duration);
            break;
        case FaultKind::Corrupt:
            f.corruptBytes(c.everyNth, c.xorMask, c.count);
            break;
        }
        break;
    }
    return formatFaults(f, now);
}

std::string formatFaults(const sim::FaultInjector& faults, std::chrono::steady_clock::time_point now)
{
    const auto a = faults.active();
    std::string out;
    out += "delay " + std::to_string(a.responseDelay.count()) + " ms\n";
    out += "drop next " + std::to_string(a.dropNext) + "\n";
    out += "drop-every " + std::to_string(a.dropEveryNth) + "\n";
    for (const auto& cc : a.completionCodes) {
        out += "cc netfn " + hex(cc.netfn) + " cmd " + (cc.cmd ? hex(*cc.cmd) : std::string("any")) + " code " +
               hex(cc.completionCode) + " count " +
               (cc.count == 0 ? std::string("unlimited") : std::to_string(cc.count)) + "\n";
    }
    if (a.silentUntil) {
        const auto left = std::chrono::duration_cast<milliseconds>(*a.silentUntil - now);
        out += "silence " + std::to_string(std::max<milliseconds::rep>(left.count(), 0)) + " ms left\n";
    } else {
        out += "silence off\n";
    }
    if (a.corruptEveryNth != 0) {
        out += "corrupt every " + std::to_string(a.corruptEveryNth) + " xor " + hex(a.corruptXor) + " count " +
               (a.corruptRemaining == 0 ? std::string("unlimited") : std::to_string(a.corruptRemaining)) + "\n";
    } else {
        out += "corrupt off\n";
    }
    const auto& n = faults.counters();
    out += "counters unanswered " + std::to_string(n.unanswered) + " dropped " + std::to_string(n.dropped) +
           " delayed " + std::to_string(n.delayed) + " forced_cc " + std::to_string(n.forcedCompletionCodes) +
           " corrupted_bytes " + std::to_string(n.corruptedBytes) + "\n";
    return out;
}

} // namespace ipmi::daemon
