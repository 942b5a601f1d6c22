// The configuration file: TOML read into Settings in the kernel's text
// syntax, refusals naming FILE:LINE:COL (see config.hpp).
#include "daemon/asio.hpp"

#include "daemon/config.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace ipmi::daemon {

namespace {

std::string where(std::string_view source, const toml::source_region& region)
{
    return std::string(source) + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

// `0o660` in the file; value_flags' format is a two-bit number, not a bit set.
bool writtenInOctal(const toml::value<std::int64_t>& integer)
{
    return (integer.flags() & toml::value_flags::format_as_hexadecimal) == toml::value_flags::format_as_octal;
}

// A TOML value in the kernel's text syntax, or nullopt for types it has none
// for; `octal`: integers as C octal text (a mode's 0o660 is "0660").
std::optional<std::string> kernelText(const toml::node& node, bool octal)
{
    if (const auto* s = node.as_string()) {
        return s->get();
    }
    if (const auto* i = node.as_integer()) {
        if (octal) {
            return fmt::format("0{:o}", i->get());
        }
        return std::to_string(i->get());
    }
    if (const auto* b = node.as_boolean()) {
        return b->get() ? "Y" : "N";
    }
    if (const auto* a = node.as_array()) {
        std::string joined;
        bool first = true;
        for (const toml::node& element : *a) {
            const auto item = element.is_array() ? std::nullopt : kernelText(element, octal);
            if (!item) {
                return std::nullopt;
            }
            joined += (first ? "" : ",") + *item;
            first = false;
        }
        return joined;
    }
    return std::nullopt;
}

bool isMode(std::string_view section, std::string_view key)
{
    return key == "mode" || (section == "device" && key == "watchdog_mode");
}

// `mode = 660` is a decimal integer in TOML (01224 as a mode): a mode is
// written as an octal string, or as TOML's own octal integer (0o660).
std::optional<std::string> decimalModeProblem(const toml::node& value, std::string_view section, std::string_view key,
                                              std::string_view sourceName)
{
    const auto* i = value.as_integer();
    if (!isMode(section, key) || i == nullptr || writtenInOctal(*i)) {
        return std::nullopt;
    }
    return fmt::format("{}: [{}] {}: {} is a decimal integer, not a mode: write the mode as an octal string, "
                       "{} = \"0{}\"",
                       where(sourceName, value.source()), section, key, i->get(), key, i->get());
}

// One table's keys as settings of SECTION; CATALOGUE is the catalogue's
// section they must be known in, HINT what an unknown key's message adds.
std::optional<std::string> appendTable(const toml::table& table, std::string_view catalogue, const std::string& section,
                                       std::string_view hint, std::string_view sourceName,
                                       std::vector<Setting>& settings)
{
    for (auto&& [key, value] : table) {
        const std::string name(key.str());
        if (!knownSetting(catalogue, name)) {
            return fmt::format("{}: unknown parameter '{}' in [{}]{}", where(sourceName, key.source()), name, section,
                               hint);
        }
        if (auto problem = decimalModeProblem(value, section, name, sourceName)) {
            return problem;
        }
        const auto textValue = kernelText(value, isMode(section, name));
        if (!textValue) {
            return fmt::format("{}: [{}] {}: use a string, an integer, a boolean or a list of those",
                               where(sourceName, value.source()), section, name);
        }
        settings.push_back(Setting{section, name, *textValue, where(sourceName, value.source())});
    }
    return std::nullopt;
}

// [node.NAME] tables: one further node each.
std::optional<std::string> parseNodeTables(const toml::table& nodes, std::string_view sourceName,
                                           std::vector<Setting>& settings)
{
    // In the order the file names them (toml++ keeps a table's keys sorted):
    // a node's place among its interface's nodes gives its fixed minor.
    std::vector<std::pair<const toml::key*, const toml::node*>> inFileOrder;
    for (auto&& [nameKey, nodeNode] : nodes) {
        inFileOrder.emplace_back(&nameKey, &nodeNode);
    }
    std::stable_sort(inFileOrder.begin(), inFileOrder.end(), [](const auto& a, const auto& b) {
        const auto& x = a.first->source().begin;
        const auto& y = b.first->source().begin;
        return x.line != y.line ? x.line < y.line : x.column < y.column;
    });
    for (const auto& [nameKey, nodeNode] : inFileOrder) {
        const auto* node = nodeNode->as_table();
        if (node == nullptr) {
            return fmt::format("{}: node.{} is not a table: write [node.{}] and its settings under it",
                               where(sourceName, nameKey->source()), nameKey->str(), nameKey->str());
        }
        const std::string section = std::string(kNodeSectionPrefix) + std::string(nameKey->str());
        if (auto error = appendTable(*node, "node", section, " (known: interface, policy, owner, group, mode)",
                                     sourceName, settings)) {
            return error;
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> parseConfigText(std::string_view text, std::string_view sourceName,
                                           std::vector<Setting>& out)
{
    toml::table doc;
    try {
        doc = toml::parse(text, sourceName);
    } catch (const toml::parse_error& e) {
        return where(sourceName, e.source()) + ": " + std::string(e.description());
    }
    std::vector<Setting> settings;
    for (auto&& [sectionKey, sectionNode] : doc) {
        const std::string section(sectionKey.str());
        const auto* table = sectionNode.as_table();
        if (section == "node" && table != nullptr) {
            if (auto error = parseNodeTables(*table, sourceName, settings)) {
                return error;
            }
            continue;
        }
        const bool knownSection = std::any_of(settingCatalogue().begin(), settingCatalogue().end(),
                                              [&](const SettingInfo& i) { return section == i.section; });
        if (!knownSection || table == nullptr) {
            return where(sourceName, sectionKey.source()) + ": unknown section '" + section +
                   "' (known: ipmi_si, ipmi_ssif, ipmi_watchdog, ipmi_msghandler, ipmi_poweroff, acpi_ipmi, device, "
                   "daemon, node.NAME)";
        }
        if (auto error = appendTable(*table, section, section, "", sourceName, settings)) {
            return error;
        }
    }
    out.insert(out.end(), settings.begin(), settings.end());
    return std::nullopt;
}

std::optional<std::string> readConfigFile(const std::filesystem::path& path, std::vector<Setting>& out)
{
    // O_NONBLOCK: a FIFO without a writer must not hold the start-up; what
    // is not a regular file of sane size is refused before it is read.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return fmt::format("{}: cannot read the configuration file: {}", path.string(), std::strerror(errno));
    }
    std::string text;
    auto problem = [&]() -> std::optional<std::string> {
        struct stat st
        {};
        if (::fstat(fd, &st) != 0) {
            return fmt::format("{}: cannot read the configuration file: {}", path.string(), std::strerror(errno));
        }
        if (!S_ISREG(st.st_mode)) {
            return fmt::format("{}: the configuration file is not a regular file", path.string());
        }
        if (st.st_size > kMaxConfigFileBytes) {
            return fmt::format("{}: the configuration file is larger than {} bytes", path.string(),
                               kMaxConfigFileBytes);
        }
        // One byte more than allowed tells a file that grew since fstat.
        text.resize(static_cast<std::size_t>(kMaxConfigFileBytes) + 1);
        std::size_t have = 0;
        while (have < text.size()) {
            const ssize_t n = ::read(fd, text.data() + have, text.size() - have);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                return fmt::format("{}: cannot read the configuration file: {}", path.string(), std::strerror(errno));
            }
            if (n == 0) {
                break;
            }
            have += static_cast<std::size_t>(n);
        }
        if (have > static_cast<std::size_t>(kMaxConfigFileBytes)) {
            return fmt::format("{}: the configuration file is larger than {} bytes", path.string(),
                               kMaxConfigFileBytes);
        }
        text.resize(have);
        return std::nullopt;
    }();
    ::close(fd);
    if (problem) {
        return problem;
    }
    return parseConfigText(text, path.string(), out);
}

} // namespace ipmi::daemon
