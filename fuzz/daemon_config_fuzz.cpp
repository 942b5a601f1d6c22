// Target (5): the daemon's configuration file and command line, through the
// entry points ipmi-cuse itself uses (main.cpp, daemon.cpp): the input split
// on NUL is the TOML file's text, then argv[1..]. parseCommandLine() turns
// argv into options; the file (always this input's, whatever -c names, so
// the target reads no file of the machine's) is read by loadConfig() as the
// daemon reads it, then the settings of both are applied; then the checks
// the daemon makes before it starts anything: the log level (setupLogging),
// a control verb (parseControlCommand), a shutdown-hook verb.
//
// Checked: no exception escapes (each entry point answers a refusal as a
// value: a message and an exit code); a refusal is never silent (non-empty
// text, one of the documented exit codes 0, 64 and 78).
#include "daemon/control_commands.hpp"
#include "daemon/logging.hpp"
#include "daemon/options.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/fuzz_input.hpp"
#include "watchdog_dev/watchdog_timer.hpp"

#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include <exception>
#include <string>
#include <vector>

namespace ipmi::fuzz {
namespace {

constexpr std::size_t kMaxArgs = 64;

// The configuration file: one memfd, rewritten for every input, read
// through its /proc/self/fd path exactly as a file named with -c.
class ConfigFile
{
  public:
    ConfigFile() : fd_(::memfd_create("ipmi-cuse-fuzz.toml", MFD_CLOEXEC))
    {
        if (fd_ < 0) {
            fail("memfd_create failed");
        }
    }
    ~ConfigFile() { ::close(fd_); }
    ConfigFile(const ConfigFile&) = delete;
    ConfigFile& operator=(const ConfigFile&) = delete;

    std::filesystem::path holding(std::string_view text)
    {
        if (::ftruncate(fd_, 0) != 0 ||
            ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
            fail("cannot write the configuration memfd");
        }
        return "/proc/self/fd/" + std::to_string(fd_);
    }

  private:
    int fd_;
};

void run(std::span<const std::uint8_t> input)
{
    static ConfigFile file;
    std::vector<std::string> pieces(1);
    for (const std::uint8_t byte : input) {
        if (byte == 0) {
            if (pieces.size() == kMaxArgs + 1) {
                break;
            }
            pieces.emplace_back();
        } else {
            pieces.back().push_back(static_cast<char>(byte));
        }
    }
    const std::string toml = pieces.front();
    std::vector<const char*> argv{"ipmi-cuse"};
    for (std::size_t i = 1; i < pieces.size(); ++i) {
        argv.push_back(pieces[i].c_str());
    }
    argv.push_back(nullptr);

    const auto parsed = daemon::parseCommandLine(static_cast<int>(argv.size() - 1), argv.data());
    if (!parsed.options) {
        if (parsed.exitCode == 0 ? parsed.out.empty() : (parsed.exitCode != EX_USAGE || parsed.err.empty())) {
            fail("command line: a refusal without a message or with an undocumented exit code " +
                 std::to_string(parsed.exitCode));
        }
        return;
    }
    daemon::Options options = *parsed.options;
    switch (options.command) {
    case daemon::Options::Command::Control: {
        const auto command = daemon::parseControlCommand(options.controlLine);
        if (const auto* error = std::get_if<std::string>(&command); error != nullptr && error->empty()) {
            fail("control verb refused without a message");
        }
        return;
    }
    case daemon::Options::Command::Status:
        return;
    case daemon::Options::Command::ShutdownHook:
        (void)watchdog::parseShutdownVerb(options.shutdownVerb);
        break;
    case daemon::Options::Command::Run:
        break;
    }
    if (options.configFile || !toml.empty()) {
        options.configFile = file.holding(toml);
    }
    daemon::Config config;
    if (auto error = daemon::loadConfig(options, config)) {
        if (error->empty()) {
            fail("configuration refused without a message");
        }
        return;
    }
    if (auto error = daemon::setupLogging(config.daemon.logLevel, config.daemon.debug); error && error->empty()) {
        fail("log level refused without a message");
    }
    spdlog::set_level(spdlog::level::off);
}

} // namespace
} // namespace ipmi::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ipmi::fuzz::silenceLogs();
    try {
        ipmi::fuzz::run(std::span(data, size));
    } catch (const std::exception& e) {
        ipmi::fuzz::fail(std::string("an exception escaped: ") + e.what());
    }
    return 0;
}
