// The configuration file: TOML read into Settings in the kernel's text
// syntax, refusals naming FILE:LINE:COL (see config.hpp).
#include "daemon/asio.hpp"

#include "daemon/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace ipmi::daemon {

namespace {

std::string where(std::string_view source, const toml::source_region& region)
{
    return std::string(source) + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

// A TOML value in the kernel's text syntax, or nullopt for types it has none for.
std::optional<std::string> kernelText(const toml::node& node, bool octal)
{
    if (const auto* s = node.as_string()) {
        return s->get();
    }
    if (const auto* i = node.as_integer()) {
        if (octal) {
            std::ostringstream o;
            o << '0' << std::oct << i->get();
            return o.str();
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
        for (auto&& [key, value] : *node) {
            const std::string name(key.str());
            if (!knownSetting("node", name)) {
                return fmt::format("{}: unknown parameter '{}' in [{}] (known: interface, policy, owner, group, mode)",
                                   where(sourceName, key.source()), name, section);
            }
            const auto textValue = kernelText(value, name == "mode");
            if (!textValue) {
                return fmt::format("{}: [{}] {}: use a string, an integer, a boolean or a list of those",
                                   where(sourceName, value.source()), section, name);
            }
            settings.push_back(Setting{section, name, *textValue, where(sourceName, value.source())});
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
                   "' (known: ipmi_si, ipmi_ssif, ipmi_watchdog, ipmi_msghandler, ipmi_poweroff, device, daemon, "
                   "node.NAME)";
        }
        for (auto&& [key, value] : *table) {
            const std::string name(key.str());
            if (!knownSetting(section, name)) {
                return fmt::format("{}: unknown parameter '{}' in [{}]", where(sourceName, key.source()), name,
                                   section);
            }
            const auto textValue = kernelText(value, section == "device" && name == "mode");
            if (!textValue) {
                return fmt::format("{}: [{}] {}: use a string, an integer, a boolean or a list of those",
                                   where(sourceName, value.source()), section, name);
            }
            settings.push_back(Setting{section, name, *textValue, where(sourceName, value.source())});
        }
    }
    out.insert(out.end(), settings.begin(), settings.end());
    return std::nullopt;
}

std::optional<std::string> readConfigFile(const std::filesystem::path& path, std::vector<Setting>& out)
{
    std::ifstream in(path);
    if (!in) {
        return path.string() + ": cannot read the configuration file";
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseConfigText(text.str(), path.string(), out);
}

} // namespace ipmi::daemon
