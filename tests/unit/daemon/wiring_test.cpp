// What the daemon wires in from the other rooms: the watchdog device's name
// (option and file), the control verbs' grammar and replies, the
// shutdown-hook subcommand (parsing, --sim, a bad verb) and the Set Watchdog
// Timer it derives from the BMC's Get Watchdog Timer answer.

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// vector relocation at -O2; the pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"

// GCC 12 with -fsanitize=address reports a -Wmaybe-uninitialized false
// positive in std::variant's move constructor as inlined into
// parseControlCommand's result; the pragma must precede <variant>.
#if !defined(__clang__) // clang has no such warning (nor the false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "daemon/asio.hpp"

#include "daemon/config.hpp"
#include "daemon/control_commands.hpp"
#include "daemon/control_socket.hpp"
#include "daemon/options.hpp"
#include "daemon/shutdown_hook.hpp"

#include <gtest/gtest.h>
#include <sysexits.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

namespace ipmi::daemon {
namespace {

ParsedCommandLine parse(std::vector<const char*> args)
{
    args.insert(args.begin(), "ipmi-cuse");
    return parseCommandLine(static_cast<int>(args.size()), args.data());
}

Config configFrom(std::vector<const char*> args, std::optional<std::string>& error)
{
    Config c;
    const auto r = parse(std::move(args));
    if (!r.options) {
        error = r.err;
        return c;
    }
    error = loadConfig(*r.options, c);
    return c;
}

TEST(WatchdogName, DefaultOptionNoneAndTheFile)
{
    std::optional<std::string> error;
    EXPECT_EQ(configFrom({}, error).device.watchdogName, "watchdog");
    EXPECT_EQ(error, std::nullopt);
    EXPECT_EQ(configFrom({"--watchdog-name", "watchdog0"}, error).device.watchdogName, "watchdog0");
    EXPECT_EQ(error, std::nullopt);
    EXPECT_EQ(configFrom({"--watchdog-name", "none"}, error).device.watchdogName, "");
    EXPECT_EQ(error, std::nullopt);
    EXPECT_EQ(configFrom({"--watchdog-name", ""}, error).device.watchdogName, "");
    EXPECT_EQ(error, std::nullopt);

    std::vector<Setting> settings;
    ASSERT_EQ(parseConfigText("[device]\nwatchdog_name = \"watchdog0\"\n", "w.toml", settings), std::nullopt);
    Config c;
    ASSERT_EQ(applySettings(c, settings), std::nullopt);
    EXPECT_EQ(c.device.watchdogName, "watchdog0");
}

TEST(WatchdogName, AnUnusableNameIsRefusedByName)
{
    std::optional<std::string> error;
    (void)configFrom({"--watchdog-name", "../watchdog"}, error);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->rfind("option --watchdog-name: [device] watchdog_name: '../watchdog' is not a usable device "
                           "name",
                           0),
              0U)
        << *error;
}

TEST(CuseTuning, InPlaceMemoryAndPollHold)
{
    std::optional<std::string> error;
    const Config defaults = configFrom({}, error);
    EXPECT_TRUE(defaults.device.inPlaceMemory);
    EXPECT_EQ(defaults.device.pollHold, std::chrono::microseconds(10000));

    const Config tuned = configFrom({"--in-place-memory", "N", "--poll-hold-us", "0"}, error);
    EXPECT_EQ(error, std::nullopt);
    EXPECT_FALSE(tuned.device.inPlaceMemory);
    EXPECT_EQ(tuned.device.pollHold, std::chrono::microseconds(0));

    (void)configFrom({"--poll-hold-us", "100001"}, error);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("[device] poll_hold_us: '100001' is not a number in 0..100000"), std::string::npos) << *error;
    (void)configFrom({"--in-place-memory", "maybe"}, error);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("[device] in_place_memory: 'maybe' is not a boolean"), std::string::npos) << *error;
}

// The message a parser's result carries, or nullopt when it carries a value.
template <typename Value>
std::optional<std::string> problemIn(const std::variant<Value, std::string>& result)
{
    if (const auto* problem = std::get_if<std::string>(&result)) {
        return *problem;
    }
    return std::nullopt;
}

// The command `line` parses to (a failure, and StatusCommand, if it does not).
ControlCommand commandFrom(std::string_view line)
{
    auto parsed = parseControlCommand(line);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << line << ": " << *error;
        return StatusCommand{};
    }
    return std::get<ControlCommand>(std::move(parsed));
}

TEST(ControlCommands, VerbsAndArguments)
{
    EXPECT_TRUE(std::holds_alternative<StatusCommand>(commandFrom("status")));
    EXPECT_TRUE(std::holds_alternative<VersionCommand>(commandFrom(" version ")));

    EXPECT_EQ(std::get<PowerCycleCommand>(commandFrom("poweroff-powercycle")).value, std::nullopt);
    EXPECT_EQ(std::get<PowerCycleCommand>(commandFrom("poweroff-powercycle 1")).value, 1);

    EXPECT_EQ(std::get<PanicEventCommand>(commandFrom("panic-event Kernel panic - not  syncing")).message,
              "Kernel panic - not  syncing");

    const auto acpi = commandFrom("acpi-ipmi 0x0601 00:00");
    EXPECT_EQ(std::get<AcpiIpmiCommand>(acpi).address, 0x0601U);
    EXPECT_EQ(std::get<AcpiIpmiCommand>(acpi).buffer, core::services::AcpiIpmiBuffer{});
}

