// `ipmi-cuse status`: which daemon it asks (the socket after the word, else
// the one the configuration names, else the default), the control verb's
// formats, and the three renderings of one hand-made snapshot: the text
// lines (old ones unchanged, new ones added), the JSON keys, and the
// OpenMetrics text checked line by line as a parser would (every sample
// under its family's TYPE, counters ending in _total, "# EOF" last).
// GCC 12 reports -Wnull-dereference inside libstdc++ and Boost at -O2; the
// pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"
// GCC 12 with -fsanitize=address: -Wmaybe-uninitialized false positive in
// std::variant's move constructor; the pragma must precede <variant>.
#if !defined(__clang__) // clang has no such warning (nor the false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "daemon/asio.hpp"

#include "daemon/control_commands.hpp"
#include "daemon/control_socket.hpp"
#include "daemon/daemon.hpp"
#include "daemon/options.hpp"
#include "daemon/status.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <sysexits.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ipmi::daemon {
namespace {

using namespace std::chrono_literals;

ParsedCommandLine parse(std::vector<std::string> args)
{
    args.insert(args.begin(), "ipmi-cuse");
    std::vector<const char*> argv;
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    return parseCommandLine(static_cast<int>(argv.size()), argv.data());
}

std::filesystem::path socketOf(const std::vector<std::string>& args)
{
    const auto parsed = parse(args);
    EXPECT_TRUE(parsed.options) << parsed.err;
    if (!parsed.options) {
        return {};
    }
    EXPECT_EQ(parsed.options->command, Options::Command::Status);
    const auto socket = statusSocketFor(*parsed.options);
    if (const auto* problem = std::get_if<StatusSocketProblem>(&socket)) {
        ADD_FAILURE() << problem->message;
        return {};
    }
    return std::get<std::filesystem::path>(socket);
}

class StatusSocket : public ::testing::Test
{
  protected:
    std::string writeConfig(const std::string& text)
    {
        const auto path = dir_.path() / "ipmi-cuse.toml";
        std::ofstream(path) << text;
        return path.string();
    }
    ipmi::testing::TempDir dir_;
};

TEST_F(StatusSocket, TheConfigurationNamesTheDaemonToAsk)
{
    const auto file = writeConfig("[daemon]\ncontrol_socket = \"/run/other/control\"\n");
    EXPECT_EQ(socketOf({"status"}), "/run/ipmi-cuse/control");
    EXPECT_EQ(socketOf({"-c", file, "status"}), "/run/other/control");
    EXPECT_EQ(socketOf({"status", "-c", file}), "/run/other/control");
    EXPECT_EQ(socketOf({"status", "--config", file}), "/run/other/control");
    // The daemon's own option, as on the daemon's command line, wins over the file.
    EXPECT_EQ(socketOf({"-c", file, "--control-socket", "/run/third", "status"}), "/run/third");
    // The status word's own option wins over everything.
    EXPECT_EQ(socketOf({"-c", file, "status", "--control-socket", "/tmp/ctl"}), "/tmp/ctl");
    EXPECT_EQ(socketOf({"status", "--control-socket", "/tmp/ctl", "-c", file}), "/tmp/ctl");
}

TEST_F(StatusSocket, AConfigurationWithoutASocketOrWithAnErrorIsNamed)
{
    const auto none = writeConfig("[daemon]\ncontrol_socket = \"\"\n");
    auto parsed = parse({"status", "-c", none});
    ASSERT_TRUE(parsed.options);
    auto socket = statusSocketFor(*parsed.options);
    ASSERT_TRUE(std::holds_alternative<StatusSocketProblem>(socket));
    EXPECT_EQ(std::get<StatusSocketProblem>(socket).exitCode, 1);
    EXPECT_EQ(std::get<StatusSocketProblem>(socket).message,
              "the configuration has no control socket ([daemon] control_socket is empty): no daemon to ask");

    const auto bad = writeConfig("[daemon]\nno_such_key = 1\n");
    parsed = parse({"status", "-c", bad});
    ASSERT_TRUE(parsed.options);
    socket = statusSocketFor(*parsed.options);
    ASSERT_TRUE(std::holds_alternative<StatusSocketProblem>(socket));
    EXPECT_EQ(std::get<StatusSocketProblem>(socket).exitCode, EX_CONFIG);
    EXPECT_NE(std::get<StatusSocketProblem>(socket).message.find("no_such_key"), std::string::npos);
}

// The built program against a control socket the test serves: it must ask
// the socket the configuration names, with the verb its format needs.
class StatusClient : public StatusSocket
{
  protected:
    void SetUp() override
    {
        const char* bin = std::getenv("IPMI_CUSE_BIN");
        ASSERT_NE(bin, nullptr) << "IPMI_CUSE_BIN must name the built ipmi-cuse";
        bin_ = bin;
        server_ = std::make_unique<ControlServer>(io_, [this](const std::string& command, ControlServer::Reply reply) {
            {
                const std::lock_guard lock(mutex_);
                commands_.push_back(command);
            }
            reply("asked: " + command + "\n");
        });
        ASSERT_EQ(server_->start(dir_.path() / "named" / "control"), std::nullopt);
        thread_ = std::thread([this] { io_.run(); });
    }
    void TearDown() override
    {
        io_.stop(); // the server's destructor removes the socket
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    // Runs the program; its stdout, and its exit status in `status`.
    std::string run(const std::string& args, int& status)
    {
        const auto out = dir_.path() / "stdout";
        const std::string cmd = "timeout 20 " + bin_ + " " + args + " >" + out.string() + " 2>&1";
        const int raw = std::system(cmd.c_str());
        status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
        std::ifstream in(out);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    std::vector<std::string> commands()
    {
        const std::lock_guard lock(mutex_);
        return commands_;
    }

    std::string bin_;
    boost::asio::io_context io_;
    std::unique_ptr<ControlServer> server_;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::string> commands_;
};

TEST_F(StatusClient, AsksTheDaemonItsConfigurationNames)
{
    const auto file =
        writeConfig("[daemon]\ncontrol_socket = \"" + (dir_.path() / "named" / "control").string() + "\"\n");
    int status = -1;
    EXPECT_EQ(run("status -c " + file, status), "asked: status\n");
    EXPECT_EQ(status, 0);
    EXPECT_EQ(run("-c " + file + " status --json", status), "asked: status json\n");
    EXPECT_EQ(status, 0);
    EXPECT_EQ(run("status --format openmetrics --config " + file, status), "asked: status openmetrics\n");
    EXPECT_EQ(status, 0);
    EXPECT_EQ(run("status --control-socket " + (dir_.path() / "named" / "control").string(), status),
              "asked: status\n");
    EXPECT_EQ(commands(), (std::vector<std::string>{"status", "status json", "status openmetrics", "status"}));
    // Without the file, the default socket (no daemon here): not this one.
    const auto other = run("status --control-socket " + (dir_.path() / "absent").string(), status);
    EXPECT_EQ(status, 1);
    EXPECT_NE(other.find("is ipmi-cuse running?"), std::string::npos) << other;
    EXPECT_EQ(commands().size(), 4U);
}

TEST(StatusFormats, TheCommandLineAndTheControlVerbAgree)
{
    EXPECT_EQ(parse({"status"}).options->statusFormat, "text");
    EXPECT_EQ(parse({"status", "--json"}).options->statusFormat, "json");
    EXPECT_EQ(parse({"status", "--format", "openmetrics"}).options->statusFormat, "openmetrics");
    EXPECT_EQ(parse({"status", "--format", "xml"}).exitCode, EX_USAGE);

    for (const auto format : {StatusFormat::Text, StatusFormat::Json, StatusFormat::OpenMetrics}) {
        EXPECT_EQ(parseStatusFormat(toString(format)), format);
        const auto parsed = parseControlCommand(std::string("status ") + toString(format));
        ASSERT_TRUE(std::holds_alternative<ControlCommand>(parsed));
        EXPECT_EQ(std::get<StatusCommand>(std::get<ControlCommand>(parsed)).format, format);
    }
    const auto plain = parseControlCommand("status");
    EXPECT_EQ(std::get<StatusCommand>(std::get<ControlCommand>(plain)).format, StatusFormat::Text);
    EXPECT_EQ(std::get<std::string>(parseControlCommand("status xml")),
              "status: unknown format 'xml' (known: text, json, openmetrics)");
}

// Two interfaces: the simulator's KCS, answering, with its node and a
// monitor node; an SSIF BMC in a fault episode. The watchdog uses the first.
StatusSnapshot sample()
{
    StatusSnapshot s;
    s.now = core::Clock::time_point{} + 1000s;
    s.wallNow = std::chrono::system_clock::time_point{} + std::chrono::seconds(1'800'000'000);

    InterfaceSnapshot sim;
    sim.ifnum = 0;
    sim.info.info.type = "kcs";
    sim.info.info.description = "sim kcs";
    sim.info.info.simulated = true;
    sim.info.deviceId = core::DeviceId{0x20, 0x81, 0x01, 0x02, 0x02, 0xBF, 0x001234, 0x0001, false, {}};
    sim.status.users = 2;
    sim.status.stats[static_cast<std::size_t>(core::Stat::SentLocalCommands)] = 40;
    sim.status.stats[static_cast<std::size_t>(core::Stat::SentIpmbCommands)] = 2;
    sim.status.stats[static_cast<std::size_t>(core::Stat::TimedOutIpmbCommands)] = 1;
    sim.status.stats[static_cast<std::size_t>(core::Stat::Events)] = 3;
    sim.status.responses = {38, 1, 2, 1};
    sim.status.driver.tracked = true;
    sim.status.driver.stats[static_cast<std::size_t>(core::DriverStat::Transactions)] = 50;
    sim.device = DeviceSummary{"ipmi0",
                               {7, 3, 2, 1, 4},
                               {NodeSummary{"ipmi0", "full", {7, 3, 0, 0, 4}, NodeRequestCounters{40, 0, 0}},
                                NodeSummary{"ipmi0-monitor", "monitor", {1, 0, 0, 0, 1}, std::nullopt}}};
    sim.origin = InterfaceOrigin{true, true, "i/o", 0, std::nullopt, ""};
    s.interfaces.push_back(sim);

    InterfaceSnapshot ssif;
    ssif.ifnum = 1;
    ssif.info.info.type = "ssif";
    ssif.info.info.description = "ssif i2c-3 0x10";
    ssif.info.info.addrSource = core::AddrSource::Smbios;
    auto& h = ssif.status.driver;
    h.tracked = true;
    h.state = core::LinkState::Hosed;
    h.lastError = "netfn 0x06 cmd 0x01: no response after 15000 ms: errno 6";
    h.lastErrorAt = s.now - 2s;
    h.episodeStart = s.now - 62s;
    h.episodeFailures = 4;
    h.stats[static_cast<std::size_t>(core::DriverStat::FaultEpisodes)] = 2;
    h.stats[static_cast<std::size_t>(core::DriverStat::TimedOutTransactions)] = 9;
    ssif.status.responses.unspecified = 4;
    ssif.device = DeviceSummary{"ipmi1", {}, {NodeSummary{"ipmi1", "full", {}, std::nullopt}}};
    ssif.origin = InterfaceOrigin{true, false, "smbus", 0x10, 3, "i2c-3"};
    s.interfaces.push_back(ssif);

    s.watchdog =
        WatchdogSummary{"/dev/watchdog", 0, true, true, "reset", "pre_none", "preop_none", 30, 0, false, false};
    return s;
}

TEST(StatusText, OldLinesStayAndNewOnesAreAdded)
{
    const std::string text = formatStatus(sample(), StatusFormat::Text);
    for (const char* line : {
             "interfaces 2\n",
             "interface 0 device /dev/ipmi0 type kcs (simulated) at sim kcs\n",
             "  users 2 event_users 0 outstanding 0 maintenance inactive\n",
             "  requests 42 timeouts 1 retries 0 errors 0 events 3\n",
             "  ioctls_in_place 7 ioctls_by_retry 3 polls_held 2 held_polls_ready 1\n",
             "  node /dev/ipmi0 policy full opens 4 ioctls_in_place 7 ioctls_by_retry 3 requests 40 refusals 0 "
             "refused_ioctls 0\n",
             "  node /dev/ipmi0-monitor policy monitor opens 1 ioctls_in_place 1 ioctls_by_retry 0\n",
             "  address sim kcs source invalid slave_address 0x20\n",
             "  bmc device_id 0x20 revision 1 firmware 1.02 ipmi 2.0 manufacturer 0x001234 product 0x0001\n",
             "  state up\n",
             "  responses ok 38 timeout 1 unspecified 2 other 1\n",
             "  driver transactions 50 failed_transactions 0 hosed_transactions 0 timed_out_transactions 0 "
             "bad_responses 0 retries 0 attentions 0 flag_fetches 0 events 0 incoming_messages 0 "
             "watchdog_pretimeouts 0 fault_episodes 0\n",
             "  watchdog /dev/watchdog state running action reset timeout 30 pretimeout 0 preaction pre_none preop "
             "preop_none open yes nowayout no panicked no\n",
             "  sent_local_commands 40\n",
             "interface 1 device /dev/ipmi1 type ssif at ssif i2c-3 0x10\n",
             "  address i2c-3 0x10 source SMBIOS slave_address 0x20\n",
             "  bmc unknown\n",
             "  state hosed since 2027-01-15T07:58:58Z (62.0 s) failed_transactions 4 last_error \"netfn 0x06 cmd "
             "0x01: no response after 15000 ms: errno 6\" at 2027-01-15T07:59:58Z (2.0 s ago)\n",
         }) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "in:\n" << text;
    }
    EXPECT_TRUE(text.ends_with("  dropped_rexmit_lan_commands 0\nend\n")) << text;
    // The watchdog is shown once, under the interface it uses.
    EXPECT_EQ(text.find("  watchdog "), text.rfind("  watchdog "));
}

std::set<std::string> keysOf(const nlohmann::json& object)
{
    std::set<std::string> keys;
    for (const auto& [key, value] : object.items()) {
        keys.insert(key);
    }
    return keys;
}

TEST(StatusJson, KeysAndValues)
{
    const auto j = nlohmann::json::parse(formatStatus(sample(), StatusFormat::Json));
    EXPECT_EQ(keysOf(j), (std::set<std::string>{"interfaces", "watchdog"}));
    ASSERT_EQ(j["interfaces"].size(), 2U);
    const auto& sim = j["interfaces"][0];
    EXPECT_EQ(keysOf(sim), (std::set<std::string>{"interface",   "device",          "kind",        "type",
                                                  "simulated",   "description",     "address",     "bmc",
                                                  "state",       "last_error",      "episode",     "users",
                                                  "event_users", "outstanding",     "maintenance", "counters",
                                                  "driver",      "device_counters", "nodes",       "statistics"}));
    EXPECT_EQ(sim["interface"], 0);
    EXPECT_EQ(sim["device"], "/dev/ipmi0");
    EXPECT_EQ(sim["kind"], "sim");
    EXPECT_EQ(sim["type"], "kcs");
    EXPECT_EQ(sim["state"], "up");
    EXPECT_TRUE(sim["last_error"].is_null());
    EXPECT_TRUE(sim["episode"].is_null());
    EXPECT_EQ(keysOf(sim["bmc"]), (std::set<std::string>{"device_id", "device_revision", "firmware_revision",
                                                         "ipmi_version", "manufacturer_id", "product_id", "guid"}));
    EXPECT_EQ(sim["bmc"]["manufacturer_id"], 0x1234);
    EXPECT_EQ(sim["bmc"]["firmware_revision"], "1.02");
    EXPECT_EQ(keysOf(sim["counters"]),
              (std::set<std::string>{"requests", "responses", "timeouts", "retries", "errors", "events"}));
    EXPECT_EQ(sim["counters"]["requests"], 42);
    EXPECT_EQ(sim["counters"]["responses"],
              (nlohmann::json{{"ok", 38}, {"timeout", 1}, {"unspecified", 2}, {"other", 1}}));
    EXPECT_EQ(sim["driver"].size(), core::kDriverStatCount);
    EXPECT_EQ(sim["driver"]["transactions"], 50);
    EXPECT_EQ(sim["statistics"].size(), core::kStatCount);
    EXPECT_EQ(sim["statistics"]["sent_local_commands"], 40);
    EXPECT_EQ(keysOf(sim["device_counters"]),
              (std::set<std::string>{"ioctls_in_place", "ioctls_by_retry", "polls_held", "held_polls_ready"}));
    ASSERT_EQ(sim["nodes"].size(), 2U);
    EXPECT_EQ(keysOf(sim["nodes"][0]),
              (std::set<std::string>{"device", "policy", "opens", "ioctls_in_place", "ioctls_by_retry", "requests",
                                     "refusals", "refused_ioctls"}));
    EXPECT_EQ(sim["nodes"][0]["opens"], 4);
    EXPECT_TRUE(sim["nodes"][1]["requests"].is_null());

    const auto& ssif = j["interfaces"][1];
    EXPECT_EQ(ssif["kind"], "ssif");
    EXPECT_EQ(ssif["state"], "hosed");
    EXPECT_EQ(ssif["address"], (nlohmann::json{{"text", "i2c-3 0x10"},
                                               {"space", "smbus"},
                                               {"address", 16},
                                               {"i2c_adapter", 3},
                                               {"slave_address", 0x20},
                                               {"source", "SMBIOS"}}));
    EXPECT_TRUE(ssif["bmc"].is_null());
    EXPECT_EQ(ssif["last_error"]["what"], "netfn 0x06 cmd 0x01: no response after 15000 ms: errno 6");
    EXPECT_EQ(ssif["last_error"]["at"], "2027-01-15T07:59:58Z");
    EXPECT_EQ(ssif["last_error"]["seconds_ago"], 2.0);
    EXPECT_EQ(ssif["episode"],
              (nlohmann::json{{"since", "2027-01-15T07:58:58Z"}, {"seconds", 62.0}, {"failed_transactions", 4}}));
    EXPECT_EQ(ssif["driver"]["fault_episodes"], 2);

    EXPECT_EQ(j["watchdog"], (nlohmann::json{{"device", "/dev/watchdog"},
                                             {"interface", 0},
                                             {"state", "running"},
                                             {"action", "reset"},
                                             {"timeout", 30},
                                             {"pretimeout", 0},
                                             {"preaction", "pre_none"},
                                             {"preop", "preop_none"},
                                             {"open", true},
                                             {"nowayout", false},
                                             {"panicked", false}}));
}

// Checks the exposition as the text format's parser reads it; returns the
// samples by "name{labels}".
std::map<std::string, std::string> parseExposition(const std::string& text)
{
    std::map<std::string, std::string> samples;
    std::map<std::string, std::string> typeOf;
    std::set<std::string> helped;
    std::string family;
    std::istringstream in(text);
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    EXPECT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), "# EOF");
    EXPECT_TRUE(text.ends_with("# EOF\n"));
    const std::regex help("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+");
    const std::regex type("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)");
    const std::regex sample(
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+="(?:[^"\\]|\\.)*"(?:,[a-z_]+="(?:[^"\\]|\\.)*")*\})? ([0-9.e+-]+))");
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        std::smatch m;
        if (std::regex_match(lines[i], m, help)) {
            EXPECT_TRUE(helped.insert(m[1]).second) << "second HELP for " << m[1];
            family = m[1];
        } else if (std::regex_match(lines[i], m, type)) {
            EXPECT_EQ(m[1], family) << "TYPE without its HELP: " << lines[i];
            EXPECT_TRUE(typeOf.emplace(m[1], m[2]).second) << "second TYPE for " << m[1];
            if (m[2] == "counter") {
                EXPECT_TRUE(std::string(m[1]).ends_with("_total")) << lines[i];
            } else {
                EXPECT_FALSE(std::string(m[1]).ends_with("_total")) << lines[i];
            }
        } else if (std::regex_match(lines[i], m, sample)) {
            EXPECT_EQ(m[1], family) << "a sample outside its family: " << lines[i];
            EXPECT_TRUE(typeOf.contains(m[1])) << "a sample without a TYPE: " << lines[i];
            EXPECT_TRUE(samples.emplace(std::string(m[1]) + std::string(m[2]), m[3]).second)
                << "duplicate sample: " << lines[i];
        } else {
            ADD_FAILURE() << "not a HELP, TYPE or sample line: '" << lines[i] << "'";
        }
    }
    return samples;
}

