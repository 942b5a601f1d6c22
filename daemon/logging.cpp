// Per-subsystem loggers on one stderr sink: see logging.hpp.
#define FUSE_USE_VERSION 314

#include "daemon/logging.hpp"

#include "daemon/config.hpp"

#include <fuse_log.h>
#include <spdlog/sinks/base_sink.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>

namespace ipmi::daemon {

namespace {

// The syslog priority journald reads from a "<N>" at the start of a line.
const char* journalPrefix(spdlog::level::level_enum level)
{
    switch (level) {
    case spdlog::level::critical:
        return SD_CRIT;
    case spdlog::level::err:
        return SD_ERR;
    case spdlog::level::warn:
        return SD_WARNING;
    case spdlog::level::info:
        return SD_INFO;
    case spdlog::level::trace:
    case spdlog::level::debug:
    case spdlog::level::off:
    case spdlog::level::n_levels:
        break;
    }
    return SD_DEBUG;
}

// stderr, where every line of a message carries its priority prefix while
// the journal reads it: journald takes the prefix line by line, so a second
// line without one would land at the unit's default priority.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex>
{
  public:
    void setJournal(bool journal)
    {
        const std::lock_guard lock(mutex_);
        journal_ = journal;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override
    {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        std::string_view text(formatted.data(), formatted.size());
        if (!journal_) {
            std::fwrite(text.data(), 1, text.size(), stderr);
            return;
        }
        const std::string_view prefix = journalPrefix(msg.level);
        std::string out;
        out.reserve(text.size() + prefix.size());
        while (!text.empty()) {
            const auto end = text.find('\n');
            const auto line = text.substr(0, end == std::string_view::npos ? text.size() : end + 1);
            out.append(prefix).append(line);
            text.remove_prefix(line.size());
        }
        std::fwrite(out.data(), 1, out.size(), stderr);
    }
    void flush_() override { std::fflush(stderr); }

  private:
    bool journal_ = false;
};

std::shared_ptr<StderrSink>& sink()
{
    static auto s = std::make_shared<StderrSink>();
    return s;
}

std::optional<unsigned long long> decimal(std::string_view text)
{
    unsigned long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
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

bool stderrIsJournal()
{
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) {
        return false;
    }
    const std::string_view text(stream);
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    const auto dev = decimal(text.substr(0, colon));
    const auto ino = decimal(text.substr(colon + 1));
    struct stat st
    {};
    if (!dev || !ino || ::fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    return st.st_dev == *dev && st.st_ino == *ino;
}

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
    // journald adds its own timestamps; the level is the line's priority.
    const bool journal = stderrIsJournal();
    sink()->setJournal(journal);
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
