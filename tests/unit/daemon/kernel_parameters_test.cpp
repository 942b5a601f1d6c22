// Every module parameter of the kernel's IPMI drivers is accepted, under the
// kernel's name, on the command line (--MODULE.PARAM=VALUE) and in the
// configuration file ([MODULE] PARAM = VALUE); and the ipmi_si settings are
// checked when they are read, whatever the backend, naming the option or
// FILE:LINE (the kernel's hotmod, register layout and IPMB address checks).

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// vector relocation at -O2; the pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "daemon/config.hpp"
#include "daemon/options.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::daemon {
namespace {

struct KernelParameter
{
    const char* module;
    const char* name;
    const char* value; // one the kernel takes
};

// The kernel's list: Linux 6.1 as Debian 12 ships it (6.1.192-2,
// linux-image-6.1.0-56-amd64), `modinfo -F parm` of each module, whose count
// matches the module's __param section (acpi_ipmi has none). A name missing
// from ipmi-cuse fails the tests below.
constexpr const char* kKernelVersion = "Linux 6.1.192 (Debian 6.1.192-2)";
const KernelParameter kKernelParameters[] = {
    {"ipmi_msghandler", "panic_op", "event"},
    {"ipmi_msghandler", "maintenance_mode_timeout_ms", "30000"},
    {"ipmi_msghandler", "default_retry_ms", "2000"},
    {"ipmi_msghandler", "default_maintenance_retry_ms", "3000"},
    {"ipmi_msghandler", "default_max_retries", "4"},
    {"ipmi_msghandler", "max_users", "30"},
    {"ipmi_msghandler", "max_msgs_per_user", "100"},
    {"ipmi_devintf", "ipmi_major", "0"},
    {"ipmi_si", "trypci", "1"},
    {"ipmi_si", "tryplatform", "1"},
    {"ipmi_si", "tryacpi", "1"},
    {"ipmi_si", "trydmi", "1"},
    {"ipmi_si", "type", "kcs"},
    {"ipmi_si", "addrs", "0xfed40000"},
    {"ipmi_si", "ports", "0xca2"},
    {"ipmi_si", "irqs", "0"},
    {"ipmi_si", "regspacings", "1"},
    {"ipmi_si", "regsizes", "1"},
    {"ipmi_si", "regshifts", "0"},
    {"ipmi_si", "slave_addrs", "0x20"},
    {"ipmi_si", "hotmod", "add,kcs,i/o,0xca2"},
    {"ipmi_si", "bt_debug", "0"},
    {"ipmi_si", "smic_debug", "0"},
    {"ipmi_si", "kcs_debug", "0"},
    {"ipmi_si", "force_kipmid", "1"},
    {"ipmi_si", "unload_when_empty", "1"},
    {"ipmi_si", "kipmid_max_busy_us", "100"},
    {"ipmi_ssif", "addr", "0x10"},
    {"ipmi_ssif", "adapter_name", "i2c-0"},
    {"ipmi_ssif", "slave_addrs", "0x20"},
    {"ipmi_ssif", "alerts_broken", "0"},
    {"ipmi_ssif", "dbg", "0"},
    {"ipmi_ssif", "dbg_probe", "0"},
    {"ipmi_ssif", "tryacpi", "1"},
    {"ipmi_ssif", "trydmi", "1"},
    {"ipmi_watchdog", "ifnum_to_use", "0"},
    {"ipmi_watchdog", "timeout", "10"},
    {"ipmi_watchdog", "pretimeout", "0"},
    {"ipmi_watchdog", "panic_wdt_timeout", "255"},
    {"ipmi_watchdog", "action", "reset"},
    {"ipmi_watchdog", "preaction", "pre_none"},
    {"ipmi_watchdog", "preop", "preop_none"},
    {"ipmi_watchdog", "start_now", "0"},
    {"ipmi_watchdog", "nowayout", "0"},
    {"ipmi_poweroff", "ifnum_to_use", "0"},
    {"ipmi_poweroff", "poweroff_powercycle", "0"},
};

// Names ipmi-cuse has beside the kernel's: its own earlier spellings.
const std::pair<std::string_view, std::string_view> kAliases[] = {{"ipmi_ssif", "adapter"}};

ParsedCommandLine parse(std::vector<std::string> words)
{
    std::vector<const char*> args{"ipmi-cuse"};
    for (const auto& w : words) {
        args.push_back(w.c_str());
    }
    return parseCommandLine(static_cast<int>(args.size()), args.data());
}

std::optional<std::string> fromCommandLine(std::vector<std::string> words, Config& config)
{
    const auto parsed = parse(std::move(words));
    if (!parsed.options) {
        return "exit " + std::to_string(parsed.exitCode) + ": " + parsed.err;
    }
    return loadConfig(*parsed.options, config);
}

std::optional<std::string> fromFile(std::string_view text, Config& config)
{
    std::vector<Setting> settings;
    if (auto error = parseConfigText(text, "test.toml", settings)) {
        return error;
    }
    return applySettings(config, settings);
}

TEST(KernelParameters, EveryOneIsAcceptedOnTheCommandLine)
{
    EXPECT_EQ(std::size(kKernelParameters), 46U) << kKernelVersion; // 7 + 1 + 19 + 8 + 9 + 2
    for (const auto& p : kKernelParameters) {
        Config config;
        const std::string option = std::string("--") + p.module + "." + p.name + "=" + p.value;
        EXPECT_EQ(fromCommandLine({option}, config), std::nullopt) << option << " (" << kKernelVersion << ")";
    }
}

TEST(KernelParameters, EveryOneIsAcceptedInTheConfigurationFile)
{
    for (const auto& p : kKernelParameters) {
        Config config;
        const std::string text = std::string("[") + p.module + "]\n" + p.name + " = \"" + p.value + "\"\n";
        EXPECT_EQ(fromFile(text, config), std::nullopt) << text << " (" << kKernelVersion << ")";
    }
}

TEST(KernelParameters, TheCatalogueHasNoModuleParameterTheKernelLacks)
{
    for (const auto& info : settingCatalogue()) {
        const std::string_view section = info.section;
        if (std::find(kKernelModules.begin(), kKernelModules.end(), section) == kKernelModules.end()) {
            continue;
        }
        const bool kernels =
            std::any_of(std::begin(kKernelParameters), std::end(kKernelParameters),
                        [&](const auto& p) { return section == p.module && info.key == std::string_view(p.name); });
        const bool alias = std::any_of(std::begin(kAliases), std::end(kAliases),
                                       [&](const auto& a) { return section == a.first && info.key == a.second; });
        EXPECT_TRUE(kernels || alias) << section << "." << info.key;
    }
}

TEST(KernelParameters, TheKernelsNamesMapOntoOurs)
{
    Config c;
    ASSERT_EQ(fromCommandLine({"--ipmi_ssif.adapter_name=i2c-3,i2c-4", "--ipmi_devintf.ipmi_major=240",
                               "--ipmi_poweroff.ifnum_to_use=1", "--ipmi_si.kcs_debug=6", "--ipmi_si.bt_debug=1",
                               "--ipmi_si.smic_debug=4"},
                              c),
              std::nullopt);
    EXPECT_EQ(c.ssif.adapters, (std::vector<std::string>{"i2c-3", "i2c-4"}));
    EXPECT_EQ(c.device.major, 240U); // as --device-major
    EXPECT_EQ(c.poweroff.ifnumToUse, 1);
    EXPECT_EQ(c.si.debugBitsFor(si::SiType::Kcs), 6U);
    EXPECT_EQ(c.si.debugBitsFor(si::SiType::Bt), 1U);
    EXPECT_EQ(c.si.debugBitsFor(si::SiType::Smic), 4U);

    Config alias;
    ASSERT_EQ(fromFile("[ipmi_ssif]\nadapter = \"i2c-7\"\n[ipmi_devintf]\nipmi_major = 0\n", alias), std::nullopt);
    EXPECT_EQ(alias.ssif.adapters, (std::vector<std::string>{"i2c-7"}));
    EXPECT_EQ(alias.device.major, 0U);
    EXPECT_EQ(Config{}.poweroff.ifnumToUse, -1); // the kernel's default: the first interface

    Config refused;
    const auto error = fromCommandLine({"--ipmi_devintf.ipmi_major=-1"}, refused);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->rfind("option --ipmi_devintf.ipmi_major: [ipmi_devintf] ipmi_major: -1 (no device interface", 0),
              0U)
        << *error;
}

