// For tests of what is logged: swaps spdlog's default logger for one that
// writes "LEVEL message" lines (info and up) to a string, and puts the old
// one back when it goes.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace ipmi::core::testing {

class CapturedLog
{
  public:
    CapturedLog() : previous_(spdlog::default_logger())
    {
        auto logger =
            std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_st>(lines_));
        logger->set_pattern("%l %v");
        logger->set_level(spdlog::level::info);
        spdlog::set_default_logger(logger);
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;

    [[nodiscard]] std::string text() const { return lines_.str(); }

  private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream lines_;
};

} // namespace ipmi::core::testing
