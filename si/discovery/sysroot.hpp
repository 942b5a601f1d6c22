// Every file discovery reads goes through a Sysroot: a directory prefix
// ("" or "/" on a live system, a fixture tree in tests, a copy of another
// machine's /sys and /proc for offline diagnosis). Reads are small and
// bounded; a missing file is an ordinary answer, not an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::si::discovery {

class Sysroot
{
  public:
    explicit Sysroot(std::string root = {});

    // The host path of an absolute path inside the sysroot.
    [[nodiscard]] std::string path(std::string_view absolute) const;
    [[nodiscard]] bool exists(std::string_view absolute) const;
    // Whole file as bytes (at most maxBytes; sysfs tables are small).
    [[nodiscard]] std::optional<std::vector<std::uint8_t>> readBytes(std::string_view absolute,
                                                                     std::size_t maxBytes = 4U << 20) const;
    // Whole file as text with trailing whitespace removed.
    [[nodiscard]] std::optional<std::string> readText(std::string_view absolute) const;
    // Entry names of a directory, sorted; empty when it does not exist.
    [[nodiscard]] std::vector<std::string> list(std::string_view absoluteDir) const;
    // The last component of a symlink's target ("IPI0001:00" for
    // .../physical_node -> ../../../platform/IPI0001:00), or nullopt.
    [[nodiscard]] std::optional<std::string> linkTargetName(std::string_view absolute) const;
    // The whole target of a symlink as stored, or nullopt.
    [[nodiscard]] std::optional<std::string> linkTarget(std::string_view absolute) const;

  private:
    std::string root_;
};

} // namespace ipmi::si::discovery
