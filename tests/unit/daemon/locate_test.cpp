// ipmi-cuse-locate's command line: the daemon's spellings (--sysroot,
// --ipmi_si.PARAM, -c), the kernel's PARAM=VALUE, --help and --version,
// the documented exit codes (64 usage, 78 a refused setting or sysroot,
// 0 otherwise) with a message naming what was wrong; in process, and the
// built binary (IPMI_CUSE_LOCATE_BIN) for what main() adds.

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// vector relocation at -O2; the pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "daemon/locate.hpp"
#include "daemon/version.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <sysexits.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ipmi::daemon {
namespace {

class Locate : public ::testing::Test
{
  protected:
    void SetUp() override { std::filesystem::create_directories(sysroot_ / "sys"); }

    static ParsedLocate parse(std::vector<std::string> words)
    {
        std::vector<const char*> args{"ipmi-cuse-locate"};
        for (const auto& w : words) {
            args.push_back(w.c_str());
        }
        return parseLocateCommandLine(static_cast<int>(args.size()), args.data());
    }

    // The report over the empty sysroot, with `words` after --sysroot.
    std::string report(std::vector<std::string> words) const
    {
        words.insert(words.begin(), {"--sysroot", sysroot_.string()});
        const auto parsed = parse(words);
        EXPECT_TRUE(parsed.config.has_value()) << parsed.err;
        if (!parsed.config) {
            return {};
        }
        std::ostringstream out;
        std::ostringstream err;
        EXPECT_EQ(runLocate(*parsed.config, out, err), 0) << err.str();
        return out.str();
    }

