// The daemon's log lines on stderr: with JOURNAL_STREAM naming stderr's
// device and inode (what systemd sets for a unit whose output goes to the
// journal) every line starts with its syslog priority; without it, or when
// it names another file (a child whose stderr was redirected), plain text.
// stderr is a file here, read back after each run.
#include "daemon/logging.hpp"
#include "tests/unit/temp_dir.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using ipmi::daemon::setupLogging;
using ipmi::daemon::subsystemLog;

class JournalPriorities : public ::testing::Test
{
  protected:
    void TearDown() override
    {
        ::unsetenv("JOURNAL_STREAM");
        (void)setupLogging("info", {});
    }

    // Runs `body` with stderr redirected to a file; returns what it wrote.
    template <typename Body>
    std::string captureStderr(const std::string& journalStream, Body body)
    {
        const auto file = scratch_.path() / "stderr";
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        EXPECT_GE(fd, 0);
        std::fflush(stderr);
        const int saved = ::dup(STDERR_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
        if (journalStream == "stderr") {
            struct stat st
            {};
            ::fstat(STDERR_FILENO, &st);
            ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
        } else if (journalStream.empty()) {
            ::unsetenv("JOURNAL_STREAM");
        } else {
            ::setenv("JOURNAL_STREAM", journalStream.c_str(), 1);
        }
        body();
        std::fflush(stderr);
        ::dup2(saved, STDERR_FILENO);
        ::close(saved);
        std::ifstream in(file);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    static void logOneOfEach()
    {
        ASSERT_EQ(setupLogging("debug", {}), std::nullopt);
        auto log = subsystemLog("daemon");
        log->critical("the end");
        log->error("an error");
        log->warn("a warning");
        log->info("some news");
        log->debug("chatter");
        subsystemLog("si")->error("first line\nsecond line");
        log->flush();
    }

    ipmi::testing::TempDir scratch_;
};

TEST_F(JournalPriorities, EachLineCarriesItsPriorityWhenStderrIsTheJournal)
{
    const auto text = captureStderr("stderr", [] { logOneOfEach(); });
    EXPECT_EQ(text, "<2>daemon: the end\n"
                    "<3>daemon: an error\n"
                    "<4>daemon: a warning\n"
                    "<6>daemon: some news\n"
                    "<7>daemon: chatter\n"
                    "<3>si: first line\n"
                    "<3>second line\n");
}

TEST_F(JournalPriorities, PlainTextWithTimestampsWithoutTheJournal)
{
    const auto text = captureStderr("", [] { logOneOfEach(); });
    EXPECT_EQ(text.find('<'), std::string::npos) << text;
    EXPECT_NE(text.find(" error daemon: an error\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" warning daemon: a warning\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" debug daemon: chatter\n"), std::string::npos) << text;
    EXPECT_EQ(text.rfind("20", 0), 0U) << "a timestamp starts each line: " << text;
}

TEST_F(JournalPriorities, AStreamThatIsNotStderrGetsPlainText)
{
    // Inherited from a parent whose stderr was the journal, e.g. the program
    // run from a unit's script with 2>file: the variable names another file.
    struct stat st
    {};
    ASSERT_EQ(::stat("/", &st), 0);
    const auto other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    for (const auto& value : {other, std::string("garbage"), std::string("1:"), std::string(":2")}) {
        const auto text = captureStderr(value, [] { logOneOfEach(); });
        EXPECT_EQ(text.find('<'), std::string::npos) << "JOURNAL_STREAM=" << value << ": " << text;
        EXPECT_FALSE(ipmi::daemon::stderrIsJournal()) << value;
    }
}

} // namespace
