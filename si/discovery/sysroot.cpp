// File access under a sysroot prefix; see sysroot.hpp.
#include "si/discovery/sysroot.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace ipmi::si::discovery {

Sysroot::Sysroot(std::string root) : root_(std::move(root))
{
    while (!root_.empty() && root_.back() == '/') {
        root_.pop_back();
    }
}

std::string Sysroot::path(std::string_view absolute) const
{
    std::string result = root_;
    if (absolute.empty() || absolute.front() != '/') {
        result += '/';
    }
    result += absolute;
    return result;
}

bool Sysroot::exists(std::string_view absolute) const
{
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(path(absolute), ec));
}

std::optional<std::vector<std::uint8_t>> Sysroot::readBytes(std::string_view absolute, std::size_t maxBytes) const
{
    std::ifstream in(path(absolute), std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> bytes;
    // sysfs files report size 4096 or 0, so read until EOF rather than by size.
    char buffer[4096];
    while (bytes.size() < maxBytes) {
        in.read(buffer, static_cast<std::streamsize>(std::min(sizeof(buffer), maxBytes - bytes.size())));
        const auto got = in.gcount();
        if (got <= 0) {
            break;
        }
        bytes.insert(bytes.end(), buffer, buffer + got);
    }
    if (in.bad()) {
        return std::nullopt;
    }
    return bytes;
}

std::optional<std::string> Sysroot::readText(std::string_view absolute) const
{
    auto bytes = readBytes(absolute, 1U << 20);
    if (!bytes) {
        return std::nullopt;
    }
    std::string text(bytes->begin(), bytes->end());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t' || text.back() == '\0')) {
        text.pop_back();
    }
    return text;
}

std::vector<std::string> Sysroot::list(std::string_view absoluteDir) const
{
    std::vector<std::string> names;
    std::error_code ec;
    std::filesystem::directory_iterator it(path(absoluteDir), ec);
    if (ec) {
        return names;
    }
    for (const auto& entry : it) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::string> Sysroot::linkTarget(std::string_view absolute) const
{
    std::error_code ec;
    auto target = std::filesystem::read_symlink(path(absolute), ec);
    if (ec) {
        return std::nullopt;
    }
    return target.string();
}

std::optional<std::string> Sysroot::linkTargetName(std::string_view absolute) const
{
    auto target = linkTarget(absolute);
    if (!target) {
        return std::nullopt;
    }
    std::string_view view = *target;
    while (!view.empty() && view.back() == '/') {
        view.remove_suffix(1);
    }
    const auto slash = view.rfind('/');
    return std::string(slash == std::string_view::npos ? view : view.substr(slash + 1));
}

} // namespace ipmi::si::discovery
