// The checks every fuzz target makes: a failed one prints what broke and
// aborts, so libFuzzer keeps the input as a crash.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

namespace ipmi::fuzz {

[[noreturn]] inline void fail(const char* what)
{
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
}

inline void check(bool ok, const char* what)
{
    if (!ok) {
        fail(what);
    }
}

// Logging costs time and says nothing the checks do not; IPMI_FUZZ_LOG=1
// turns it on (at debug level) to see what one input does.
inline void silenceLogs()
{
    static const bool silenced = [] {
        spdlog::set_level(std::getenv("IPMI_FUZZ_LOG") != nullptr ? spdlog::level::debug : spdlog::level::off);
        return true;
    }();
    static_cast<void>(silenced);
}

} // namespace ipmi::fuzz
