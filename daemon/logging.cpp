// Per-subsystem loggers on one stderr sink: see logging.hpp.
#define FUSE_USE_VERSION 314

#include "daemon/logging.hpp"

#include "daemon/config.hpp"

#include <fuse_log.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace ipmi::daemon {

namespace {

std::shared_ptr<spdlog::sinks::stderr_sink_mt>& sink()
{
    static auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    return s;
}

// libfuse prints through fuse_log(); route it into the "fuse" logger.
void fuseLog(enum fuse_log_level level, const char* fmt, va_list ap)
{
    std::array<char, 1024> buf{};
    va_list copy;
    va_copy(copy, ap);
    std::vsnprintf(buf.data(), buf.size(), fmt, copy);
    va_end(copy);
    std::string text(buf.data());
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    auto log = subsystemLog("fuse");
    switch (level) {
    case FUSE_LOG_EMERG:
    case FUSE_LOG_ALERT:
    case FUSE_LOG_CRIT:
    case FUSE_LOG_ERR:
        log->error("{}", text);
        break;
    case FUSE_LOG_WARNING:
        log->warn("{}", text);
        break;
    case FUSE_LOG_NOTICE:
    case FUSE_LOG_INFO:
        log->info("{}", text);
        break;
    case FUSE_LOG_DEBUG:
        log->debug("{}", text);
        break;
    }
}

} // namespace

std::shared_ptr<spdlog::logger> subsystemLog(const std::string& name)
{
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    auto log = std::make_shared<spdlog::logger>(name, sink());
    log->set_level(spdlog::get_level());
    spdlog::register_logger(log);
    return log;
}

std::optional<std::string> setupLogging(const std::string& level, const std::vector<std::string>& debug)
{
    const auto base = spdlog::level::from_str(level);
    if (spdlog::level::to_string_view(base) != level && !(level == "warn" || level == "error")) {
        return "unknown log level '" + level + "'";
    }
    // journald adds its own timestamps and takes <N> priority prefixes.
    const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    sink()->set_pattern(journal ? "%n: %v" : "%Y-%m-%d %H:%M:%S.%e %^%l%$ %n: %v");
    spdlog::set_level(base);
    for (const auto& name : debugSubsystems()) {
        auto log = subsystemLog(name);
        const bool wanted = std::find(debug.begin(), debug.end(), name) != debug.end() ||
                            std::find(debug.begin(), debug.end(), "all") != debug.end();
        log->set_level(wanted ? std::min(base, spdlog::level::debug) : base);
    }
    spdlog::set_default_logger(subsystemLog("daemon"));
    fuse_set_log_func(fuseLog);
    return std::nullopt;
}

} // namespace ipmi::daemon
