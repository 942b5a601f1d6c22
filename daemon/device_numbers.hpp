// Fixed device numbers: with [device] major = M every node and the watchdog
// register as char M:MINOR instead of taking a dynamic major, so a restart
// gives them the same dev_t and a container's device cgroup rule
// ("c M:0 rw") or a runtime's recorded number stays right.
//
// The scheme (docs/containers.md):
//   /dev/ipmiN (whatever its name), the interface's first node: minor N
//   a further node of interface N, the k-th (k = 1, 2, ...): minor 256*k + N
//   the IPMI watchdog: minor [device] watchdog_minor (default 130, as the
//   kernel's misc watchdog 10:130)
// so interface numbers stay below 256 and differ from the watchdog's minor.
//
// Linux's devices.txt leaves char majors 60-63 and 120-127 for local and
// experimental use: nothing in the kernel takes them. 234-254 and 384-511
// are where the kernel hands out dynamic majors (from 254 down), so a fixed
// one there can be gone before ipmi-cuse starts; 512 and above the kernel
// refuses.
#pragma once

#include "cuse/kernel.hpp"
#include "daemon/config.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ipmi::daemon {

inline constexpr unsigned kMinorsPerNodeKind = 256;

// The number of interface IFNUM's NODE-th node (0: its first), nullopt with a
// dynamic major. Valid when nodeNumberProblem() found nothing.
[[nodiscard]] std::optional<cuse::DeviceNumber> nodeNumber(const DeviceConfig& device, int ifnum, unsigned node = 0);
// nullopt, or why that node can have no fixed number.
[[nodiscard]] std::optional<std::string> nodeNumberProblem(const DeviceConfig& device, int ifnum, unsigned node = 0);
// The watchdog's number, nullopt with a dynamic major.
[[nodiscard]] std::optional<cuse::DeviceNumber> watchdogNumber(const DeviceConfig& device);

// Whether MAJOR can be registered, from PROC_DEVICES: nullopt when no one
// holds it or the file cannot be read (the kernel then has the last word);
// otherwise the refusal, naming the major and its holders. A major held only
// under names in OURS is a previous instance of ours whose devices are still
// going away: that is re-read every 50 ms for up to WAIT before refusing.
[[nodiscard]] std::optional<std::string> checkMajorIsFree(const std::filesystem::path& procDevices, unsigned major,
                                                          const std::vector<std::string>& ours,
                                                          std::chrono::milliseconds wait);

// A warning for a fixed major the kernel may hand out dynamically, or nullopt.
[[nodiscard]] std::optional<std::string> dynamicRangeWarning(unsigned major);

} // namespace ipmi::daemon
