// What ipmi-cuse and ipmi-cuse-locate share on their command lines (CLI11):
// the kernel parameters as --MODULE.PARAM[=VALUE] options from the setting
// catalogue, `--opt=` as the empty value, a bare yes/no option meaning yes,
// and sysexits exit codes (64 a malformed command line, 0 --help and
// --version).
#pragma once

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// std::vector<std::string> relocation as inlined from CLI11's parser; the
// pragma must be in force before <string> is first read, so this header
// comes first in a file that includes it.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "daemon/config.hpp"

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace ipmi::daemon {

// Values and spellings of the --SECTION.KEY options a command line offers,
// by "section.key".
struct ModuleOptions
{
    std::map<std::string, std::string> values;
    std::map<std::string, std::string> flagOf; // the option as typed, for messages
};

// Adds --SECTION.KEY for each catalogue entry of `section`, in the help
// group "Module SECTION"; a boolean one given bare means yes.
void addModuleOptions(CLI::App& app, std::string_view section, ModuleOptions& options);

// Adds one value-taking option that never takes the next option as its
// value: a bare boolean means yes, any other bare option the empty value.
CLI::Option* addValueOption(CLI::App& app, const std::string& flag, std::string& value, const std::string& help,
                            bool boolean);

// The Settings of the options that were given (origin "option --FLAG").
[[nodiscard]] std::vector<Setting> givenSettings(const CLI::App& app, const ModuleOptions& options);

// True if the catalogue marks the setting as yes/no.
[[nodiscard]] bool isBooleanSetting(std::string_view section, std::string_view key);

// Parses argv with CLI11. False when the program should exit with `exitCode`
// after printing `out` (--help, --version) and `err` (what was wrong).
struct CommandLineExit
{
    int exitCode = 0;
    std::string out;
    std::string err;
};
[[nodiscard]] std::optional<CommandLineExit> parseArguments(CLI::App& app, int argc, const char* const* argv);

} // namespace ipmi::daemon
