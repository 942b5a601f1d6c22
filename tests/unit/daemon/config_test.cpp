// The configuration file and the command line: kernel parameter names and
// syntax reach the right structs; the command line wins; every refusal names
// the file, line and column (or the option) and the parameter.

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// vector relocation at -O2; the pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "daemon/config.hpp"
#include "daemon/options.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace ipmi::daemon {
namespace {

std::optional<std::string> apply(Config& config, std::string_view text)
{
    std::vector<Setting> settings;
    if (auto error = parseConfigText(text, "test.toml", settings)) {
        return error;
    }
    return applySettings(config, settings);
}

ParsedCommandLine parse(std::vector<const char*> args)
{
    args.insert(args.begin(), "ipmi-cuse");
    return parseCommandLine(static_cast<int>(args.size()), args.data());
}

TEST(ConfigFile, KernelParametersReachTheirStructs)
{
    Config c;
    const auto error = apply(c, R"(
[ipmi_si]
type = "kcs,bt"
ports = [0xca2, 0xe4]
regspacings = "1,4"
trydmi = false

[ipmi_ssif]
addr = [0x10]
adapter = "i2c-0"
dbg_probe = true

[ipmi_watchdog]
timeout = 30
action = "power_cycle"
pretimeout = 5

[ipmi_msghandler]
max_users = 12
default_retry_ms = 1000
panic_op = "event"

[ipmi_poweroff]
poweroff_powercycle = 1

[device]
names = ["ipmi-cuse0"]
mode = 0o660
owner = "root"
group = 0
create_node = "/srv/container/dev"

[daemon]
sim = true
sim_interface = "bt"
debug = ["cuse", "si"]
control_socket = ""
)");
    ASSERT_EQ(error, std::nullopt);
    EXPECT_EQ(c.si.types, (std::vector<std::string>{"kcs", "bt"}));
    EXPECT_EQ(c.si.ports, (std::vector<std::uint64_t>{0xca2, 0xe4}));
    EXPECT_EQ(c.si.regSpacings, (std::vector<long>{1, 4}));
    EXPECT_FALSE(c.si.tryDmi);
    EXPECT_EQ(c.ssif.addrs, (std::vector<std::uint8_t>{0x10}));
    EXPECT_EQ(c.ssif.adapters, (std::vector<std::string>{"i2c-0"}));
    EXPECT_TRUE(c.ssif.dbgProbe);
    EXPECT_EQ(c.watchdog.timeout, 30);
    EXPECT_EQ(c.watchdog.pretimeout, 5);
    EXPECT_EQ(c.watchdog.action, watchdog::Action::PowerCycle);
    EXPECT_EQ(c.msghandler.params.maxUsers, 12);
    EXPECT_EQ(c.msghandler.params.defaultRetryMs, 1000U);
    EXPECT_EQ(c.msghandler.params.maxMsgsPerUser, 100); // the kernel's default stays
    EXPECT_EQ(c.msghandler.panicOp, PanicOp::Event);
    EXPECT_TRUE(c.poweroff.powercycle);
    EXPECT_EQ(c.device.nameFor(0), "ipmi-cuse0");
    EXPECT_EQ(c.device.nameFor(1), "ipmi1");
    EXPECT_EQ(c.device.mode, 0660U);
    EXPECT_EQ(c.device.uid, 0U);
    ASSERT_TRUE(c.device.createNodeIn.has_value());
    EXPECT_EQ(*c.device.createNodeIn, "/srv/container/dev");
    EXPECT_TRUE(c.daemon.sim);
    EXPECT_EQ(c.daemon.simInterface, SimInterface::Bt);
    EXPECT_EQ(c.daemon.debug, (std::vector<std::string>{"cuse", "si"}));
    EXPECT_TRUE(c.daemon.controlSocket.empty());
}

TEST(ConfigFile, DefaultsAreTheKernels)
{
    Config c;
    ASSERT_EQ(apply(c, ""), std::nullopt);
    EXPECT_EQ(c.msghandler.params.maxUsers, 30);
    EXPECT_EQ(c.msghandler.params.maxMsgsPerUser, 100);
    EXPECT_EQ(c.msghandler.params.defaultMaxRetries, 4);
    EXPECT_EQ(c.msghandler.params.defaultRetryMs, 2000U);
    EXPECT_EQ(c.watchdog.timeout, 10);
    EXPECT_EQ(c.device.mode, 0600U);
    EXPECT_EQ(c.device.nameFor(0), "ipmi0");
    EXPECT_EQ(c.device.cuseDevice, "/dev/cuse");
    EXPECT_FALSE(c.daemon.sim);
    EXPECT_EQ(c.daemon.controlSocket, "/run/ipmi-cuse/control");
}

TEST(ConfigFile, RefusalsNameFileLineAndParameter)
{
    struct Case
    {
        const char* text;
        const char* expected; // a prefix of the message
    };
    const Case cases[] = {
        {"[ipmi_si]\nports = 0xca2\n[ipmi_bogus]\nx = 1\n", "test.toml:3:2: unknown section 'ipmi_bogus'"},
        {"[ipmi_si]\n\nportz = 1\n", "test.toml:3:1: unknown parameter 'portz' in [ipmi_si]"},
        {"[ipmi_watchdog]\ntimeout = 30\naction = \"explode\"\n", "test.toml:3:10: [ipmi_watchdog] action: "},
        {"[ipmi_si]\nports = \"0xzz\"\n", "test.toml:2:9: [ipmi_si] ports: "},
        {"[ipmi_msghandler]\nmax_users = 0\n", "test.toml:2:13: [ipmi_msghandler] max_users: '0' is not a number"},
        {"[ipmi_msghandler]\npanic_op = \"loud\"\n", "test.toml:2:12: [ipmi_msghandler] panic_op: 'loud'"},
        {"[device]\nmode = \"rw\"\n", "test.toml:2:8: [device] mode: 'rw' is not an octal mode"},
        {"[device]\nowner = \"no-such-user-here\"\n", "test.toml:2:9: [device] owner: no user named"},
        {"[daemon]\ndebug = \"cuse,kcs\"\n", "test.toml:2:9: [daemon] debug: unknown subsystem 'kcs'"},
        {"[daemon]\nsim_interface = \"ipmb\"\n", "test.toml:2:17: [daemon] sim_interface: 'ipmb' is not one of"},
        {"[ipmi_ssif]\naddr = 1.5\n", "test.toml:2:8: [ipmi_ssif] addr: use a string, an integer"},
        {"[ipmi_ssif]\naddr = [0x80]\n", "test.toml:2:8: [ipmi_ssif] addr: '128' is not a number in 1..127"},
        {"[ipmi_si]\nports = [\n", "test.toml:2:11: Error while parsing array"},
        {"ports = 1\n", "test.toml:1:1: unknown section 'ports'"},
    };
    for (const auto& c : cases) {
        Config config;
        const auto error = apply(config, c.text);
        ASSERT_TRUE(error.has_value()) << "accepted: " << c.text;
        EXPECT_EQ(error->rfind(c.expected, 0), 0U) << "got: " << *error << "\nwanted: " << c.expected;
    }
}

TEST(ConfigFile, AMissingFileIsNamed)
{
    std::vector<Setting> settings;
    EXPECT_EQ(readConfigFile("/nonexistent/ipmi-cuse.toml", settings),
              "/nonexistent/ipmi-cuse.toml: cannot read the configuration file: No such file or directory");
}

TEST(ConfigFile, OnlyARegularFileOfSaneSizeIsRead)
{
    ipmi::testing::TempDir dir;
    std::vector<Setting> settings;
    // A FIFO without a writer would block an ordinary open(); /dev/zero never ends.
    const auto fifo = dir.path() / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(readConfigFile(fifo, settings), fifo.string() + ": the configuration file is not a regular file");
    EXPECT_EQ(readConfigFile("/dev/zero", settings), "/dev/zero: the configuration file is not a regular file");
    EXPECT_EQ(readConfigFile(dir.path(), settings),
              dir.path().string() + ": the configuration file is not a regular file");

    const auto big = dir.path() / "big.toml";
    dir.write("big.toml", "");
    std::filesystem::resize_file(big, kMaxConfigFileBytes + 1);
    EXPECT_EQ(readConfigFile(big, settings), big.string() + ": the configuration file is larger than 1048576 bytes");

    // Exactly the limit is read: comment lines, then one setting.
    const std::string setting = "[ipmi_watchdog]\ntimeout = 42\n";
    const std::string comment = "#" + std::string(62, 'x') + "\n";
    std::string text;
    while (text.size() + comment.size() + setting.size() <= static_cast<std::size_t>(kMaxConfigFileBytes)) {
        text += comment;
    }
    text += std::string(static_cast<std::size_t>(kMaxConfigFileBytes) - text.size() - setting.size(), '\n');
    text += setting;
    ASSERT_EQ(text.size(), static_cast<std::size_t>(kMaxConfigFileBytes));
    dir.write("limit.toml", text);
    EXPECT_EQ(readConfigFile(dir.path() / "limit.toml", settings), std::nullopt);
    ASSERT_EQ(settings.size(), 1U);
    EXPECT_EQ(settings[0].key, "timeout");
    EXPECT_EQ(settings[0].value, "42");
}

TEST(ConfigFile, AModeIsAnOctalStringNotADecimalInteger)
{
    struct Case
    {
        const char* text;
        const char* expected;
    };
    const Case refused[] = {
        {"[device]\nmode = 660\n", "test.toml:2:8: [device] mode: 660 is a decimal integer, not a mode: write the "
                                   "mode as an octal string, mode = \"0660\""},
        {"[device]\nwatchdog_mode = 600\n", "test.toml:2:17: [device] watchdog_mode: 600 is a decimal integer, not "
                                            "a mode: write the mode as an octal string, watchdog_mode = \"0600\""},
        {"[node.m]\nmode = 640\n", "test.toml:2:8: [node.m] mode: 640 is a decimal integer, not a mode: write the "
                                   "mode as an octal string, mode = \"0640\""},
    };
    for (const auto& c : refused) {
        Config config;
        EXPECT_EQ(apply(config, c.text), std::optional<std::string>(c.expected)) << c.text;
    }
    Config c;
    ASSERT_EQ(apply(c, "[device]\nmode = \"0660\"\nwatchdog_mode = 0o640\n[node.m]\nmode = \"640\"\n"), std::nullopt);
    EXPECT_EQ(c.device.mode, 0660U);
    EXPECT_EQ(c.device.watchdogMode, 0640U);
    ASSERT_EQ(c.device.nodes.size(), 1U);
    EXPECT_EQ(c.device.nodes[0].mode, 0640U);
}

TEST(ConfigFile, ADeviceModeTakesPermissionBitsOnly)
{
    Config c;
    EXPECT_EQ(apply(c, "[device]\nmode = \"07777\"\n"),
              "test.toml:2:8: [device] mode: '07777' sets setuid, setgid or sticky bits (7000): a device node's mode "
              "takes permission bits only, 0..0777");
    EXPECT_EQ(apply(c, "[device]\nwatchdog_mode = \"04600\"\n"),
              "test.toml:2:17: [device] watchdog_mode: '04600' sets setuid, setgid or sticky bits (4000): a device "
              "node's mode takes permission bits only, 0..0777");
    EXPECT_EQ(apply(c, "[node.m]\nmode = 0o1660\n"),
              "test.toml:2:8: [node.m] mode: '01660' sets setuid, setgid or sticky bits (1000): a device node's mode "
              "takes permission bits only, 0..0777");
    EXPECT_EQ(c.device.mode, 0600U);
    EXPECT_EQ(c.device.watchdogMode, 0600U);

    for (const char* option : {"--device-mode=07777", "--watchdog-mode=02660", "--node=m.mode=04600"}) {
        const auto r = parse({option});
        ASSERT_TRUE(r.options.has_value()) << r.err;
        Config d;
        const auto error = applySettings(d, r.options->settings);
        ASSERT_TRUE(error.has_value()) << option;
        EXPECT_NE(error->find("sets setuid, setgid or sticky bits"), std::string::npos) << *error;
        EXPECT_EQ(error->rfind("option --", 0), 0U) << *error;
    }
    const auto r = parse({"--device-mode=0777", "--watchdog-mode", "0"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    Config d;
    ASSERT_EQ(applySettings(d, r.options->settings), std::nullopt);
    EXPECT_EQ(d.device.mode, 0777U);
    EXPECT_EQ(d.device.watchdogMode, 0U);
}

TEST(CommandLine, ModuleParametersAndOwnOptionsBecomeSettings)
{
    const auto r = parse({"--sim", "--ipmi_si.ports=0xca2", "--ipmi_watchdog.timeout", "20", "--device-name",
                          "ipmi7,ipmi8", "--create-node", "/tmp/dev", "--debug", "cuse"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    Config c;
    ASSERT_EQ(applySettings(c, r.options->settings), std::nullopt);
    EXPECT_TRUE(c.daemon.sim);
    EXPECT_EQ(c.si.ports, (std::vector<std::uint64_t>{0xca2}));
    EXPECT_EQ(c.watchdog.timeout, 20);
    EXPECT_EQ(c.device.nameFor(1), "ipmi8");
    EXPECT_EQ(*c.device.createNodeIn, "/tmp/dev");
    EXPECT_EQ(c.daemon.debug, (std::vector<std::string>{"cuse"}));
}

TEST(CommandLine, TheCommandLineWinsOverTheFile)
{
    std::vector<Setting> settings;
    ASSERT_EQ(parseConfigText("[ipmi_watchdog]\ntimeout = 30\n", "f.toml", settings), std::nullopt);
    const auto r = parse({"--ipmi_watchdog.timeout=45"});
    ASSERT_TRUE(r.options.has_value());
    settings.insert(settings.end(), r.options->settings.begin(), r.options->settings.end());
    Config c;
    ASSERT_EQ(applySettings(c, settings), std::nullopt);
    EXPECT_EQ(c.watchdog.timeout, 45);
}

TEST(CommandLine, BadValuesNameTheOption)
{
    const auto r = parse({"--ipmi_watchdog.action=explode"});
    ASSERT_TRUE(r.options.has_value());
    Config c;
    const auto error = applySettings(c, r.options->settings);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->rfind("option --ipmi_watchdog.action: [ipmi_watchdog] action: ", 0), 0U) << *error;
}

TEST(ConfigFile, FixedNumbersAndTheCdiSpec)
{
    Config c;
    EXPECT_EQ(c.device.major, 0U); // dynamic, as the kernel's
    EXPECT_EQ(c.device.watchdogMinor, 130U);
    EXPECT_TRUE(c.device.cdi);
    EXPECT_EQ(c.device.cdiDir, "/var/run/cdi");
    EXPECT_EQ(c.device.cdiKind, "ipmi-cuse.org/ipmi");
    ASSERT_EQ(apply(c, "[device]\nmajor = 120\nwatchdog_minor = 200\ncdi = false\ncdi_dir = \"/etc/cdi\"\n"
                       "cdi_kind = \"example.com/bmc\"\n"),
              std::nullopt);
    EXPECT_EQ(c.device.major, 120U);
    EXPECT_EQ(c.device.watchdogMinor, 200U);
    EXPECT_FALSE(c.device.cdi);
    EXPECT_EQ(c.device.cdiDir, "/etc/cdi");
    EXPECT_EQ(c.device.cdiKind, "example.com/bmc");
    ASSERT_EQ(apply(c, "[device]\nmajor = 511\nwatchdog_minor = 1048575\n"), std::nullopt);
    EXPECT_EQ(c.device.major, 511U);
    EXPECT_EQ(c.device.watchdogMinor, 1048575U);
    ASSERT_EQ(apply(c, "[device]\nmajor = 0\n"), std::nullopt);
    EXPECT_EQ(c.device.major, 0U);
}

TEST(ConfigFile, NumberAndCdiRefusalsNameTheKey)
{
    struct Case
    {
        const char* text;
        const char* expected;
    };
    const Case cases[] = {
        {"[device]\nmajor = 512\n", "test.toml:2:9: [device] major: '512' is not a major in 1..511 (0: dynamic; the "
                                    "kernel refuses 512 and above)"},
        {"[device]\nmajor = 4095\n", "test.toml:2:9: [device] major: '4095' is not a major in 1..511"},
        {"[device]\nmajor = -1\n", "test.toml:2:9: [device] major: '-1' is not a major in 1..511"},
        {"[device]\nmajor = \"x\"\n", "test.toml:2:9: [device] major: 'x' is not a major in 1..511"},
        {"[device]\nwatchdog_minor = 1048576\n",
         "test.toml:2:18: [device] watchdog_minor: '1048576' is not a number in 0..1048575"},
        {"[device]\ncdi = \"maybe\"\n", "test.toml:2:7: [device] cdi: 'maybe' is not a boolean"},
        {"[device]\ncdi_dir = \"\"\n",
         "test.toml:2:11: [device] cdi_dir: the CDI directory is empty (turn the spec off with cdi = N)"},
        {"[device]\ncdi_kind = \"ipmi\"\n",
         "test.toml:2:12: [device] cdi_kind: 'ipmi' is not a CDI kind vendor/class such as ipmi-cuse.org/ipmi"},
    };
    for (const auto& c : cases) {
        Config config;
        const auto error = apply(config, c.text);
        ASSERT_TRUE(error.has_value()) << c.text;
        EXPECT_EQ(error->rfind(c.expected, 0), 0U) << "got: " << *error << "\nwanted: " << c.expected;
    }
}

TEST(CommandLine, FixedNumberAndCdiOptions)
{
    const auto r = parse({"--device-major", "121", "--watchdog-minor=5", "--cdi", "N", "--cdi-dir", "/etc/cdi",
                          "--cdi-kind", "example.com/bmc"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    Config c;
    ASSERT_EQ(applySettings(c, r.options->settings), std::nullopt);
    EXPECT_EQ(c.device.major, 121U);
    EXPECT_EQ(c.device.watchdogMinor, 5U);
    EXPECT_FALSE(c.device.cdi);
    EXPECT_EQ(c.device.cdiDir, "/etc/cdi");
    EXPECT_EQ(c.device.cdiKind, "example.com/bmc");

    const auto bad = parse({"--device-major=600"});
    ASSERT_TRUE(bad.options.has_value());
    Config d;
    EXPECT_EQ(applySettings(d, bad.options->settings),
              "option --device-major: [device] major: '600' is not a major in 1..511 (0: dynamic; the kernel "
              "refuses 512 and above)");
}

TEST(CommandLine, UnknownOptionsAreRefusedByName)
{
    const auto r = parse({"--ipmi_si.portz=1"});
    EXPECT_FALSE(r.options.has_value());
    EXPECT_EQ(r.exitCode, EX_USAGE);
    EXPECT_NE(r.err.find("--ipmi_si.portz"), std::string::npos) << r.err;
}

TEST(CommandLine, UsageErrorsExitWithExUsageAndHelpWithZero)
{
    for (const auto& args : std::vector<std::vector<const char*>>{
             {"--no-such-option"}, {"--sim", "stray"}, {"--config"}, {"--node", "nodot=1"}, {"control"}}) {
        const auto r = parse(args);
        EXPECT_FALSE(r.options.has_value()) << args[0];
        EXPECT_EQ(r.exitCode, EX_USAGE) << args[0] << ": " << r.err;
        EXPECT_FALSE(r.err.empty()) << args[0];
    }
    for (const char* ok : {"--help", "--version"}) {
        const auto r = parse({ok});
        EXPECT_FALSE(r.options.has_value());
        EXPECT_EQ(r.exitCode, 0) << ok;
        EXPECT_FALSE(r.out.empty()) << ok;
    }
}

// The settings of one parsed command line, applied to a fresh Config.
Config applied(std::vector<const char*> args)
{
    const auto r = parse(std::move(args));
    EXPECT_TRUE(r.options.has_value()) << r.err;
    Config c;
    if (r.options) {
        EXPECT_EQ(applySettings(c, r.options->settings), std::nullopt);
    }
    return c;
}

TEST(CommandLine, AnEmptyValueDoesNotSwallowTheNextOption)
{
    auto c = applied({"--control-socket=", "--sim"});
    EXPECT_TRUE(c.daemon.sim);
    EXPECT_TRUE(c.daemon.controlSocket.empty());
    c = applied({"--watchdog-name=", "--sim"});
    EXPECT_TRUE(c.daemon.sim);
    EXPECT_TRUE(c.device.watchdogName.empty());
    c = applied({"--sim", "--watchdog-name="});
    EXPECT_TRUE(c.daemon.sim);
    EXPECT_TRUE(c.device.watchdogName.empty());
    // Given bare, an option is empty too rather than taking the next one.
    c = applied({"--control-socket", "--sim", "--watchdog-name"});
    EXPECT_TRUE(c.daemon.sim);
    EXPECT_TRUE(c.daemon.controlSocket.empty());
    EXPECT_TRUE(c.device.watchdogName.empty());
    // `--opt=` stays empty even before a word that could be a value.
    const auto stray = parse({"--create-node=", "/tmp"});
    EXPECT_FALSE(stray.options.has_value());
    EXPECT_EQ(stray.exitCode, EX_USAGE);
    // Values still come with '=' or as the next argument, negative numbers too.
    c = applied({"--control-socket", "/run/x", "--watchdog-name=watchdog0", "--ipmi_si.ports", "0xca2",
                 "--ipmi_watchdog.ifnum_to_use", "-1"});
    EXPECT_EQ(c.daemon.controlSocket, "/run/x");
    EXPECT_EQ(c.device.watchdogName, "watchdog0");
    ASSERT_EQ(c.si.ports.size(), 1U);
    EXPECT_EQ(c.si.ports[0], 0xca2U);
    EXPECT_EQ(c.watchdog.ifnumToUse, -1);
    // An empty value before a subcommand leaves the subcommand alone.
    const auto hook = parse({"--sim", "--watchdog-name=", "shutdown-hook", "reboot"});
    ASSERT_TRUE(hook.options.has_value()) << hook.err;
    EXPECT_EQ(hook.options->command, Options::Command::ShutdownHook);
    EXPECT_EQ(hook.options->shutdownVerb, "reboot");
}

TEST(CommandLine, ABareBooleanParameterMeansYes)
{
    const auto& catalogue = settingCatalogue();
    const auto booleans = std::count_if(catalogue.begin(), catalogue.end(), [](const SettingInfo& i) {
        return i.boolean && std::string_view(i.section).starts_with("ipmi_");
    });
    EXPECT_EQ(booleans, 11); // ipmi_si 5, ipmi_ssif 3, ipmi_watchdog 2, ipmi_poweroff 1
    for (const auto& info : catalogue) {
        if (!info.boolean || !std::string_view(info.section).starts_with("ipmi_")) {
            continue;
        }
        const std::string option = std::string("--") + info.section + "." + info.key;
        for (const auto& args : std::vector<std::vector<const char*>>{{option.c_str()}, {option.c_str(), "--sim"}}) {
            const auto r = parse(args);
            ASSERT_TRUE(r.options.has_value()) << option << ": " << r.err;
            const auto& settings = r.options->settings;
            const auto it =
                std::find_if(settings.begin(), settings.end(), [&](const Setting& s) { return s.key == info.key; });
            ASSERT_NE(it, settings.end()) << option;
            EXPECT_EQ(it->value, "1") << option;
            EXPECT_EQ(it->section, info.section);
            EXPECT_EQ(std::count_if(settings.begin(), settings.end(), [](const Setting& s) { return s.key == "sim"; }),
                      args.size() == 2 ? 1 : 0)
                << option;
            Config c;
            EXPECT_EQ(applySettings(c, settings), std::nullopt) << option;
        }
    }
    auto c = applied({"--ipmi_watchdog.nowayout", "--ipmi_ssif.dbg_probe", "--ipmi_poweroff.poweroff_powercycle",
                      "--ipmi_si.trydmi=0", "--ipmi_si.tryacpi", "N"});
    EXPECT_TRUE(c.watchdog.nowayout);
    EXPECT_TRUE(c.ssif.dbgProbe);
    EXPECT_TRUE(c.poweroff.powercycle);
    EXPECT_FALSE(c.si.tryDmi);
    EXPECT_FALSE(c.si.tryAcpi);
    // ipmi-cuse's own yes/no options read the same way.
    const auto own = parse({"--cdi", "--in-place-memory"});
    ASSERT_TRUE(own.options.has_value()) << own.err;
    ASSERT_EQ(own.options->settings.size(), 2U);
    for (const auto& s : own.options->settings) {
        EXPECT_EQ(s.value, "1") << s.key;
    }
}

TEST(CommandLine, HelpListsEveryParameter)
{
    const auto r = parse({"--help"});
    EXPECT_FALSE(r.options.has_value());
    EXPECT_EQ(r.exitCode, 0);
    for (const auto& info : settingCatalogue()) {
        if (std::string(info.section) == "device" || std::string(info.section) == "daemon" ||
            std::string(info.section) == "node") {
            continue;
        }
        EXPECT_NE(r.out.find(std::string("--") + info.section + "." + info.key), std::string::npos)
            << info.section << "." << info.key;
    }
    for (const char* own :
         {"--sim", "--sim-config", "--sim-interface", "--device-name", "--device-mode", "--create-node",
          "--cuse-device", "--control-socket", "--debug", "--config", "--node", "--audit", "--audit-rate", "status"}) {
        EXPECT_NE(r.out.find(own), std::string::npos) << own;
    }
}

TEST(ConfigFile, FurtherNodesHaveTheirOwnNameOwnerModeAndPolicy)
{
    Config c;
    EXPECT_TRUE(c.device.nodes.empty()); // the kernel's one node per interface
    ASSERT_EQ(apply(c, "[node.ipmi0-monitor]\npolicy = \"monitor\"\ngroup = 110\nmode = \"0660\"\n"
                       "[node.bmc1-ro]\ninterface = 1\nowner = 1000\npolicy = \"full;deny=0x00:0x02\"\n"),
              std::nullopt);
    ASSERT_EQ(c.device.nodes.size(), 2U);
    const NodeConfig& monitor = c.device.nodes[0];
    EXPECT_EQ(monitor.name, "ipmi0-monitor");
    EXPECT_EQ(monitor.ifnum, 0);
    EXPECT_EQ(monitor.gid, 110U);
    EXPECT_EQ(monitor.uid, 0U);
    EXPECT_EQ(monitor.mode, 0660U);
    EXPECT_EQ(monitor.policy.text(), cuse::NodePolicy::monitor().text());
    EXPECT_FALSE(monitor.policy.unrestricted());
    const NodeConfig& second = c.device.nodes[1];
    EXPECT_EQ(second.ifnum, 1);
    EXPECT_EQ(second.uid, 1000U);
    EXPECT_EQ(second.mode, 0600U);
    EXPECT_FALSE(second.policy.allowsRequest(0x00, 0x02, 0, {}));
    EXPECT_TRUE(second.policy.allowsRequest(0x00, 0x01, 0, {}));
    EXPECT_EQ(c.device.nodeCount(0), 1U);
    EXPECT_EQ(c.device.nodeOf(1, 1), &second);
    EXPECT_EQ(c.device.nodeOf(1, 2), nullptr);
}

TEST(ConfigFile, NodeRefusalsNameFileLineAndKey)
{
    struct Case
    {
        const char* text;
        const char* expected;
    };
    const Case cases[] = {
        {"[node.m]\npolicy = \"bogus\"\n", "test.toml:2:10: [node.m] policy: "},
        {"[node.m]\ncolour = 1\n", "test.toml:2:1: unknown parameter 'colour' in [node.m]"},
        {"[node.m]\ninterface = 256\n", "test.toml:2:13: [node.m] interface: "},
        {"[node.m]\nmode = \"9\"\n", "test.toml:2:8: [node.m] mode: '9' is not an octal mode"},
        {"[node]\npolicy = \"monitor\"\n", "test.toml:2:1: node.policy is not a table"},
        {"[node.ipmi0]\npolicy = \"monitor\"\n", "test.toml:2:10: [node.ipmi0]: /dev/ipmi0 is the name of interface 0"},
        {"[node.watchdog]\npolicy = \"monitor\"\n", "test.toml:2:10: [node.watchdog]: /dev/watchdog is the watchdog"},
    };
    for (const auto& c : cases) {
        Config config;
        const auto error = apply(config, c.text);
        ASSERT_TRUE(error.has_value()) << c.text;
        EXPECT_EQ(error->rfind(c.expected, 0), 0U) << "got: " << *error << "\nwanted: " << c.expected;
    }
}

TEST(ConfigFile, TheWatchdogNodeHasItsOwnOwnerAndMode)
{
    Config c;
    EXPECT_EQ(c.device.watchdogMode, 0600U); // the kernel's /dev/watchdog
    EXPECT_EQ(c.device.watchdogUid, 0U);
    EXPECT_EQ(c.device.watchdogGid, 0U);
    ASSERT_EQ(apply(c, "[device]\nwatchdog_owner = 7\nwatchdog_group = 8\nwatchdog_mode = \"0640\"\n"), std::nullopt);
    EXPECT_EQ(c.device.watchdogUid, 7U);
    EXPECT_EQ(c.device.watchdogGid, 8U);
    EXPECT_EQ(c.device.watchdogMode, 0640U);
    EXPECT_EQ(c.device.mode, 0600U) << "the interfaces' nodes keep theirs";
    const auto error = apply(c, "[device]\nwatchdog_mode = \"rw\"\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(*error, "test.toml:2:17: [device] watchdog_mode: 'rw' is not an octal mode such as 0600");
    const auto r = parse({"--watchdog-group", "9", "--watchdog-mode=0660"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    Config d;
    ASSERT_EQ(applySettings(d, r.options->settings), std::nullopt);
    EXPECT_EQ(d.device.watchdogGid, 9U);
    EXPECT_EQ(d.device.watchdogMode, 0660U);
}

TEST(CommandLine, NodeAndAuditOptions)
{
    const auto r = parse({"--node", "ipmi0-monitor.policy=monitor", "--node=ipmi0-monitor.group=110", "--node",
                          "ipmi.0.ro.mode=0640", "--audit", "all", "--audit-rate=3"});
    ASSERT_TRUE(r.options.has_value()) << r.err;
    Config c;
    ASSERT_EQ(applySettings(c, r.options->settings), std::nullopt);
    ASSERT_EQ(c.device.nodes.size(), 2U);
    EXPECT_EQ(c.device.nodes[0].name, "ipmi0-monitor");
    EXPECT_EQ(c.device.nodes[0].gid, 110U);
    EXPECT_EQ(c.device.nodes[1].name, "ipmi.0.ro"); // the key follows the last dot
    EXPECT_EQ(c.device.nodes[1].mode, 0640U);
    EXPECT_EQ(c.daemon.audit, AuditScope::All);
    EXPECT_EQ(c.daemon.auditRate, 3U);

    const auto bad = parse({"--node", "nodot=1"});
    EXPECT_FALSE(bad.options.has_value());
    EXPECT_EQ(bad.exitCode, EX_USAGE);
    EXPECT_NE(bad.err.find("--node nodot=1: expected NAME.KEY=VALUE"), std::string::npos) << bad.err;

    const auto badPolicy = parse({"--node", "m.policy=allow=0x40:0x01"});
    ASSERT_TRUE(badPolicy.options.has_value());
    Config d;
    const auto error = applySettings(d, badPolicy.options->settings);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->rfind("option --node m.policy: [node.m] policy: ", 0), 0U) << *error;

    const auto badAudit = parse({"--audit", "loud"});
    ASSERT_TRUE(badAudit.options.has_value());
    Config e;
    EXPECT_EQ(applySettings(e, badAudit.options->settings),
              "option --audit: [daemon] audit: 'loud' is not one of changes, all, off");
}

TEST(CommandLine, StatusTakesItsSocket)
{
    const auto r = parse({"status", "--control-socket", "/tmp/ctl"});
    ASSERT_TRUE(r.options.has_value());
    EXPECT_EQ(r.options->command, Options::Command::Status);
    EXPECT_EQ(r.options->statusSocket, "/tmp/ctl");
}

} // namespace
} // namespace ipmi::daemon
