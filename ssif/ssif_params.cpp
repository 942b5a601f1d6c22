// Resolution of SsifParams against sysfs and /dev (see ssif_params.hpp).
#include "ssif/ssif_params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <system_error>

namespace ipmi::ssif {

namespace fs = std::filesystem;

namespace {

std::optional<int> parseAdapterNumber(std::string_view text)
{
    if (text.starts_with("i2c-")) {
        text.remove_prefix(4);
    }
    int value = -1;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < 0) {
        return std::nullopt;
    }
    return value;
}

std::string readFirstLine(const fs::path& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// Adapter number → name, from /sys/class/i2c-adapter (numeric order).
std::map<int, std::string> listAdapters(const fs::path& sysfsRoot)
{
    std::map<int, std::string> adapters;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(sysfsRoot / "class/i2c-adapter", ec)) {
        if (auto number = parseAdapterNumber(entry.path().filename().string())) {
            adapters.emplace(*number, readFirstLine(entry.path() / "name"));
        }
    }
    return adapters;
}

} // namespace

bool adapterNameMatches(std::string_view a, std::string_view b)
{
    auto strip = [](std::string_view s) {
        std::string out;
        std::copy_if(s.begin(), s.end(), std::back_inserter(out), [](char c) { return c != ' '; });
        return out;
    };
    return strip(a) == strip(b);
}

std::variant<ResolvedSsif, std::string> resolveSsifParams(const SsifParams& params)
{
    if (params.addr < 0x03 || params.addr > 0x77) {
        return fmt::format("ssif: addr=0x{:02x} is not a 7-bit SMBus device address (0x03..0x77)", params.addr);
    }
    const auto adapters = listAdapters(params.sysfsRoot);
    ResolvedSsif resolved;
    if (params.adapter.empty()) {
        if (adapters.size() != 1) {
            std::string names;
            for (const auto& [number, name] : adapters) {
                names += fmt::format("{}i2c-{} \"{}\"", names.empty() ? "" : ", ", number, name);
            }
            return fmt::format("ssif: no adapter= given and {} I2C adapters exist{}{}; name one", adapters.size(),
                               adapters.empty() ? "" : ": ", names);
        }
        resolved.adapterNumber = adapters.begin()->first;
    } else if (auto number = parseAdapterNumber(params.adapter)) {
        if (!adapters.contains(*number)) {
            return fmt::format("ssif: adapter i2c-{} does not exist (no {})", *number,
                               (params.sysfsRoot / "class/i2c-adapter" / fmt::format("i2c-{}", *number)).string());
        }
        resolved.adapterNumber = *number;
    } else {
        const auto it = std::find_if(adapters.begin(), adapters.end(),
                                     [&](const auto& a) { return adapterNameMatches(a.second, params.adapter); });
        if (it == adapters.end()) {
            return fmt::format("ssif: no I2C adapter is named \"{}\" (compared without spaces)", params.adapter);
        }
        resolved.adapterNumber = it->first;
    }
    resolved.adapterName = adapters.at(resolved.adapterNumber);

    // Is a kernel driver bound to that address? N-00XX is the kernel's
    // i2c client name for 7-bit addresses.
    const fs::path client =
        params.sysfsRoot / "bus/i2c/devices" / fmt::format("{}-{:04x}", resolved.adapterNumber, params.addr);
    std::error_code ec;
    const fs::path driver = fs::read_symlink(client / "driver", ec);
    if (!ec) {
        const std::string name = driver.filename().string();
        if (name == "ipmi_ssif") {
            return fmt::format("ssif: address 0x{:02x} on i2c-{} is driven by the kernel's ipmi_ssif; two drivers "
                               "must not talk to one BMC. Unload it (modprobe -r ipmi_ssif) or unbind {}",
                               params.addr, resolved.adapterNumber, client.filename().string());
        }
        return fmt::format("ssif: address 0x{:02x} on i2c-{} belongs to the kernel driver {}; is it really the BMC?",
                           params.addr, resolved.adapterNumber, name);
    }

    resolved.device = params.devRoot / fmt::format("i2c-{}", resolved.adapterNumber);
    if (!fs::exists(resolved.device, ec)) {
        return fmt::format("ssif: {} does not exist; load the i2c-dev module (modprobe i2c-dev)",
                           resolved.device.string());
    }
    return resolved;
}

} // namespace ipmi::ssif
