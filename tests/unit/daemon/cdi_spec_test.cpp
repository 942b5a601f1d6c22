// The CDI spec: the exact text for a full and a monitor node (the same file
// the cdi-schema test validates against the CDI schema), the kind and name
// rules of cdiVersion 0.5.0 readers, and the file's atomic write and removal.

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// vector relocation at -O2; the pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "daemon/cdi_spec.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ipmi::daemon::cdi {
namespace {

using ipmi::testing::TempDir;

std::vector<PublishedNode> fullAndMonitor()
{
    return {
        PublishedNode{"ipmi0", "/dev/ipmi0", 120, 0, 0600, 0, 0},
        PublishedNode{"ipmi0-monitor", "/dev/ipmi0-monitor", 120, 256, 0640, 0, 997},
    };
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(CdiSpec, TheExactTextTheSchemaTestValidates)
{
    const char* golden = std::getenv("IPMI_CUSE_CDI_GOLDEN");
    ASSERT_NE(golden, nullptr) << "meson passes the path of tests/unit/daemon/cdi_expected.json";
    const auto expected = readFile(golden);
    ASSERT_FALSE(expected.empty()) << golden;
    EXPECT_EQ(buildSpec(kDefaultKind, fullAndMonitor()), expected);
}

TEST(CdiSpec, ModeBitsOnlyAndTheKindAsGiven)
{
    const auto text = buildSpec("example.com/bmc", {PublishedNode{"x", "/dev/x", 60, 7, 0100660, 12, 34}});
    EXPECT_NE(text.find("\"kind\": \"example.com/bmc\""), std::string::npos);
    EXPECT_NE(text.find("\"fileMode\": 432,"), std::string::npos) << text; // 0660, no S_IFCHR
    EXPECT_NE(text.find("\"major\": 60,\n"), std::string::npos);
    EXPECT_NE(text.find("\"minor\": 7,\n"), std::string::npos);
    EXPECT_NE(text.find("\"uid\": 12,\n"), std::string::npos);
    EXPECT_NE(text.find("\"gid\": 34\n"), std::string::npos);
}

TEST(CdiSpec, KindsAsCdiReadsThem)
{
    EXPECT_EQ(kindProblem("ipmi-cuse.org/ipmi"), std::nullopt);
    EXPECT_EQ(kindProblem("vendor.com/foo_bar-1"), std::nullopt);
    EXPECT_EQ(kindProblem("ipmi"), "'ipmi' is not a CDI kind vendor/class such as ipmi-cuse.org/ipmi");
    EXPECT_EQ(kindProblem("/ipmi"), "the vendor is empty");
    EXPECT_EQ(kindProblem("1vendor.com/ipmi"), "the vendor '1vendor.com' must start with a letter");
    EXPECT_EQ(kindProblem("vendor.com-/ipmi"), "the vendor 'vendor.com-' must end with a letter or digit");
    // Dots in the class came with cdiVersion 0.6.0, which podman 4.3 does not read.
    EXPECT_EQ(kindProblem("vendor.com/ip.mi"), "the class 'ip.mi' may not contain '.'");
    EXPECT_EQ(kindProblem("vendor.com/a/b"), "the class 'a/b' may not contain '/'");
}

TEST(CdiSpec, DeviceNamesAsCdiReadsThem)
{
    EXPECT_EQ(deviceNameProblem("ipmi0"), std::nullopt);
    EXPECT_EQ(deviceNameProblem("ipmi0-monitor"), std::nullopt);
    EXPECT_EQ(deviceNameProblem("0"), std::nullopt);
    EXPECT_EQ(deviceNameProblem("ipmi_0.a:b"), std::nullopt);
    EXPECT_EQ(deviceNameProblem(""), "the CDI device name is empty");
    EXPECT_EQ(deviceNameProblem("-ipmi"), "the CDI device name '-ipmi' must start with a letter or digit");
    EXPECT_EQ(deviceNameProblem("ipmi "), "the CDI device name 'ipmi ' must end with a letter or digit");
    EXPECT_EQ(deviceNameProblem("ip+mi"), "the CDI device name 'ip+mi' may not contain '+'");
}

TEST(CdiSpec, FileNameAfterTheKind)
{
    EXPECT_EQ(specFileName("ipmi-cuse.org/ipmi"), "ipmi-cuse.org-ipmi.json");
}

TEST(CdiSpec, WrittenWholeReplacedAtomicallyAndRemoved)
{
    TempDir dir;
    const auto cdiDir = dir.path() / "run" / "cdi"; // created on the way
    const auto file = cdiDir / "ipmi-cuse.org-ipmi.json";
    ASSERT_EQ(writeSpec(cdiDir, kDefaultKind, fullAndMonitor()), std::nullopt);
    EXPECT_EQ(readFile(file), buildSpec(kDefaultKind, fullAndMonitor()));
    struct stat st
    {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644U);
    ASSERT_EQ(::stat(cdiDir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755U);

    // A reader that opened the old file keeps reading the old text whole;
    // the name then leads to the new one, and no temporary is left behind.
    std::ifstream oldReader(file);
    const std::vector<PublishedNode> one{fullAndMonitor().front()};
    ASSERT_EQ(writeSpec(cdiDir, kDefaultKind, one), std::nullopt);
    std::ostringstream oldText;
    oldText << oldReader.rdbuf();
    EXPECT_EQ(oldText.str(), buildSpec(kDefaultKind, fullAndMonitor()));
    EXPECT_EQ(readFile(file), buildSpec(kDefaultKind, one));
    std::vector<std::string> entries;
    for (const auto& entry : std::filesystem::directory_iterator(cdiDir)) {
        entries.push_back(entry.path().filename().string());
    }
    EXPECT_EQ(entries, std::vector<std::string>{"ipmi-cuse.org-ipmi.json"});

    ASSERT_EQ(removeSpec(cdiDir, kDefaultKind), std::nullopt);
    EXPECT_FALSE(std::filesystem::exists(file));
    EXPECT_EQ(removeSpec(cdiDir, kDefaultKind), std::nullopt); // already gone: nothing to do
}

TEST(CdiSpec, AnUnwritableDirectoryIsNamed)
{
    TempDir dir;
    dir.write("file", "not a directory");
    const auto cdiDir = dir.path() / "file" / "cdi";
    const auto error = writeSpec(cdiDir, kDefaultKind, fullAndMonitor());
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->rfind("cannot create the CDI directory " + cdiDir.string() + ": ", 0), 0U) << *error;
}

} // namespace
} // namespace ipmi::daemon::cdi
