// The CDI spec: see cdi_spec.hpp.
#include "daemon/cdi_spec.hpp"

#include "core/services/durable_file.hpp"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ipmi::daemon::cdi {

namespace {

bool isLetter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isAlnum(char c)
{
    return isLetter(c) || (c >= '0' && c <= '9');
}

// CDI's name rule: FIRST at the start, alphanumeric at the end, the
// characters of `middle` (or alphanumerics) between.
std::optional<std::string> segmentProblem(std::string_view what, std::string_view text, bool letterFirst,
                                          std::string_view middle)
{
    if (text.empty()) {
        return std::string(what) + " is empty";
    }
    if (letterFirst ? !isLetter(text.front()) : !isAlnum(text.front())) {
        return std::string(what) + " '" + std::string(text) + "' must start with a letter" +
               (letterFirst ? "" : " or digit");
    }
    if (!isAlnum(text.back())) {
        return std::string(what) + " '" + std::string(text) + "' must end with a letter or digit";
    }
    for (const char c : text) {
        if (!isAlnum(c) && middle.find(c) == std::string_view::npos) {
            return std::string(what) + " '" + std::string(text) + "' may not contain '" + std::string(1, c) + "'";
        }
    }
    return std::nullopt;
}

std::string errnoText(int err)
{
    return std::generic_category().message(err);
}

} // namespace

std::optional<std::string> kindProblem(std::string_view kind)
{
    const auto slash = kind.find('/');
    if (slash == std::string_view::npos) {
        return "'" + std::string(kind) + "' is not a CDI kind vendor/class such as " + kDefaultKind;
    }
    if (auto problem = segmentProblem("the vendor", kind.substr(0, slash), true, "_-.")) {
        return problem;
    }
    return segmentProblem("the class", kind.substr(slash + 1), true, "_-");
}

std::optional<std::string> deviceNameProblem(std::string_view name)
{
    return segmentProblem("the CDI device name", name, false, "_-.:");
}

std::string buildSpec(std::string_view kind, const std::vector<PublishedNode>& nodes)
{
    // ordered_json: the fields in the specification's order, for people reading it.
    auto devices = nlohmann::ordered_json::array();
    for (const auto& node : nodes) {
        nlohmann::ordered_json deviceNode{
            {"path", node.path.string()},
            {"type", "c"},
            {"major", node.major},
            {"minor", node.minor},
            {"fileMode", node.mode & 07777},
            // The cgroup rule: read and write the node, create no others.
            {"permissions", "rw"},
            {"uid", node.uid},
            {"gid", node.gid},
        };
        devices.push_back({
            {"name", node.name},
            {"containerEdits", {{"deviceNodes", nlohmann::ordered_json::array({deviceNode})}}},
        });
    }
    const nlohmann::ordered_json spec{
        {"cdiVersion", kVersion},
        {"kind", std::string(kind)},
        {"devices", devices},
    };
    return spec.dump(2) + "\n";
}

std::string specFileName(std::string_view kind)
{
    std::string name(kind);
    for (auto& c : name) {
        if (c == '/') {
            c = '-';
        }
    }
    return name + ".json";
}

std::optional<std::string> writeSpec(const std::filesystem::path& dir, std::string_view kind,
                                     const std::vector<PublishedNode>& nodes)
{
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec)) {
        // Our UMask may be 0077; the runtimes that read the spec are other programs.
        ::chmod(dir.c_str(), 0755);
    } else if (ec) {
        return "cannot create the CDI directory " + dir.string() + ": " + ec.message();
    }
    const auto target = dir / specFileName(kind);
    if (auto error = core::services::writeFileDurably(target, buildSpec(kind, nodes), 0644)) {
        return "the CDI spec: " + *error;
    }
    return std::nullopt;
}

std::optional<std::string> removeSpec(const std::filesystem::path& dir, std::string_view kind)
{
    const auto target = dir / specFileName(kind);
    if (::unlink(target.c_str()) != 0 && errno != ENOENT) {
        return "cannot remove the CDI spec " + target.string() + ": " + errnoText(errno);
    }
    return std::nullopt;
}

} // namespace ipmi::daemon::cdi