    ipmi::testing::TempDir scratch_;
    std::filesystem::path sysroot_ = scratch_.path() / "sysroot";
};

TEST_F(Locate, HelpAndVersionSucceed)
{
    const auto help = parse({"--help"});
    EXPECT_FALSE(help.config.has_value());
    EXPECT_EQ(help.exitCode, 0);
    for (const char* word : {"--sysroot", "--config", "--no-dmi", "--no-acpi", "--no-pci", "--ipmi_si.type",
                             "--ipmi_si.ports", "--ipmi_si.hotmod", "--ipmi_si.kcs_debug", "--version", "PARAMS"}) {
        EXPECT_NE(help.out.find(word), std::string::npos) << word;
    }
    const auto version = parse({"--version"});
    EXPECT_FALSE(version.config.has_value());
    EXPECT_EQ(version.exitCode, 0);
    EXPECT_EQ(version.out, "ipmi-cuse-locate " + std::string(kVersion) + "\n");
}

TEST_F(Locate, TheDaemonsSpellingsTheKernelsAndTheEarlierOnesAgree)
{
    const std::string expected = "ipmi_si: Trying hardcoded-specified bt state machine at i/o address 0xe4";
    for (const auto& words : std::vector<std::vector<std::string>>{
             {"--ipmi_si.type=bt", "--ipmi_si.ports=0xe4"},
             {"--ipmi_si.type", "bt", "--ipmi_si.ports", "0xe4"},
             {"type=bt", "ports=0xe4"},
             {"--type=bt", "--ports=0xe4"},
         }) {
        const auto out = report(words);
        EXPECT_NE(out.find(expected), std::string::npos) << words[0] << "\n" << out;
    }
    const auto disabled = report({"--no-dmi", "--no-acpi", "--ipmi_si.trypci=0"});
    EXPECT_NE(disabled.find("SMBIOS type 38:\n  (disabled)"), std::string::npos) << disabled;
    EXPECT_NE(disabled.find("ACPI SPMI table:\n  (disabled)"), std::string::npos) << disabled;
    EXPECT_NE(disabled.find("PCI class 0x0c07:\n  (disabled)"), std::string::npos) << disabled;
}

TEST_F(Locate, TheDaemonsConfigurationFileIsRead)
{
    scratch_.write("ipmi-cuse.toml", "[ipmi_si]\ntype = \"smic\"\nports = \"0xca9\"\n[daemon]\nsysroot = \"" +
                                         sysroot_.string() + "\"\n");
    const auto parsed = parse({"-c", (scratch_.path() / "ipmi-cuse.toml").string()});
    ASSERT_TRUE(parsed.config.has_value()) << parsed.err;
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(runLocate(*parsed.config, out, err), 0);
    EXPECT_NE(out.str().find("smic state machine at i/o address 0xca9"), std::string::npos) << out.str();
}

TEST_F(Locate, UsageErrorsExit64NamingTheWord)
{
    auto r = parse({"--config"});
    EXPECT_EQ(r.exitCode, EX_USAGE);
    EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
    r = parse({"--frobnicate"});
    EXPECT_EQ(r.exitCode, EX_USAGE);
    EXPECT_NE(r.err.find("--frobnicate"), std::string::npos) << r.err;
    r = parse({"kcs"});
    EXPECT_EQ(r.exitCode, EX_USAGE);
    EXPECT_NE(r.err.find("'kcs': expected PARAM=VALUE"), std::string::npos) << r.err;
}

TEST_F(Locate, RefusedSettingsExit78NamingTheOptionOrFileLine)
{
    struct Case
    {
        std::vector<std::string> words;
        std::string expected;
    };
    const Case cases[] = {
        {{"--ipmi_si.regsizes=3"}, "ipmi-cuse-locate: option --ipmi_si.regsizes: [ipmi_si] regsizes: "},
        {{"slave_addrs=0x100"}, "ipmi-cuse-locate: argument slave_addrs=0x100: [ipmi_si] slave_addrs: "},
        {{"--ipmi_si.hotmod=add,kcs,zzz"}, "ipmi-cuse-locate: option --ipmi_si.hotmod: [ipmi_si] hotmod: "},
        {{"--ipmi_si.type=usb"}, "ipmi-cuse-locate: option --ipmi_si.type: [ipmi_si] type: "},
        {{"colour=red"}, "ipmi-cuse-locate: argument colour=red: [ipmi_si] colour: "},
        {{"--sysroot", "/nonexistent/ipmi-cuse-test"},
         "ipmi-cuse-locate: --sysroot /nonexistent/ipmi-cuse-test: no such directory"},
    };
    for (const auto& c : cases) {
        const auto r = parse(c.words);
        EXPECT_FALSE(r.config.has_value()) << c.words[0];
        EXPECT_EQ(r.exitCode, EX_CONFIG) << c.words[0];
        EXPECT_EQ(r.err.rfind(c.expected, 0), 0U) << "got: " << r.err << "wanted: " << c.expected;
    }
    scratch_.write("bad.toml", "[ipmi_si]\n\nregshifts = 99\n");
    const auto r = parse({"-c", (scratch_.path() / "bad.toml").string()});
    EXPECT_EQ(r.exitCode, EX_CONFIG);
    EXPECT_NE(r.err.find("bad.toml:3:13: [ipmi_si] regshifts: "), std::string::npos) << r.err;
    scratch_.write("file", "");
    const auto notDir = parse({"--sysroot", (scratch_.path() / "file").string()});
    EXPECT_EQ(notDir.exitCode, EX_CONFIG);
    EXPECT_NE(notDir.err.find("file: not a directory"), std::string::npos) << notDir.err;
}

// main(): what reaches the terminal, and the exit status.
TEST_F(Locate, TheBinaryExitsWithTheDocumentedCodes)
{
    const char* bin = std::getenv("IPMI_CUSE_LOCATE_BIN");
    ASSERT_NE(bin, nullptr) << "IPMI_CUSE_LOCATE_BIN must name the built ipmi-cuse-locate";
    const auto run = [&](const std::string& args, std::string& out, std::string& err) {
        const auto outFile = scratch_.path() / "stdout";
        const auto errFile = scratch_.path() / "stderr";
        const std::string cmd =
            "timeout 20 " + std::string(bin) + " " + args + " >" + outFile.string() + " 2>" + errFile.string();
        const int raw = std::system(cmd.c_str());
        const auto slurp = [](const std::filesystem::path& p) {
            std::ifstream in(p);
            std::ostringstream s;
            s << in.rdbuf();
            return s.str();
        };
        out = slurp(outFile);
        err = slurp(errFile);
        return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    };
    std::string out;
    std::string err;
    EXPECT_EQ(run("--version", out, err), 0);
    EXPECT_EQ(out, "ipmi-cuse-locate " + std::string(kVersion) + "\n");
    EXPECT_EQ(run("--sysroot /nonexistent/ipmi-cuse-test", out, err), EX_CONFIG);
    EXPECT_NE(err.find("no such directory"), std::string::npos) << err;
    EXPECT_EQ(run("--sysroot " + sysroot_.string() + " --ipmi_si.type=kcs --ipmi_si.ports=0xca2", out, err), 0) << err;
    EXPECT_NE(out.find("kcs state machine at i/o address 0xca2"), std::string::npos) << out;
    EXPECT_EQ(run("--bogus", out, err), EX_USAGE);
    EXPECT_EQ(run("--ipmi_si.regsizes=3", out, err), EX_CONFIG);
    EXPECT_NE(err.find("option --ipmi_si.regsizes"), std::string::npos) << err;
}

} // namespace
} // namespace ipmi::daemon
