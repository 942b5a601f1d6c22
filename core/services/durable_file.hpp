// Writing a file that exists to survive a crash (the reported panic
// records, the power-cycle setting the shutdown hook reads, the CDI spec):
// the contents go to a temporary file beside it, which is fsynced, renamed
// over the file, and the directory fsynced, so after a crash or a power
// loss the file is either the old one or the new one, whole, never empty
// or half written, and no temporary file is left behind.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::core::services {

// nullopt once `file` holds `contents` durably with permissions `mode`;
// else what failed, naming the file (the old file, if any, is untouched).
// The directory must exist.
[[nodiscard]] std::optional<std::string> writeFileDurably(const std::filesystem::path& file, std::string_view contents,
                                                          mode_t mode = 0644);

} // namespace ipmi::core::services
