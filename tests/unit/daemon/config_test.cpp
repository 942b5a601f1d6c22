// The configuration file and the command line: kernel parameter names and
// syntax reach the right structs; the command line wins; every refusal names
// the file, line and column (or the option) and the parameter.

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// vector relocation at -O2; the pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "daemon/config.hpp"
#include "daemon/options.hpp"

#include <gtest/gtest.h>

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
              "/nonexistent/ipmi-cuse.toml: cannot read the configuration file");
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
    EXPECT_NE(r.exitCode, 0);
    EXPECT_NE(r.err.find("--ipmi_si.portz"), std::string::npos) << r.err;
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
    EXPECT_EQ(bad.exitCode, 2);
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
