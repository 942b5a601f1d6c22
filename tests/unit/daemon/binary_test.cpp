// The ipmi-cuse binary's start-up checks and messages, run as a child
// process (its path comes from IPMI_CUSE_BIN): no /dev/cuse, nothing to
// serve without hardware or --sim, a name the kernel's ipmi_devintf owns, a CUSE registration
// that never happens, bad options and configuration lines, --help, and the
// status client with no daemon. Paths point into a private temporary
// directory; nothing waits on real time beyond the child's own run.
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct ChildRun
{
    int status = -1;
    std::string out;
    std::string err;
};

class Binary : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        const char* bin = std::getenv("IPMI_CUSE_BIN");
        ASSERT_NE(bin, nullptr) << "IPMI_CUSE_BIN must name the built ipmi-cuse";
        bin_ = bin;
        fs::create_directories(dir_ / "sysroot" / "sys");
    }

    ChildRun run(const std::string& args)
    {
        const auto out = dir_ / "stdout";
        const auto err = dir_ / "stderr";
        // `timeout` bounds a hang so it fails the test instead of the suite.
        const std::string cmd = "timeout 20 " + bin_ + " " + args + " >" + out.string() + " 2>" + err.string();
        const int raw = std::system(cmd.c_str());
        ChildRun r;
        r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
        r.out = slurp(out);
        r.err = slurp(err);
        return r;
    }
    static std::string slurp(const fs::path& p)
    {
        std::ifstream in(p);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    std::string common() const
    {
        return "--sysroot " + (dir_ / "sysroot").string() + " --control-socket " + (dir_ / "control").string();
    }

    std::string bin_;
    ipmi::testing::TempDir scratch_;
    fs::path dir_ = scratch_.path();
};

