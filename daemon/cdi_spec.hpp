// The Container Device Interface (CNCF CDI) spec of the published nodes:
// with it `podman run --device ipmi-cuse.org/ipmi=ipmi0` (or containerd's
// CDI support) hands a container the node, its number and its cgroup rule
// without --privileged. docs/containers.md shows its use.
//
// cdiVersion is 0.5.0, the newest that podman 4.3 (Debian 12; its CDI
// library accepts 0.1.0 to 0.5.0 and refuses unknown fields) and containerd
// 1.7 read; it has every field written here. Each node's deviceNodes entry
// carries its type, major and minor, so the runtime takes them as written
// and does not stat the host's node; the daemon therefore writes the spec
// once the numbers are known, rewrites it when nodes come and go, and
// removes it on stop.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::daemon::cdi {

inline constexpr const char* kVersion = "0.5.0";
inline constexpr const char* kDefaultKind = "ipmi-cuse.org/ipmi";
// The CDI libraries' dynamic directory (/var/run/cdi; /etc/cdi is the static one).
inline constexpr const char* kDefaultDirectory = "/var/run/cdi";

// One node as published: what a container needs to reproduce it.
struct PublishedNode
{
    std::string name;           // the CDI device name: the node's name ("ipmi0")
    std::filesystem::path path; // "/dev/ipmi0", the same inside the container
    unsigned major = 0;
    unsigned minor = 0;
    mode_t mode = 0600; // permission bits only
    uid_t uid = 0;
    gid_t gid = 0;
    friend bool operator==(const PublishedNode&, const PublishedNode&) = default;
};

// nullopt, or why KIND is not a CDI kind "vendor/class" as cdiVersion 0.5.0
// reads it (vendor: a letter, then letters, digits, '_', '-', '.'; class:
// a letter, then letters, digits, '_', '-'; each ending in a letter or digit).
[[nodiscard]] std::optional<std::string> kindProblem(std::string_view kind);
// nullopt, or why NAME cannot be a CDI device name (alphanumeric at both
// ends, '_', '-', '.', ':' between).
[[nodiscard]] std::optional<std::string> deviceNameProblem(std::string_view name);

// The spec as JSON text (two-space indentation, a final newline), devices in
// the order given. The kind and the names must have passed the checks above.
[[nodiscard]] std::string buildSpec(std::string_view kind, const std::vector<PublishedNode>& nodes);

// The spec's file name for KIND: "vendor-class.json", as CDI's own tools
// name theirs ("ipmi-cuse.org-ipmi.json").
[[nodiscard]] std::string specFileName(std::string_view kind);

// Writes DIR/specFileName(KIND) atomically (a temporary ".NAME.tmp" beside it,
// which CDI's directory scan ignores, then rename), mode 0644, creating DIR
// (0755) if needed. nullopt, or what failed, naming the path.
[[nodiscard]] std::optional<std::string> writeSpec(const std::filesystem::path& dir, std::string_view kind,
                                                   const std::vector<PublishedNode>& nodes);

// Removes DIR/specFileName(KIND); nothing to do if it is not there.
[[nodiscard]] std::optional<std::string> removeSpec(const std::filesystem::path& dir, std::string_view kind);

} // namespace ipmi::daemon::cdi
