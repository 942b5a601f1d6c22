// Everything about a CUSE device's name and node outside the FUSE session:
// whether CUSE is there at all, whether the name is free (the kernel's
// ipmi_devintf or another CUSE server may own it), what the kernel registered
// (/sys/class/cuse/NAME/dev: CUSE registration failures are otherwise
// silent), and the node itself (owner and mode of the devtmpfs node, or a node
// created by hand in a container's private /dev).
//
// Paths are parameters so tests and containers can point them elsewhere.
// Each check returns an empty string when all is well, otherwise the message
// to show the operator, naming the path and what to do.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::cuse {

struct NodeOwnership
{
    mode_t mode = 0600; // the kernel's ipmi_devintf nodes are root 0600 too
    uid_t uid = 0;
    gid_t gid = 0;
};

// Opens the CUSE control device (O_RDWR | O_CLOEXEC | O_NONBLOCK). On failure
// returns -1 and sets `error` to a message saying what to do (load the cuse
// module; in a container, pass the device; run with the right privileges);
// errno keeps open()'s error.
[[nodiscard]] int openCuseDevice(const std::filesystem::path& cuseDevice, std::string& error);

// "" if NAME can be registered: not owned by the kernel's ipmi_devintf
// (/sys/class/ipmi/NAME) nor by another CUSE server (/sys/class/cuse/NAME).
[[nodiscard]] std::string checkNameIsFree(const std::filesystem::path& sysfs, const std::string& name);

// A character device's number as sysfs spells it ("major:minor").
struct DeviceNumber
{
    unsigned major = 0;
    unsigned minor = 0;
    friend bool operator==(const DeviceNumber&, const DeviceNumber&) = default;
};

// Parses a sysfs "dev" attribute ("247:0\n"): two decimal numbers and a
// colon, nothing else but the trailing newline.
[[nodiscard]] std::optional<DeviceNumber> parseDeviceNumber(std::string_view text);

// The number CUSE registered NAME with, from SYSFS/class/cuse/NAME/dev, or
// nullopt if it is not there (yet) or not a device number.
[[nodiscard]] std::optional<DeviceNumber> readDeviceNumber(const std::filesystem::path& sysfs,
                                                           std::string_view name);

// The same as a dev_t.
[[nodiscard]] std::optional<dev_t> registeredDevice(const std::filesystem::path& sysfs, const std::string& name);

// Gives an existing node (devtmpfs made it) the configured owner and mode,
// provided it is the character device `dev`. "" when done or when there is
// no such node (nothing to do).
[[nodiscard]] std::string adjustNode(const std::filesystem::path& node, dev_t dev, const NodeOwnership& own);

// Creates (or replaces) DIR/NAME as character device `dev` with the
// configured owner and mode: the node a private /dev without devtmpfs lacks.
[[nodiscard]] std::string createNode(const std::filesystem::path& dir, const std::string& name, dev_t dev,
                                     const NodeOwnership& own);

} // namespace ipmi::cuse
