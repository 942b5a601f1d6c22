// A target's failed check (see fuzz_input.hpp).
#include "fuzz/fuzz_input.hpp"

#include <cstdio>
#include <cstdlib>

namespace ipmi::fuzz {

void trace(const std::string& what)
{
    static const bool enabled = std::getenv("IPMI_FUZZ_TRACE") != nullptr;
    if (enabled) {
        std::fprintf(stderr, "%s\n", what.c_str());
    }
}

void fail(const std::string& what)
{
    std::fprintf(stderr, "fuzz check failed: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

} // namespace ipmi::fuzz
