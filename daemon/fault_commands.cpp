// The `fault` control verb: grammar, application to the simulated BMC and
// the listing (see fault_commands.hpp).
#include "daemon/fault_commands.hpp"

#include "core/kernel_number.hpp"
#include "daemon/control_words.hpp"

#include <array>
#include <cstdio>
#include <utility>
#include <variant>

namespace ipmi::daemon {

namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::uint64_t kMaxCount = 1'000'000;
constexpr std::uint64_t kMaxDelayMs = 600'000;      // ten minutes
constexpr std::uint64_t kMaxByteDelayMs = 1'000;    // a second per byte
constexpr std::uint64_t kMaxSilenceMs = 86'400'000; // a day

constexpr std::array<std::pair<const char*, FaultKind>, 11> kKinds{{
    {"delay", FaultKind::Delay},
    {"byte-delay", FaultKind::ByteDelay},
    {"drop", FaultKind::Drop},
    {"drop-every", FaultKind::DropEvery},
    {"cc", FaultKind::CompletionCode},
    {"silence", FaultKind::Silence},
    {"corrupt", FaultKind::Corrupt},
    {"length", FaultKind::Length},
    {"busy", FaultKind::Busy},
    {"reset", FaultKind::Reset},
    {"no-irq", FaultKind::NoIrq},
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

// "30" (in `defaultUnit`), "250us", "500ms" or "2s"; or what is wrong with it.
std::variant<microseconds, std::string> parseDuration(std::string_view text, std::string_view field,
                                                      microseconds defaultUnit, std::uint64_t maxMs)
{
    microseconds unit = defaultUnit;
    std::string_view digits = text;
    auto suffix = [&digits](std::string_view s) {
        if (digits.size() > s.size() && digits.substr(digits.size() - s.size()) == s) {
            digits.remove_suffix(s.size());
            return true;
        }
        return false;
    };
    if (suffix("us")) {
        unit = microseconds{1};
    } else if (suffix("ms")) {
        unit = milliseconds{1};
    } else if (suffix("s")) {
        unit = milliseconds{1000};
    }
    const auto maxUs = maxMs * 1000;
    const auto value = core::parseKernelNumber(digits);
    if (!value || *value > maxUs / static_cast<std::uint64_t>(unit.count())) {
        const char* forms = defaultUnit == microseconds{1}   ? "N us, N ms or N s"
                            : defaultUnit == milliseconds{1} ? "N, N us, N ms or N s"
                                                             : "N seconds, N us, N ms or N s";
        return std::string(field) + " '" + std::string(text) + "' is not a duration up to " + std::to_string(maxMs) +
               " ms (" + forms + ")";
    }
    return microseconds{static_cast<microseconds::rep>(*value) * unit.count()};
}

// "-16", "+4" or "4" in -max..max and not 0, or what is wrong with it.
std::variant<int, std::string> parseDelta(std::string_view text, int max)
{
    const bool negative = text.starts_with('-');
    const std::string_view digits = negative || text.starts_with('+') ? text.substr(1) : text;
    const auto magnitude = core::parseKernelNumber(digits);
    if (!magnitude || *magnitude == 0 || *magnitude > static_cast<std::uint64_t>(max)) {
        return "DELTA '" + std::string(text) + "' is not a number in -" + std::to_string(max) + ".." +
               std::to_string(max) + " other than 0";
    }
    const int value = static_cast<int>(*magnitude);
    return negative ? -value : value;
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
    // A parsed field into `into`, or the problem with it (and `hint`).
    auto store = [&prefix]<typename Value, typename Into>(const std::variant<Value, std::string>& parsed, Into& into,
                                                          const char* hint = "") -> std::optional<std::string> {
        if (const auto* error = std::get_if<std::string>(&parsed)) {
            return prefix + *error + hint;
        }
        into = static_cast<Into>(std::get<Value>(parsed));
        return std::nullopt;
    };
    switch (*c.kind) {
    case FaultKind::Delay: {
        if (auto e = arity(1, 1, "MS")) {
            return e;
        }
        return store(parseDuration(w[2], "MS", milliseconds{1}, kMaxDelayMs), c.duration);
    }
    case FaultKind::ByteDelay: {
        if (auto e = arity(1, 1, "US")) {
            return e;
        }
        return store(parseDuration(w[2], "US", microseconds{1}, kMaxByteDelayMs), c.duration);
    }
    case FaultKind::Silence:
    case FaultKind::Busy: {
        if (auto e = arity(1, 1, "SECONDS")) {
            return e;
        }
        if (auto e = store(parseDuration(w[2], "SECONDS", milliseconds{1000}, kMaxSilenceMs), c.duration)) {
            return e;
        }
        if (c.duration.count() == 0) {
            return prefix + "SECONDS must be more than 0 (use 'fault clear " + kindName + "')";
        }
        return std::nullopt;
    }
    case FaultKind::Reset:
    case FaultKind::NoIrq:
        return arity(0, 0, "no arguments");
    case FaultKind::Drop:
    case FaultKind::DropEvery: {
        const char* field = c.kind == FaultKind::Drop ? "COUNT" : "N";
        if (auto e = arity(1, 1, field)) {
            return e;
        }
        return store(boundedNumber(w[2], field, 0, kMaxCount), c.count);
    }
    case FaultKind::CompletionCode: {
        if (auto e = arity(3, 4, "NETFN CMD|any CODE [COUNT]")) {
            return e;
        }
        if (auto e = store(boundedNumber(w[2], "NETFN", 0, 0x3F), c.completionCode.netfn)) {
            return e;
        }
        if (w[3] != "any" && w[3] != "*") {
            if (auto e = store(boundedNumber(w[3], "CMD", 0, 0xFF), c.completionCode.cmd, " (or any)")) {
                return e;
            }
        }
        if (auto e = store(boundedNumber(w[4], "CODE", 0, 0xFF), c.completionCode.completionCode)) {
            return e;
        }
        if (args == 4) {
            return store(boundedNumber(w[5], "COUNT", 0, kMaxCount), c.completionCode.count);
        }
        return std::nullopt;
    }
    case FaultKind::Length: {
        if (auto e = arity(1, 2, "DELTA [COUNT]")) {
            return e;
        }
        if (auto e = store(parseDelta(w[2], sim::kMaxLengthDelta), c.lengthDelta)) {
            return e;
        }
        if (args == 2) {
            return store(boundedNumber(w[3], "COUNT", 0, kMaxCount), c.count);
        }
        return std::nullopt;
    }
    case FaultKind::Corrupt: {
        if (auto e = arity(1, 3, "EVERY_NTH [XOR [COUNT]]")) {
            return e;
        }
        if (auto e = store(boundedNumber(w[2], "EVERY_NTH", 1, kMaxCount), c.everyNth)) {
            return e;
        }
        if (args >= 2) {
            if (auto e = store(boundedNumber(w[3], "XOR", 1, 0xFF), c.xorMask)) {
                return e;
            }
        }
        if (args == 3) {
            return store(boundedNumber(w[4], "COUNT", 0, kMaxCount), c.count);
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
        f.setResponseDelay(microseconds{0});
        break;
    case FaultKind::ByteDelay:
        f.setByteDelay(microseconds{0});
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
    case FaultKind::Length:
        f.wrongLength(0);
        break;
    case FaultKind::Busy:
        f.clearBusy();
        break;
    case FaultKind::Reset:
        f.cancelTransferReset();
        break;
    case FaultKind::NoIrq:
        f.setNoIrq(false);
        break;
    }
}

} // namespace

std::variant<FaultCommand, std::string> parseFaultCommand(std::string_view args)
{
    const auto w = splitWords(args);
    FaultCommand c;
    if (w.empty()) {
        return std::string("fault needs list, set or clear (") + kFaultUsage + ")";
    }
    if (w[0] == "list") {
        if (w.size() != 1) {
            return "fault list takes no arguments";
        }
        return c;
    }
    if (w[0] == "clear") {
        c.op = FaultCommand::Op::Clear;
        if (w.size() > 2) {
            return "fault clear takes at most one KIND";
        }
        if (w.size() == 2 && w[1] != "all") {
            c.kind = kindNamed(w[1]);
            if (!c.kind) {
                return "fault clear: unknown KIND '" + std::string(w[1]) + "' (known: " + kindList() + ", all)";
            }
        }
        return c;
    }
    if (w[0] == "set") {
        c.op = FaultCommand::Op::Set;
        if (w.size() < 2) {
            return "fault set needs a KIND (" + kindList() + ")";
        }
        c.kind = kindNamed(w[1]);
        if (!c.kind) {
            return "fault set: unknown KIND '" + std::string(w[1]) + "' (known: " + kindList() + ")";
        }
        if (auto problem = parseSet(c, w)) {
            return std::move(*problem);
        }
        return c;
    }
    return "fault: unknown operation '" + std::string(w[0]) + "' (list, set or clear)";
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
        case FaultKind::ByteDelay:
            f.setByteDelay(c.duration);
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
        case FaultKind::Length:
            f.wrongLength(c.lengthDelta, c.count);
            break;
        case FaultKind::Busy:
            // The loop's clock, as for silence: the register model's owner
            // judges every access against it.
            f.busyUntil(now + c.duration);
            break;
        case FaultKind::Reset:
            f.resetNextTransfer();
            break;
        case FaultKind::NoIrq:
            f.setNoIrq(true);
            break;
        }
        break;
    }
    return formatFaults(f, now);
}

std::string formatFaults(const sim::FaultInjector& faults, std::chrono::steady_clock::time_point now)
{
    const auto a = faults.active(now);
    std::string out;
    // Whole milliseconds as before; a finer delay in microseconds.
    if (a.responseDelay % milliseconds{1} == microseconds{0}) {
        out += "delay " + std::to_string(a.responseDelay.count() / 1000) + " ms\n";
    } else {
        out += "delay " + std::to_string(a.responseDelay.count()) + " us\n";
    }
    out += "byte-delay " + std::to_string(a.byteDelay.count()) + " us\n";
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
    if (a.lengthDelta != 0) {
        out += std::string("length ") + (a.lengthDelta > 0 ? "+" : "") + std::to_string(a.lengthDelta) + " count " +
               (a.lengthRemaining == 0 ? std::string("unlimited") : std::to_string(a.lengthRemaining)) + "\n";
    } else {
        out += "length off\n";
    }
    if (a.busyUntil) {
        const auto left = std::chrono::duration_cast<milliseconds>(*a.busyUntil - now);
        out += "busy " + std::to_string(std::max<milliseconds::rep>(left.count(), 0)) + " ms left\n";
    } else {
        out += "busy off\n";
    }
    out += std::string("reset ") + (a.transferResetPending ? "pending" : "off") + "\n";
    out += std::string("no-irq ") + (a.noIrq ? "on" : "off") + "\n";
    const auto& n = faults.counters();
    out += "counters unanswered " + std::to_string(n.unanswered) + " dropped " + std::to_string(n.dropped) +
           " delayed " + std::to_string(n.delayed) + " forced_cc " + std::to_string(n.forcedCompletionCodes) +
           " corrupted_bytes " + std::to_string(n.corruptedBytes) + " wrong_lengths " + std::to_string(n.wrongLengths) +
           " busy_episodes " + std::to_string(n.busyEpisodes) + " transfer_resets " + std::to_string(n.transferResets) +
           "\n";
    return out;
}

} // namespace ipmi::daemon