TEST(StatusOpenMetrics, EverySampleHasItsTypeAndCountersEndInTotal)
{
    const auto samples = parseExposition(formatStatus(sample(), StatusFormat::OpenMetrics));
    const std::map<std::string, std::string> expected = {
        {R"(ipmi_cuse_interface_info{interface="0",kind="sim",address="sim kcs",device="/dev/ipmi0"})", "1"},
        {R"(ipmi_cuse_interface_info{interface="1",kind="ssif",address="i2c-3 0x10",device="/dev/ipmi1"})", "1"},
        {R"(ipmi_cuse_bmc_info{interface="0",device_id="0x20",firmware_revision="1.02",ipmi_version="2.0",)"
         R"(manufacturer_id="0x001234",product_id="0x0001"})",
         "1"},
        {R"(ipmi_cuse_interface_state{interface="0",state="up"})", "1"},
        {R"(ipmi_cuse_interface_state{interface="1",state="up"})", "0"},
        {R"(ipmi_cuse_interface_state{interface="1",state="hosed"})", "1"},
        {R"(ipmi_cuse_interface_state{interface="1",state="recovering"})", "0"},
        {R"(ipmi_cuse_last_error_timestamp_seconds{interface="1"})", "1799999998.000"},
        {R"(ipmi_cuse_users{interface="0"})", "2"},
        {R"(ipmi_cuse_requests_total{interface="0"})", "42"},
        {R"(ipmi_cuse_timeouts_total{interface="0"})", "1"},
        {R"(ipmi_cuse_events_total{interface="0"})", "3"},
        {R"(ipmi_cuse_responses_total{interface="0",completion_code="0x00"})", "38"},
        {R"(ipmi_cuse_responses_total{interface="0",completion_code="0xc3"})", "1"},
        {R"(ipmi_cuse_responses_total{interface="0",completion_code="0xff"})", "2"},
        {R"(ipmi_cuse_responses_total{interface="0",completion_code="other"})", "1"},
        {R"(ipmi_cuse_responses_total{interface="1",completion_code="0xff"})", "4"},
        {R"(ipmi_cuse_driver_transactions_total{interface="0"})", "50"},
        {R"(ipmi_cuse_driver_fault_episodes_total{interface="1"})", "2"},
        {R"(ipmi_cuse_driver_timed_out_transactions_total{interface="1"})", "9"},
        {R"(ipmi_cuse_msghandler_sent_local_commands_total{interface="0"})", "40"},
        {R"(ipmi_cuse_node_opens_total{interface="0",node="/dev/ipmi0-monitor",policy="monitor"})", "1"},
        {R"(ipmi_cuse_node_requests_total{interface="0",node="/dev/ipmi0",policy="full"})", "40"},
        {R"(ipmi_cuse_watchdog_running{device="/dev/watchdog",interface="0"})", "1"},
        {R"(ipmi_cuse_watchdog_timeout_seconds{device="/dev/watchdog",interface="0"})", "30"},
    };
    for (const auto& [name, value] : expected) {
        const auto it = samples.find(name);
        ASSERT_NE(it, samples.end()) << name;
        EXPECT_EQ(it->second, value) << name;
    }
    // A node without a gate has no request counters.
    EXPECT_FALSE(samples.contains(R"(ipmi_cuse_node_requests_total{interface="0",node="/dev/ipmi0-monitor",)"
                                  R"(policy="monitor"})"));
}

TEST(StatusOpenMetrics, LabelValuesAreEscaped)
{
    auto s = sample();
    s.interfaces[0].device.nodes[1].policy = "allow \"x\"\\y\nz";
    const auto text = formatStatus(s, StatusFormat::OpenMetrics);
    EXPECT_NE(text.find(R"(policy="allow \"x\"\\y\nz")"), std::string::npos) << text;
    parseExposition(text);
}

} // namespace
} // namespace ipmi::daemon