TEST(KernelParameters, OneWithoutMeaningInUserspaceIsNotedOnce)
{
    Config c;
    ASSERT_EQ(fromFile("[ipmi_si]\nunload_when_empty = false\n", c), std::nullopt);
    ASSERT_EQ(c.notes.size(), 1U);
    EXPECT_EQ(c.notes[0].rfind("test.toml:2:21: ipmi_si.unload_when_empty: accepted, no effect: there is no module to "
                               "unload",
                               0),
              0U)
        << c.notes[0];
    // Given again (the command line after the file): one line, the last origin.
    ASSERT_EQ(applySettings(c, {Setting{"ipmi_si", "unload_when_empty", "1", "option --ipmi_si.unload_when_empty"}}),
              std::nullopt);
    ASSERT_EQ(c.notes.size(), 1U);
    EXPECT_EQ(c.notes[0].rfind("option --ipmi_si.unload_when_empty: ", 0), 0U) << c.notes[0];

    Config quiet;
    ASSERT_EQ(fromFile("[ipmi_si]\ntrydmi = false\n", quiet), std::nullopt);
    EXPECT_TRUE(quiet.notes.empty());
}

// With --sim no SI interface starts, yet a bad ipmi_si setting is refused
// at once, naming where it was written.
TEST(SiSettings, AreCheckedWhateverTheBackend)
{
    struct Case
    {
        const char* option;
        const char* expected;
    };
    const Case cases[] = {
        {"--ipmi_si.regsizes=3", "option --ipmi_si.regsizes: [ipmi_si] regsizes: regsizes: entry 0 is 3; must be 1, 2, "
                                 "4 or 8"},
        {"--ipmi_si.regspacings=1,-4", "option --ipmi_si.regspacings: [ipmi_si] regspacings: regspacings: entry 1 is "
                                       "-4; must not be negative"},
        {"--ipmi_si.regshifts=64", "option --ipmi_si.regshifts: [ipmi_si] regshifts: regshifts: entry 0 is 64"},
        {"--ipmi_si.slave_addrs=0x100", "option --ipmi_si.slave_addrs: [ipmi_si] slave_addrs: slave_addrs: entry 0 is "
                                        "256; must be 0..0xff"},
        {"--ipmi_si.irqs=-1", "option --ipmi_si.irqs: [ipmi_si] irqs: irqs: entry 0 is -1"},
        {"--ipmi_si.hotmod=add,kcs,zzz", "option --ipmi_si.hotmod: [ipmi_si] hotmod: hotmod operation 0 'add,kcs,zzz': "
                                         "no hotmod address space given"},
        {"--ipmi_si.type=usb", "option --ipmi_si.type: [ipmi_si] type: type: entry 0 'usb'"},
        {"--ipmi_si.ports=0xca2,0xca3,0xca4,0xca5,0xca6", "option --ipmi_si.ports: [ipmi_si] ports: ports: can only "
                                                          "take 4"},
        {"--ipmi_si.kcs_debug=x", "option --ipmi_si.kcs_debug: [ipmi_si] kcs_debug: kcs_debug: 'x' is not a number"},
    };
    for (const auto& c : cases) {
        Config config;
        const auto error = fromCommandLine({"--sim", c.option}, config);
        ASSERT_TRUE(error.has_value()) << c.option;
        EXPECT_EQ(error->rfind(c.expected, 0), 0U) << "got: " << *error << "\nwanted: " << c.expected;
    }
    Config config;
    const auto error = fromFile("[daemon]\nsim = true\n[ipmi_si]\nhotmod = \"add,kcs,zzz\"\n", config);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->rfind("test.toml:4:10: [ipmi_si] hotmod: hotmod operation 0 'add,kcs,zzz': no hotmod "
                           "address space given",
                           0),
              0U)
        << *error;
}

TEST(SimConfig, ABadFileIsRefusedNamingTheFileAndTheProblem)
{
    const ipmi::testing::TempDir dir;
    dir.write("bmc.toml", "[identity]\nproduct_id = -1\n");
    const std::string file = (dir.path() / "bmc.toml").string();
    Config config;
    auto error = fromCommandLine({"--sim", "--sim-config", file}, config);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(
        error->rfind("option --sim-config: [daemon] sim_config: the simulated BMC's configuration: " + file + ":2:", 0),
        0U)
        << *error;

    const std::string missing = (dir.path() / "missing.toml").string();
    error = fromCommandLine({"--sim-config=" + missing}, config);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find(missing + ": cannot be opened"), std::string::npos) << *error;

    dir.write("good.toml", "[identity]\nproduct_id = 0x4242\n");
    Config good;
    ASSERT_EQ(fromCommandLine({"--sim", "--sim-config", (dir.path() / "good.toml").string()}, good), std::nullopt);
    ASSERT_TRUE(good.daemon.simBmc.has_value());
    EXPECT_EQ(good.daemon.simBmc->identity.productId, 0x4242);
}

} // namespace
} // namespace ipmi::daemon
