// The state file that keeps pstore panic reports once-only: one record
// identity (pstore.hpp) per line, oldest first, '#' comments allowed.
// Written durably (durable_file.hpp), so a crash or power loss mid-write
// leaves the old file or the new one, never a torn one. Bounded: only the newest kMaxEntries identities are kept.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ipmi::core::services {

inline constexpr const char* kDefaultReportedPanicsFile = "/var/lib/ipmi-cuse/reported-panics";

class ReportedRecords
{
  public:
    static constexpr std::size_t kMaxEntries = 1024;

    explicit ReportedRecords(std::filesystem::path file) : file_(std::move(file)) {}

    // A missing file is an empty set; why the file could not be read, if it could not.
    std::optional<std::string> load();
    [[nodiscard]] bool contains(const std::string& identity) const;
    void add(const std::string& identity);
    // Why it could not be written, if it could not.
    [[nodiscard]] std::optional<std::string> save() const;

    [[nodiscard]] const std::vector<std::string>& entries() const { return entries_; }
    [[nodiscard]] const std::filesystem::path& file() const { return file_; }

  private:
    std::filesystem::path file_;
    std::vector<std::string> entries_;
};

} // namespace ipmi::core::services
