// A scratch directory for tests that point /dev, /sys, /dev/cuse or a
// control socket somewhere harmless (the CUSE glue, the running daemon);
// removed with everything in it.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ipmi::cuse::testing {

class TempDir
{
  public:
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "cuse-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) != nullptr ? std::filesystem::path(pattern) : std::filesystem::path();
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

    // Writes `text` to path()/relative, creating the directories on the way.
    void write(const std::string& relative, const std::string& text) const
    {
        const auto file = path_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << text;
    }

    // Fakes what CUSE adds on registration: class/cuse/NAME/dev under a sysfs root.
    void writeCuseDev(const std::string& name, const std::string& text) const
    {
        write("class/cuse/" + name + "/dev", text);
    }

  private:
    std::filesystem::path path_;
};

} // namespace ipmi::cuse::testing