TEST_F(Binary, WithoutCuseItSaysSoAndWhatToDo)
{
    const auto r = run(common() + " --sim --cuse-device " + (dir_ / "cuse").string());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find((dir_ / "cuse").string() + " is missing"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("modprobe cuse"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("in a container, pass the host's device"), std::string::npos) << r.err;
}

// A host without a BMC: one line saying what was looked at, READY=1 and
// STOPPING=1 to systemd (a Type=notify unit counts an exit before READY=1 as
// a failure), and the exit status the unit treats as success (69).
TEST_F(Binary, WithoutHardwareOrSimThereIsNothingToServe)
{
    const auto socketPath = dir_ / "notify";
    const int notify = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(notify, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socketPath.c_str());
    ASSERT_EQ(::bind(notify, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    // The program waits (sd_notify_barrier) until the fd it sends with
    // BARRIER=1 is closed: reading the message without its fd closes it.
    std::vector<std::string> messages;
    std::thread reader([&] {
        timeval limit{20, 0};
        ::setsockopt(notify, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        std::array<char, 4096> buf{};
        for (;;) {
            const auto n = ::recv(notify, buf.data(), buf.size(), 0);
            if (n <= 0) {
                return;
            }
            messages.emplace_back(buf.data(), static_cast<std::size_t>(n));
            if (messages.back() == "BARRIER=1") {
                return;
            }
        }
    });
    ::setenv("NOTIFY_SOCKET", socketPath.c_str(), 1);
    const auto r = run(common() + " --cuse-device " + (dir_ / "cuse").string());
    ::unsetenv("NOTIFY_SOCKET");
    reader.join();
    ::close(notify);

    EXPECT_EQ(r.status, EX_UNAVAILABLE);
    EXPECT_NE(r.err.find(" warning daemon: no IPMI interface found: nothing to serve (looked at the parameters "
                         "ipmi_si.type/ports/addrs, ipmi_si.hotmod and ipmi_ssif.addr, SMBIOS type 38, ACPI "
                         "IPI0001/SPMI, PCI;"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("--sim"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    EXPECT_EQ(r.err.find("is missing"), std::string::npos) << "the interface check comes first";
    ASSERT_EQ(messages.size(), 3U);
    EXPECT_EQ(messages[0], "READY=1\nSTATUS=no IPMI interface found: nothing to serve");
    EXPECT_EQ(messages[1], "STOPPING=1");
    EXPECT_EQ(messages[2], "BARRIER=1");
}

TEST_F(Binary, TheShutdownHookLeavesAHostWithoutABmcAlone)
{
    const auto r = run(common() + " shutdown-hook poweroff");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "ipmi-cuse shutdown-hook: poweroff: nothing done (no IPMI interface found)\n");
}

// Without the watchdog device the timer is the BMC's own business at halt,
// as without ipmi_watchdog: the KCS named here is never opened.
TEST_F(Binary, TheShutdownHookLeavesTheTimerAloneWithoutAWatchdogDevice)
{
    const auto r = run(common() + " --ipmi_si.type=kcs --ipmi_si.ports=0xca2 --watchdog-name none shutdown-hook halt");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "ipmi-cuse shutdown-hook: halt: no watchdog device (watchdog_name none), BMC watchdog timer left "
                     "alone\n");
}

TEST_F(Binary, ANameTheKernelOwnsIsRefused)
{
    fs::create_directories(dir_ / "sysroot" / "sys" / "class" / "ipmi" / "ipmi0");
    // /dev/null opens like a CUSE device would, so the name check is reached.
    const auto r = run(common() + " --sim --cuse-device /dev/null");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("the kernel's ipmi_devintf already provides /dev/ipmi0"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--device-name"), std::string::npos) << r.err;
}

TEST_F(Binary, AFixedMajorSomeoneHoldsIsRefusedByName)
{
    // Every Linux lists "  1 mem" under the character devices of /proc/devices.
    const auto r = run(common() + " --sim --device-major 1 --cuse-device /dev/null");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("major 1 is already used by 'mem' (/proc/devices): choose another [device] major"),
              std::string::npos)
        << r.err;
}

TEST_F(Binary, ARegistrationThatNeverHappensFailsLoudly)
{
    fs::create_directories(dir_ / "sysroot" / "sys" / "class" / "ipmi" / "ipmi0");
    // Past the name check with another name; /dev/null then ends the CUSE
    // session at once, as the kernel does when it refuses a registration.
    const auto r = run(common() + " --sim --device-name ipmi-sim0 --cuse-device /dev/null");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("SIMULATED BMC"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("CUSE did not register ipmi-sim0"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "control")) << "the control socket is removed on the way out";
}

TEST_F(Binary, BadOptionsAndConfigurationLinesAreNamed)
{
    auto r = run("--no-such-option");
    EXPECT_EQ(r.status, EX_USAGE);
    EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;

    const auto conf = dir_ / "bad.toml";
    std::ofstream(conf) << "[ipmi_si]\ntype = \"kcs\"\nports = \"0xca2,zap\"\n";
    r = run("--config " + conf.string() + " " + common());
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_NE(r.err.find(conf.string() + ":3:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ports"), std::string::npos) << r.err;

    r = run(common() + " --sim --ipmi_watchdog.action=explode");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_NE(r.err.find("option --ipmi_watchdog.action"), std::string::npos) << r.err;
}

TEST_F(Binary, ExitCodesAreTheDocumentedSysexits)
{
    EXPECT_EQ(run("--version").status, 0);
    EXPECT_EQ(run("--sim stray-word").status, EX_USAGE);
    auto r = run(common() + " --config");
    EXPECT_EQ(r.status, EX_USAGE);
    EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
    r = run(common() + " --sim --log-level=loud");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_NE(r.err.find("option --log-level: [daemon] log_level: 'loud'"), std::string::npos) << r.err;
    r = run(common() + " --config " + (dir_ / "missing.toml").string());
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_NE(r.err.find((dir_ / "missing.toml").string() + ": cannot read the configuration file"), std::string::npos)
        << r.err;
}

// The ipmi_si settings and the simulated BMC's file are checked at start-up
// whatever the backend: refused with EX_CONFIG, naming the option or file.
TEST_F(Binary, SiSettingsAndTheSimConfigAreCheckedAtStartUp)
{
    for (const char* option : {"--ipmi_si.regsizes=3", "--ipmi_si.slave_addrs=0x100", "--ipmi_si.hotmod=add,kcs,zzz"}) {
        const auto r = run(common() + " --sim " + option);
        EXPECT_EQ(r.status, EX_CONFIG) << option;
        const std::string name = std::string(option).substr(0, std::string(option).find('='));
        EXPECT_NE(r.err.find("option " + name + ": "), std::string::npos) << r.err;
    }
    // With a KCS interface named (no hardware here): the same refusal, not a failed start.
    auto r = run(common() + " --ipmi_si.type=kcs --ipmi_si.ports=0xca2 --ipmi_si.regsizes=3");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_NE(r.err.find("option --ipmi_si.regsizes: [ipmi_si] regsizes: regsizes: entry 0 is 3"), std::string::npos)
        << r.err;

    const auto bmc = dir_ / "bmc.toml";
    std::ofstream(bmc) << "[chassis]\npower_restore_policy = 7\n";
    r = run(common() + " --sim --sim-config " + bmc.string());
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_NE(r.err.find("option --sim-config: [daemon] sim_config: the simulated BMC's configuration: " +
                         bmc.string() + ":2:"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("out of range 0..2"), std::string::npos) << r.err;
}

TEST_F(Binary, TheConfigFileMustBeARegularFileOfSaneSize)
{
    // A FIFO with no writer: refused at once (the run's `timeout` would end a hang with 124).
    const auto fifo = dir_ / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto r = run("-c " + fifo.string() + " " + common() + " --sim");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_EQ(r.err, "ipmi-cuse: " + fifo.string() + ": the configuration file is not a regular file\n");
    r = run("-c /dev/zero " + common() + " --sim");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_EQ(r.err, "ipmi-cuse: /dev/zero: the configuration file is not a regular file\n");
    const auto big = dir_ / "big.toml";
    std::ofstream(big) << "";
    fs::resize_file(big, 2 * 1024 * 1024);
    r = run("-c " + big.string() + " " + common() + " --sim");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_EQ(r.err, "ipmi-cuse: " + big.string() + ": the configuration file is larger than 1048576 bytes\n");
}

TEST_F(Binary, ModesAreOctalStringsOfPermissionBits)
{
    const auto conf = dir_ / "mode.toml";
    std::ofstream(conf) << "[device]\nmode = 660\n";
    auto r = run("-c " + conf.string() + " " + common() + " --sim");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_EQ(r.err, "ipmi-cuse: " + conf.string() +
                         ":2:8: [device] mode: 660 is a decimal integer, not a mode: write the mode as an octal "
                         "string, mode = \"0660\"\n");
    r = run(common() + " --sim --device-mode=07777");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_EQ(r.err, "ipmi-cuse: option --device-mode: [device] mode: '07777' sets setuid, setgid or sticky bits "
                     "(7000): a device node's mode takes permission bits only, 0..0777\n");
    r = run(common() + " --sim --watchdog-mode 04600");
    EXPECT_EQ(r.status, EX_CONFIG);
    EXPECT_NE(r.err.find("option --watchdog-mode: [device] watchdog_mode: '04600' sets setuid"), std::string::npos)
        << r.err;
}

TEST_F(Binary, EmptyValuesAndBareBooleansTakeNoOtherArgument)
{
    // With --sim read (not swallowed as a value) each run gets as far as the missing CUSE device.
    const std::string cuse = " --cuse-device " + (dir_ / "cuse").string();
    const std::string sysroot = " --sysroot " + (dir_ / "sysroot").string();
    for (const std::string& line :
         {sysroot + cuse + " --control-socket= --sim", sysroot + cuse + " --watchdog-name= --sim",
          sysroot + cuse + " --sim --watchdog-name=",
          sysroot + cuse + " --control-socket= --ipmi_watchdog.nowayout --sim",
          common() + cuse + " --sim --ipmi_watchdog.nowayout", common() + cuse + " --ipmi_si.trydmi --sim"}) {
        const auto r = run(line);
        EXPECT_EQ(r.status, 1) << line << "\n" << r.err;
        EXPECT_NE(r.err.find((dir_ / "cuse").string() + " is missing"), std::string::npos) << line << "\n" << r.err;
    }
}

TEST_F(Binary, HelpIsCompleteAndSucceeds)
{
    const auto r = run("--help");
    EXPECT_EQ(r.status, 0);
    for (const char* option : {"--sim", "--ipmi_si.ports", "--ipmi_ssif.addr", "--ipmi_watchdog.timeout",
                               "--ipmi_msghandler.max_users", "--ipmi_poweroff.poweroff_powercycle", "--create-node",
                               "--device-name", "--watchdog-name", "shutdown-hook", "control"}) {
        EXPECT_NE(r.out.find(option), std::string::npos) << option;
    }
}

TEST_F(Binary, StatusWithoutADaemonSaysSo)
{
    const auto r = run("status --control-socket " + (dir_ / "none").string());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("is ipmi-cuse running?"), std::string::npos) << r.err;
}

TEST_F(Binary, ShutdownHookWithSimDoesNothingAndSaysSo)
{
    const auto r = run(common() + " --sim shutdown-hook reboot");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("ipmi-cuse shutdown-hook: reboot: nothing done (--sim", 0), 0U) << r.out;
}

TEST_F(Binary, ShutdownHookNamesABadVerb)
{
    const auto r = run(common() + " shutdown-hook shutdown");
    EXPECT_EQ(r.status, EX_USAGE);
    EXPECT_EQ(r.err, "ipmi-cuse shutdown-hook: unknown verb 'shutdown' (known: halt, poweroff, reboot, kexec)\n");
}

TEST_F(Binary, ControlWithoutADaemonSaysSo)
{
    auto r = run("control --control-socket " + (dir_ / "none").string() + " poweroff-powercycle 1");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("is ipmi-cuse running?"), std::string::npos) << r.err;
    r = run("control --control-socket " + (dir_ / "none").string() + " poweroff-powercycle on");
    EXPECT_EQ(r.status, EX_USAGE);
    EXPECT_EQ(r.err, "ipmi-cuse control: poweroff-powercycle: 'on' is not an integer\n");
}

} // namespace
