// Files that exist to survive a crash: the new contents appear whole, with
// the asked-for mode, over the old file, and no temporary file is left,
// whether the write succeeds or fails.
#include "core/services/durable_file.hpp"
#include "core/services/reported_records.hpp"
#include "tests/unit/core_services/services_fixture.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace ipmi::core::services::testing {
namespace {

std::string contentsOf(const std::filesystem::path& file)
{
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> namesIn(const std::filesystem::path& dir)
{
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST_F(ServicesTest, ADurableFileAppearsWholeAndAloneOverTheOldOne)
{
    const auto file = tempDir() / "reported-panics";
    std::ofstream(file) << "old\n";
    const std::string big(100000, 'x'); // more than one write() may take
    EXPECT_EQ(writeFileDurably(file, big + "\n", 0640), std::nullopt);
    EXPECT_EQ(contentsOf(file), big + "\n");
    EXPECT_EQ(namesIn(tempDir()), std::vector<std::string>{"reported-panics"});
    struct stat st
    {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640U);
    EXPECT_EQ(writeFileDurably(file, ""), std::nullopt);
    EXPECT_EQ(contentsOf(file), "");
}

TEST_F(ServicesTest, AFailedDurableWriteKeepsTheOldFileAndLeavesNoTemporary)
{
    // A directory where the file should be: the rename fails.
    const auto file = tempDir() / "state";
    std::filesystem::create_directories(file / "inside");
    const auto error = writeFileDurably(file, "new\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("cannot write " + file.string() + " (rename of "), std::string::npos) << *error;
    EXPECT_EQ(namesIn(tempDir()), std::vector<std::string>{"state"});
    EXPECT_TRUE(std::filesystem::is_directory(file / "inside"));
    const auto missing = writeFileDurably(tempDir() / "no" / "such", "x");
    ASSERT_TRUE(missing.has_value());
    EXPECT_NE(missing->find("cannot create a temporary file beside " + (tempDir() / "no" / "such").string()),
              std::string::npos)
        << *missing;
}

TEST_F(ServicesTest, TheReportedPanicsFileIsWrittenDurably)
{
    ReportedRecords state(tempDir() / "lib" / "reported-panics");
    state.add("dmesg-efi-1:0123456789abcdef");
    EXPECT_EQ(state.save(), std::nullopt);
    EXPECT_EQ(contentsOf(state.file()), "# ipmi-cuse: pstore panic records already reported to the BMC (name:fnv1a64)\n"
                                        "dmesg-efi-1:0123456789abcdef\n");
    EXPECT_EQ(namesIn(tempDir() / "lib"), std::vector<std::string>{"reported-panics"});
}

} // namespace
} // namespace ipmi::core::services::testing
