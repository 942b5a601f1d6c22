// Logging: one spdlog logger per subsystem ("daemon", "cuse", "core", "si",
// "ssif", "sim", "watchdog", "fuse") writing to stderr without timestamps
// when the journal captures it (JOURNAL_STREAM set) and with them otherwise;
// the kernel's debug module parameters become per-subsystem levels
// (--debug cuse,si). libfuse's own messages go through the "fuse" logger.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipmi::daemon {

// Creates the loggers (the default logger becomes "daemon"). Returns nullopt
// or what was wrong with the level names.
[[nodiscard]] std::optional<std::string> setupLogging(const std::string& level, const std::vector<std::string>& debug);

// The logger of a subsystem (created on first use if setupLogging has not).
[[nodiscard]] std::shared_ptr<spdlog::logger> subsystemLog(const std::string& name);

} // namespace ipmi::daemon
