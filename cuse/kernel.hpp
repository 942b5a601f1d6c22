// The kernel's side of CUSE outside a session: whether /dev/cuse can be
// opened at all, what the kernel registered (/sys/class/cuse/NAME/dev:
// CUSE registration failures are otherwise silent), and who holds a
// character major (/proc/devices: the kernel refuses a fixed number that
// overlaps another registration and says so only in its log). Paths are
// parameters so tests and containers can point them elsewhere.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ipmi::cuse {

// Opens the CUSE control device (O_RDWR | O_CLOEXEC | O_NONBLOCK): the file
// descriptor, or a message saying what to do (load the cuse module; in a
// container, pass the device; run with the right privileges) with errno
// keeping open()'s error.
[[nodiscard]] std::variant<int, std::string> openCuseDevice(const std::filesystem::path& cuseDevice);

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
[[nodiscard]] std::optional<DeviceNumber> readDeviceNumber(const std::filesystem::path& sysfs, std::string_view name);

// The same as a dev_t.
[[nodiscard]] std::optional<dev_t> registeredDevice(const std::filesystem::path& sysfs, const std::string& name);

// Character majors: the kernel's register_chrdev_region() refuses 512 and
// above (CHRDEV_MAJOR_MAX) and minors need 20 bits (MINORBITS).
inline constexpr unsigned kMaxCharMajor = 511;
inline constexpr unsigned kMaxMinor = (1U << 20) - 1;

// The names /proc/devices lists under "Character devices:" for `major`, in
// the order listed (a major shared by several registrations has a line for
// each: every CUSE device registers under its own name).
[[nodiscard]] std::vector<std::string> charMajorHolders(std::string_view procDevices, unsigned major);

// The same read from PROC_DEVICES; nullopt if it cannot be read.
[[nodiscard]] std::optional<std::vector<std::string>> readCharMajorHolders(const std::filesystem::path& procDevices,
                                                                           unsigned major);

// "major 120 is already used by 'foo' (/proc/devices)", or for several
// holders "... by 'ipmi0', 'watchdog' ...". Empty holders: "major 120 is free
// in /proc/devices".
[[nodiscard]] std::string describeMajorHolders(unsigned major, const std::vector<std::string>& holders,
                                               const std::filesystem::path& procDevices);

} // namespace ipmi::cuse
