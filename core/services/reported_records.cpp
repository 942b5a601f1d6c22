// The once-only state file of pstore panic reports.
#include "core/services/reported_records.hpp"

#include "core/services/durable_file.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace ipmi::core::services {

std::optional<std::string> ReportedRecords::load()
{
    entries_.clear();
    std::error_code ec;
    if (!std::filesystem::exists(file_, ec)) {
        if (ec) {
            return "cannot check " + file_.string() + ": " + ec.message();
        }
        return std::nullopt;
    }
    if (!std::filesystem::is_regular_file(file_, ec)) {
        return "cannot read " + file_.string() + ": not a regular file";
    }
    std::ifstream in(file_);
    if (!in) {
        return "cannot read " + file_.string();
    }
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
            line.pop_back();
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        add(line);
    }
    if (in.bad()) {
        entries_.clear();
        return "cannot read " + file_.string();
    }
    return std::nullopt;
}

bool ReportedRecords::contains(const std::string& identity) const
{
    return std::find(entries_.begin(), entries_.end(), identity) != entries_.end();
}

void ReportedRecords::add(const std::string& identity)
{
    if (contains(identity)) {
        return;
    }
    entries_.push_back(identity);
    if (entries_.size() > kMaxEntries) {
        entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(entries_.size() - kMaxEntries));
    }
}

std::optional<std::string> ReportedRecords::save() const
{
    std::error_code ec;
    if (file_.has_parent_path()) {
        std::filesystem::create_directories(file_.parent_path(), ec);
        if (ec) {
            return "cannot create " + file_.parent_path().string() + ": " + ec.message();
        }
    }
    std::string text = "# ipmi-cuse: pstore panic records already reported to the BMC (name:fnv1a64)\n";
    for (const auto& id : entries_) {
        text += id;
        text += '\n';
    }
    // A record reported and then forgotten in a crash would be reported again.
    return writeFileDurably(file_, text);
}

} // namespace ipmi::core::services
