// writeFileDurably: temporary file, fsync, rename, fsync of the directory.
#include "core/services/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace ipmi::core::services {

namespace {

std::string errnoText(int error)
{
    return std::generic_category().message(error);
}

// Writes everything; 0 or the errno.
int writeAll(int fd, std::string_view contents)
{
    while (!contents.empty()) {
        const auto n = ::write(fd, contents.data(), contents.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        contents.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

// The rename is durable only once the directory entry is.
int syncDirectory(const std::filesystem::path& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    const int error = ::fsync(fd) != 0 ? errno : 0;
    ::close(fd);
    return error;
}

} // namespace

std::optional<std::string> writeFileDurably(const std::filesystem::path& file, std::string_view contents, mode_t mode)
{
    const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    // Hidden and unique: a reader globbing the directory never takes it for
    // the file, and two writers never share one.
    const auto pattern = (dir / ("." + file.filename().string() + ".XXXXXX")).string();
    std::vector<char> temporary(pattern.begin(), pattern.end());
    temporary.push_back('\0');
    const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
    if (fd < 0) {
        return "cannot create a temporary file beside " + file.string() + ": " + errnoText(errno);
    }
    int error = writeAll(fd, contents);
    const char* step = "write";
    if (error == 0 && ::fchmod(fd, mode) != 0) {
        error = errno;
        step = "chmod";
    }
    if (error == 0 && ::fsync(fd) != 0) {
        error = errno;
        step = "fsync";
    }
    if (::close(fd) != 0 && error == 0) {
        error = errno;
        step = "close";
    }
    if (error == 0 && ::rename(temporary.data(), file.c_str()) != 0) {
        error = errno;
        step = "rename";
    }
    if (error != 0) {
        ::unlink(temporary.data());
        return std::string("cannot write ") + file.string() + " (" + step + " of " + temporary.data() +
               "): " + errnoText(error);
    }
    if (const int dirError = syncDirectory(dir); dirError != 0) {
        return "wrote " + file.string() + " but cannot fsync its directory " + dir.string() + ": " +
               errnoText(dirError);
    }
    return std::nullopt;
}

} // namespace ipmi::core::services
