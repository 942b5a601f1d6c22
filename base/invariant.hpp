// A broken invariant of ours ends the process (DESIGN.md): a state only our
// own code can produce, found wrong, is a bug whose consequences nobody can
// bound, so instead of being dropped quietly it is said on stderr (the
// journal, under systemd) and the process aborts; the unit restarts it and
// the kernel answers the clients of the old devices. What a caller or the
// BMC sends is never checked this way: misuse gets an errno, a broken BMC a
// completion code.
//
// base/ is std only, so every room may use it.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace ipmi::base {

// Says what broke and where (the caller's file and line: GCC's and clang's
// builtins, as std::source_location is not usable with clang and
// libstdc++ 12), then aborts.
[[noreturn]] inline void invariantBroken(const char* what, const char* file = __builtin_FILE(),
                                         int line = __builtin_LINE())
{
    std::fprintf(stderr, "ipmi-cuse: invariant broken at %s:%d: %s; aborting\n", file, line, what);
    std::fflush(stderr);
    std::abort();
}

// `what` names the invariant: what must hold, in words.
inline void invariant(bool holds, const char* what, const char* file = __builtin_FILE(), int line = __builtin_LINE())
{
    if (!holds) [[unlikely]] {
        invariantBroken(what, file, line);
    }
}

} // namespace ipmi::base
