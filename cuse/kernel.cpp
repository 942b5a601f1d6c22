// Opening /dev/cuse and reading what CUSE registered: see kernel.hpp.
#include "cuse/kernel.hpp"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

namespace ipmi::cuse {

namespace {

std::string errnoText(int err)
{
    return std::generic_category().message(err);
}

} // namespace

std::variant<int, std::string> openCuseDevice(const std::filesystem::path& cuseDevice)
{
    const int fd = ::open(cuseDevice.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        return fd;
    }
    const int err = errno;
    const std::string path = cuseDevice.string();
    std::string error;
    if (err == ENOENT || err == ENODEV || err == ENXIO) {
        error = path + " is missing (" + errnoText(err) +
                "): this kernel has no CUSE loaded. Load it with 'modprobe cuse' "
                "(kernel option CONFIG_CUSE); in a container, pass the host's device "
                "(e.g. 'docker run --device " +
                path + "') and load the module on the host.";
    } else if (err == EACCES || err == EPERM) {
        error = "cannot open " + path + ": " + errnoText(err) +
                ". Creating CUSE devices needs root (or CAP_SYS_ADMIN and access to " + path + ").";
    } else {
        error = "cannot open " + path + ": " + errnoText(err);
    }
    errno = err;
    return error;
}

std::optional<DeviceNumber> parseDeviceNumber(std::string_view text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    const auto decimal = [](std::string_view digits, unsigned& value) {
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        return !digits.empty() && ec == std::errc{} && end == digits.data() + digits.size();
    };
    DeviceNumber number;
    if (!decimal(text.substr(0, colon), number.major) || !decimal(text.substr(colon + 1), number.minor)) {
        return std::nullopt;
    }
    return number;
}

std::optional<DeviceNumber> readDeviceNumber(const std::filesystem::path& sysfs, std::string_view name)
{
    std::ifstream in(sysfs / "class" / "cuse" / std::string(name) / "dev");
    if (!in) {
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parseDeviceNumber(text.str());
}

std::optional<dev_t> registeredDevice(const std::filesystem::path& sysfs, const std::string& name)
{
    const auto number = readDeviceNumber(sysfs, name);
    if (!number) {
        return std::nullopt;
    }
    return makedev(number->major, number->minor);
}

std::vector<std::string> charMajorHolders(std::string_view procDevices, unsigned major)
{
    std::vector<std::string> holders;
    bool inCharSection = false;
    while (!procDevices.empty()) {
        const auto end = procDevices.find('\n');
        std::string_view line = procDevices.substr(0, end);
        procDevices.remove_prefix(end == std::string_view::npos ? procDevices.size() : end + 1);
        if (line.empty()) {
            inCharSection = false; // a blank line ends the section
            continue;
        }
        if (line.back() == ':') {
            inCharSection = line == "Character devices:";
            continue;
        }
        if (!inCharSection) {
            continue;
        }
        // "%3d %s": the major right-aligned in three columns, a space, the name.
        const auto first = line.find_first_not_of(' ');
        const auto space = line.find(' ', first);
        if (first == std::string_view::npos || space == std::string_view::npos) {
            continue;
        }
        unsigned listed = 0;
        const auto digits = line.substr(first, space - first);
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), listed);
        if (ec != std::errc{} || ptr != digits.data() + digits.size() || listed != major) {
            continue;
        }
        holders.emplace_back(line.substr(space + 1));
    }
    return holders;
}

std::optional<std::vector<std::string>> readCharMajorHolders(const std::filesystem::path& procDevices, unsigned major)
{
    std::ifstream in(procDevices);
    if (!in) {
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return charMajorHolders(text.str(), major);
}

std::string describeMajorHolders(unsigned major, const std::vector<std::string>& holders,
                                 const std::filesystem::path& procDevices)
{
    if (holders.empty()) {
        return "major " + std::to_string(major) + " is free in " + procDevices.string();
    }
    std::string names;
    for (const auto& holder : holders) {
        names += (names.empty() ? "'" : ", '") + holder + "'";
    }
    return "major " + std::to_string(major) + " is already used by " + names + " (" + procDevices.string() + ")";
}

} // namespace ipmi::cuse
