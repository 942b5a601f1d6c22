// CUSE availability, name checks and device nodes: see device_node.hpp.
#include "cuse_dev/device_node.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
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

int openCuseDevice(const std::filesystem::path& cuseDevice, std::string& error)
{
    const int fd = ::open(cuseDevice.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        return fd;
    }
    const int err = errno;
    const std::string path = cuseDevice.string();
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
    return -1;
}

std::string checkNameIsFree(const std::filesystem::path& sysfs, const std::string& name)
{
    std::error_code ec;
    if (std::filesystem::exists(sysfs / "class" / "ipmi" / name, ec)) {
        return "the kernel's ipmi_devintf already provides /dev/" + name + " (" +
               (sysfs / "class" / "ipmi" / name).string() +
               " exists): a CUSE device of that name would register but /dev/" + name +
               " would keep pointing at the kernel's driver. Unload it first ('modprobe -r ipmi_devintf "
               "ipmi_si ipmi_ssif'), or give this device another name (--device-name / [device] name).";
    }
    if (std::filesystem::exists(sysfs / "class" / "cuse" / name, ec)) {
        return "a CUSE device named " + name + " already exists (" + (sysfs / "class" / "cuse" / name).string() +
               "): is another ipmi-cuse running? Stop it, or give this device another name "
               "(--device-name / [device] name).";
    }
    return {};
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

std::string adjustNode(const std::filesystem::path& node, dev_t dev, const NodeOwnership& own)
{
    struct stat st{};
    if (::lstat(node.c_str(), &st) != 0) {
        return {}; // no devtmpfs node: nothing to adjust
    }
    if (!S_ISCHR(st.st_mode) || st.st_rdev != dev) {
        return node.string() + " exists but is not our device " + std::to_string(major(dev)) + ":" +
               std::to_string(minor(dev)) + "; clients opening it would not reach ipmi-cuse";
    }
    if (::chown(node.c_str(), own.uid, own.gid) != 0 || ::chmod(node.c_str(), own.mode & 07777) != 0) {
        return "cannot set owner/mode of " + node.string() + ": " + errnoText(errno);
    }
    return {};
}

std::string createNode(const std::filesystem::path& dir, const std::string& name, dev_t dev,
                       const NodeOwnership& own)
{
    const auto node = dir / name;
    struct stat st{};
    if (::lstat(node.c_str(), &st) == 0) {
        if (S_ISCHR(st.st_mode) && st.st_rdev == dev) {
            return adjustNode(node, dev, own);
        }
        if (::unlink(node.c_str()) != 0) {
            return "cannot replace " + node.string() + ": " + errnoText(errno);
        }
    }
    if (::mknod(node.c_str(), S_IFCHR | (own.mode & 07777), dev) != 0) {
        return "cannot create " + node.string() + " (mknod " + std::to_string(major(dev)) + ":" +
               std::to_string(minor(dev)) + "): " + errnoText(errno);
    }
    // mknod's mode went through the umask; set it exactly.
    return adjustNode(node, dev, own);
}

} // namespace ipmi::cuse
