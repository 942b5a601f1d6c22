// A CUSE device's name and node outside the FUSE session: whether the name
// is free (the kernel's ipmi_devintf or another CUSE server may own it), and
// the node itself (owner and mode of the devtmpfs node, or a node created by
// hand in a container's private /dev). Whether CUSE is there at all and what
// it registered: cuse/kernel.hpp.
//
// Paths are parameters so tests and containers can point them elsewhere.
// Each check returns nothing when all is well, otherwise the problem: the
// message to show the operator, naming the path and what to do.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace ipmi::cuse {

struct NodeOwnership
{
    mode_t mode = 0600; // the kernel's ipmi_devintf nodes are root 0600 too
    uid_t uid = 0;
    gid_t gid = 0;
};

// Nothing if NAME can be registered: not owned by the kernel's ipmi_devintf
// (/sys/class/ipmi/NAME) nor by another CUSE server (/sys/class/cuse/NAME).
[[nodiscard]] std::optional<std::string> checkNameIsFree(const std::filesystem::path& sysfs, const std::string& name);

// Gives an existing node (devtmpfs made it) the configured owner and mode,
// provided it is the character device `dev`. Nothing when done or when there
// is no such node (nothing to do).
[[nodiscard]] std::optional<std::string> adjustNode(const std::filesystem::path& node, dev_t dev,
                                                    const NodeOwnership& own);

// Creates (or replaces) DIR/NAME as character device `dev` with the
// configured owner and mode: the node a private /dev without devtmpfs lacks.
[[nodiscard]] std::optional<std::string> createNode(const std::filesystem::path& dir, const std::string& name,
                                                    dev_t dev, const NodeOwnership& own);

} // namespace ipmi::cuse