TEST(ControlCommands, RefusalsSayWhatWasWrong)
{
    EXPECT_EQ(problemIn(parseControlCommand("status now")),
              "status: unknown format 'now' (known: text, json, openmetrics)");
    EXPECT_EQ(problemIn(parseControlCommand("version now")), "version takes no arguments");
    EXPECT_EQ(problemIn(parseControlCommand("poweroff-powercycle yes")),
              "poweroff-powercycle: 'yes' is not an integer");
    EXPECT_EQ(problemIn(parseControlCommand("panic-event   ")), "panic-event needs a MESSAGE");
    EXPECT_EQ(problemIn(parseControlCommand("acpi-ipmi 0x0601")), "acpi-ipmi needs ADDRESS_HEX BUFFER_HEX");
    const auto badBuffer = problemIn(parseControlCommand("acpi-ipmi 0x0601 0g"));
    ASSERT_TRUE(badBuffer.has_value());
    EXPECT_EQ(badBuffer->rfind("acpi-ipmi: buffer: ", 0), 0U) << *badBuffer;
    EXPECT_EQ(problemIn(parseControlCommand("reboot")),
              std::string("unknown command 'reboot' (known: ") + kControlVerbs + ")");
}

TEST(ControlCommands, Replies)
{
    EXPECT_EQ(formatPowerCycleReply(1), "poweroff_powercycle 1\n");
    core::services::PanicReport report;
    report.message = "x";
    EXPECT_EQ(formatPanicReport(report, core::services::PanicOp::None),
              "panic_op none\nnothing sent (panic_op is none)\n");
    EXPECT_EQ(formatPanicReport(report, core::services::PanicOp::Event),
              "panic_op event\nnothing sent: no usable interface\n");
    core::services::PanicInterfaceReport one;
    one.ifnum = 0;
    one.eventCc = 0x00;
    one.stringRecords = 2;
    core::services::PanicInterfaceReport two;
    two.ifnum = 1;
    two.eventError = -19;
    report.interfaces = {one, two};
    EXPECT_EQ(formatPanicReport(report, core::services::PanicOp::String),
              "panic_op string\ninterface 0 event cc 0x00 string records 2\n"
              "interface 1 event error -19 string records 0\n");
}

