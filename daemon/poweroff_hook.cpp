// The shutdown hook's power-off, and the persisted poweroff_powercycle.
#include "daemon/poweroff_hook.hpp"

#include "core/services/durable_file.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

namespace ipmi::daemon {

core::services::PowerOffOutcome runPowerOffHook(AsioEventLoop& loop, std::unique_ptr<core::Interface> interface,
                                                const core::services::PowerOffHookOptions& options)
{
    auto& io = loop.context();
    // Keeps run_one_for() waiting for hardware workers instead of returning
    // at once whenever nothing is queued.
    auto guard = boost::asio::make_work_guard(io);
    if (io.stopped()) {
        io.restart();
    }
    auto outcome = core::services::runPowerOff(
        loop, [&io](core::Clock::duration d) { io.run_one_for(d); }, std::move(interface), options);
    guard.reset();
    // Whatever the teardown posted (retired interfaces, workers' last words).
    io.restart();
    io.poll();
    return outcome;
}

// ---- poweroff_powercycle ---------------------------------------------------------

PowerCycleSetting::PowerCycleSetting(int initial, std::filesystem::path file) : value_(initial), file_(std::move(file))
{
}

std::optional<int> PowerCycleSetting::parse(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
    }
    int value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::optional<int> PowerCycleSetting::readPersisted(const std::filesystem::path& file)
{
    std::ifstream in(file);
    if (!in) {
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str());
}

std::optional<PowerCycleSetting::PersistError> PowerCycleSetting::set(int value)
{
    value_ = value;
    if (file_.empty()) {
        return std::nullopt;
    }
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
    if (ec) {
        return PersistError{fmt::format("cannot create {}: {}", file_.parent_path().string(), ec.message())};
    }
    // The hook reads it at power-off, after whatever crash came before.
    if (auto error = core::services::writeFileDurably(file_, std::to_string(value) + "\n")) {
        return PersistError{std::move(*error)};
    }
    return std::nullopt;
}

} // namespace ipmi::daemon
