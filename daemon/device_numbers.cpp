// Fixed device numbers: see device_numbers.hpp.
#include "daemon/device_numbers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace ipmi::daemon {

namespace {

constexpr std::chrono::milliseconds kRecheck{50};

bool allOurs(const std::vector<std::string>& holders, const std::vector<std::string>& ours)
{
    return std::all_of(holders.begin(), holders.end(), [&](const std::string& holder) {
        return std::find(ours.begin(), ours.end(), holder) != ours.end();
    });
}

} // namespace

std::optional<std::string> nodeNumberProblem(const DeviceConfig& device, int ifnum, unsigned node)
{
    if (device.major == 0) {
        return std::nullopt;
    }
    if (ifnum < 0 || static_cast<unsigned>(ifnum) >= kMinorsPerNodeKind) {
        return fmt::format("interface {} has no fixed number: under [device] major = {} interfaces are numbered "
                           "0..{} (minor N for /dev/ipmiN)",
                           ifnum, device.major, kMinorsPerNodeKind - 1);
    }
    const unsigned minor = node * kMinorsPerNodeKind + static_cast<unsigned>(ifnum);
    if (minor > cuse::kMaxMinor) {
        return fmt::format("node {} of interface {} would need minor {}, beyond {}", node, ifnum, minor,
                           cuse::kMaxMinor);
    }
    if (!device.watchdogName.empty() && minor == device.watchdogMinor) {
        return fmt::format("/dev/{} would get char {}:{}, the watchdog's number (choose another "
                           "[device] watchdog_minor)",
                           device.nameFor(ifnum), device.major, minor);
    }
    return std::nullopt;
}

std::optional<cuse::DeviceNumber> nodeNumber(const DeviceConfig& device, int ifnum, unsigned node)
{
    if (device.major == 0 || ifnum < 0) {
        return std::nullopt;
    }
    return cuse::DeviceNumber{device.major, node * kMinorsPerNodeKind + static_cast<unsigned>(ifnum)};
}

std::optional<cuse::DeviceNumber> watchdogNumber(const DeviceConfig& device)
{
    if (device.major == 0) {
        return std::nullopt;
    }
    return cuse::DeviceNumber{device.major, device.watchdogMinor};
}

std::optional<std::string> checkMajorIsFree(const std::filesystem::path& procDevices, unsigned major,
                                            const std::vector<std::string>& ours, std::chrono::milliseconds wait)
{
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        const auto holders = cuse::readCharMajorHolders(procDevices, major);
        if (!holders || holders->empty()) {
            return std::nullopt;
        }
        if (!allOurs(*holders, ours)) {
            return cuse::describeMajorHolders(major, *holders, procDevices) +
                   ": choose another [device] major (free for local use: 60-63, 120-127)";
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return cuse::describeMajorHolders(major, *holders, procDevices) + " after waiting " +
                   std::to_string(wait.count()) +
                   " ms: another ipmi-cuse with the same names is still running (or still going away)";
        }
        std::this_thread::sleep_for(kRecheck);
    }
}

std::optional<std::string> dynamicRangeWarning(unsigned major)
{
    if ((major >= 234 && major <= 254) || major >= 384) {
        return fmt::format("[device] major = {} lies where the kernel hands out dynamic majors (234-254, 384-511): "
                           "a driver loaded earlier may hold it; 60-63 and 120-127 are free for local use",
                           major);
    }
    return std::nullopt;
}

} // namespace ipmi::daemon
