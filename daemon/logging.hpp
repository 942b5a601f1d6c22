// Logging: one spdlog logger per subsystem ("daemon", "cuse", "core", "si",
// "ssif", "sim", "watchdog", "fuse") writing to stderr. When stderr is the
// journal's stream (JOURNAL_STREAM names its device and inode) each line
// starts with its syslog priority (<3> error, <4> warning, <6> info, <7>
// debug, as sd-daemon.h spells them) and has no timestamp, so
// `journalctl -p err` sees the errors; on a terminal or in a file it is
// plain text with a timestamp and the level's name;
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

// Whether stderr is the journal's stream: JOURNAL_STREAM ("DEV:INODE", set
// by systemd for a unit whose output goes to the journal) matches fstat(2)
// of stderr. A child whose stderr was redirected inherits the variable but
// not the stream, hence the comparison.
[[nodiscard]] bool stderrIsJournal();

// The logger of a subsystem (created on first use if setupLogging has not).
[[nodiscard]] std::shared_ptr<spdlog::logger> subsystemLog(const std::string& name);

} // namespace ipmi::daemon