TEST(ControlCommands, ClientSubcommandJoinsTheWords)
{
    const auto r = parse({"control", "--control-socket", "/tmp/ctl", "panic-event", "Oops", "now"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    EXPECT_EQ(r.options->command, Options::Command::Control);
    EXPECT_EQ(r.options->statusSocket, "/tmp/ctl");
    EXPECT_EQ(r.options->controlLine, "panic-event Oops now");
}

// A verb answered later on the loop (panic-event, acpi-ipmi) reaches the client.
TEST(ControlSocket, ARepliesLaterOnTheLoopReachesTheClient)
{
    const auto path = std::filesystem::temp_directory_path() / ("ipmi-cuse-ctl-" + std::to_string(::getpid()));
    boost::asio::io_context io;
    std::string seen;
    ControlServer server(io, [&](const std::string& command, ControlServer::Reply reply) {
        seen = command;
        boost::asio::post(io, [reply = std::move(reply)] { reply("later\n"); });
    });
    ASSERT_EQ(server.start(path), std::nullopt);
    std::string reply;
    std::optional<std::string> error;
    std::thread client([&] {
        error = queryControlSocket(path, "panic-event hello", reply);
        boost::asio::post(io, [&] { server.stop(); });
    });
    io.run();
    client.join();
    EXPECT_EQ(error, std::nullopt);
    EXPECT_EQ(seen, "panic-event hello");
    EXPECT_EQ(reply, "later\n");
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ShutdownHook, ParsesItsVerbWithTheRunOptions)
{
    const auto r = parse({"--ipmi_watchdog.ifnum_to_use=1", "shutdown-hook", "reboot"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    EXPECT_EQ(r.options->command, Options::Command::ShutdownHook);
    EXPECT_EQ(r.options->shutdownVerb, "reboot");
    Config c;
    ASSERT_EQ(loadConfig(*r.options, c), std::nullopt);
    EXPECT_EQ(c.watchdog.ifnumToUse, 1);

    const auto missing = parse({"shutdown-hook"});
    EXPECT_FALSE(missing.options.has_value());
    EXPECT_NE(missing.exitCode, 0);
}

TEST(ShutdownHook, WithSimItDoesNothingAndSaysSo)
{
    const auto r = parse({"--sim", "shutdown-hook", "poweroff"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    const auto result = runShutdownHook(*r.options);
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_EQ(result.line.rfind("poweroff: nothing done (--sim", 0), 0U) << result.line;
}

TEST(ShutdownHook, ABadVerbIsNamed)
{
    const auto r = parse({"--sim", "shutdown-hook", "explode"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    const auto result = runShutdownHook(*r.options);
    EXPECT_EQ(result.exitCode, EX_USAGE);
    EXPECT_EQ(result.line, "unknown verb 'explode' (known: halt, poweroff, reboot, kexec)");
}

TEST(ShutdownHook, PowerCycleFileSitsBesideTheControlSocket)
{
    Config c;
    EXPECT_EQ(powerCycleFile(c), "/run/ipmi-cuse/poweroff_powercycle");
    c.daemon.controlSocket = "/tmp/x/control";
    EXPECT_EQ(powerCycleFile(c), "/tmp/x/poweroff_powercycle");
    c.daemon.controlSocket.clear();
    EXPECT_EQ(powerCycleFile(c), "/run/ipmi-cuse/poweroff_powercycle");
}

// Get Watchdog Timer answers: [cc, use, actions, pretimeout, flags, initial lsb, msb, present lsb, msb].
constexpr std::array<std::uint8_t, 9> kRunningSmsOs30s{0x00, 0x44, 0x01, 0x00, 0x00, 0x2C, 0x01, 0x10, 0x01};

TEST(ShutdownTimer, PowerOffAndHaltStopWhateverRuns)
{
    watchdog::Parameters params;
    params.timeout = 30;
    params.pretimeout = 5;
    params.preaction = watchdog::PreAction::Smi;
    for (const auto verb : {watchdog::ShutdownVerb::PowerOff, watchdog::ShutdownVerb::Halt}) {
        const auto answer = shutdownTimerSettings(verb, params, {}, true);
        ASSERT_EQ(problemIn(answer), std::nullopt);
        const auto& s = std::get<std::optional<watchdog::TimerSettings>>(answer);
        ASSERT_TRUE(s.has_value());
        EXPECT_EQ(s->state, watchdog::Action::None);
        EXPECT_EQ(s->timeout, 30);
        EXPECT_EQ(s->pretimeout, 5);
    }
}

TEST(ShutdownTimer, RebootLeavesARunningTimerAtLeast120sReset)
{
    watchdog::Parameters params;
    params.pretimeout = 10;
    auto answer = shutdownTimerSettings(watchdog::ShutdownVerb::Reboot, params, kRunningSmsOs30s, true);
    ASSERT_EQ(problemIn(answer), std::nullopt);
    auto s = std::get<std::optional<watchdog::TimerSettings>>(answer);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, watchdog::Action::Reset);
    EXPECT_EQ(s->timeout, 120);
    EXPECT_EQ(s->pretimeout, 0);
    // Start, "don't stop", SMS/OS; reset, no pre-action; 1200 x 100 ms.
    EXPECT_EQ(watchdog::buildSetWatchdogTimer(*s), (std::array<std::uint8_t, 6>{0x44, 0x01, 0x00, 0x00, 0xB0, 0x04}));

    auto longer = kRunningSmsOs30s;
    longer[5] = 0xD1; // 2001 x 100 ms: 200.1 s rounds up
    longer[6] = 0x07;
    answer = shutdownTimerSettings(watchdog::ShutdownVerb::Kexec, params, longer, true);
    ASSERT_EQ(problemIn(answer), std::nullopt);
    s = std::get<std::optional<watchdog::TimerSettings>>(answer);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->timeout, 201);
}

TEST(ShutdownTimer, RebootLeavesStoppedOrForeignTimersAlone)
{
    const watchdog::Parameters params;
    auto stopped = kRunningSmsOs30s;
    stopped[1] = 0x04;
    auto answer = shutdownTimerSettings(watchdog::ShutdownVerb::Reboot, params, stopped, true);
    ASSERT_EQ(problemIn(answer), std::nullopt);
    EXPECT_FALSE(std::get<std::optional<watchdog::TimerSettings>>(answer));
    auto bios = kRunningSmsOs30s;
    bios[1] = 0x41; // BIOS FRB2, running: not the OS's timer
    answer = shutdownTimerSettings(watchdog::ShutdownVerb::Reboot, params, bios, true);
    ASSERT_EQ(problemIn(answer), std::nullopt);
    EXPECT_FALSE(std::get<std::optional<watchdog::TimerSettings>>(answer));
}

TEST(ShutdownTimer, UnusableAnswersAreProblems)
{
    const watchdog::Parameters params;
    const std::array<std::uint8_t, 1> refused{0xC1};
    EXPECT_EQ(problemIn(shutdownTimerSettings(watchdog::ShutdownVerb::Reboot, params, refused, true)),
              "Get Watchdog Timer failed (completion code 0xc1)");
    const std::array<std::uint8_t, 3> shortAnswer{0x00, 0x44, 0x01};
    EXPECT_EQ(problemIn(shutdownTimerSettings(watchdog::ShutdownVerb::Reboot, params, shortAnswer, true)),
              "Get Watchdog Timer answered 3 bytes, expected 9");
}

} // namespace
} // namespace ipmi::daemon
