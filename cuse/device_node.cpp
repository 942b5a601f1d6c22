// Name checks and device nodes: see device_node.hpp.
#include "cuse/device_node.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ipmi::cuse {

namespace {

std::string errnoText(int err)
{
    return std::generic_category().message(err);
}

} // namespace

std::optional<std::string> checkNameIsFree(const std::filesystem::path& sysfs, const std::string& name)
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
    return std::nullopt;
}

std::optional<std::string> adjustNode(const std::filesystem::path& node, dev_t dev, const NodeOwnership& own)
{
    struct stat st
    {};
    if (::lstat(node.c_str(), &st) != 0) {
        return std::nullopt; // no devtmpfs node: nothing to adjust
    }
    if (!S_ISCHR(st.st_mode) || st.st_rdev != dev) {
        return node.string() + " exists but is not our device " + std::to_string(major(dev)) + ":" +
               std::to_string(minor(dev)) + "; clients opening it would not reach ipmi-cuse";
    }
    if (::chown(node.c_str(), own.uid, own.gid) != 0 || ::chmod(node.c_str(), own.mode & 07777) != 0) {
        return "cannot set owner/mode of " + node.string() + ": " + errnoText(errno);
    }
    return std::nullopt;
}

std::optional<std::string> createNode(const std::filesystem::path& dir, const std::string& name, dev_t dev,
                                      const NodeOwnership& own)
{
    const auto node = dir / name;
    struct stat st
    {};
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
