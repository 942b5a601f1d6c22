// The systemd-shutdown side of power-off, and the run-time knob it reads.
//
// runPowerOffHook() is what `ipmi-cuse shutdown-hook poweroff` calls once
// the daemon has stopped: core::services::runPowerOff (poweroff_run.hpp) on
// the daemon's Asio loop, with the one interface the caller made from the
// daemon's configuration (the interface ifnum_to_use names).
//
// PowerCycleSetting is the daemon's /proc/sys/dev/ipmi/poweroff_powercycle:
// an int (non-zero = power cycle) the control socket reads and sets. Each
// set is written to a small file (default /run/ipmi-cuse/poweroff_powercycle)
// so the shutdown hook, which runs after the daemon is gone, sees the value
// the operator set; like the kernel's sysctl it does not survive a reboot
// (/run is a tmpfs) and the daemon writes its configured value at start.
#pragma once

#include "core/services/poweroff_run.hpp"
#include "daemon/asio_event_loop.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::daemon {

inline constexpr const char* kDefaultPowerCycleFile = "/run/ipmi-cuse/poweroff_powercycle";

// `interface` must have been made on `loop`.
[[nodiscard]] core::services::PowerOffOutcome runPowerOffHook(AsioEventLoop& loop,
                                                              std::unique_ptr<core::Interface> interface,
                                                              const core::services::PowerOffHookOptions& options);

class PowerCycleSetting
{
  public:
    // `file` empty: not persisted (tests, or a daemon without /run).
    explicit PowerCycleSetting(int initial = 0, std::filesystem::path file = kDefaultPowerCycleFile);

    // Why the value could not be persisted.
    struct PersistError
    {
        std::string message; // for the operator: names the file and the cause
    };

    [[nodiscard]] int get() const { return value_; }
    // Sets (in memory whatever happens) and persists: nullopt, or why the
    // file could not be written.
    [[nodiscard]] std::optional<PersistError> set(int value);
    // The control verb's argument: an integer as /proc's dointvec takes it.
    [[nodiscard]] static std::optional<int> parse(std::string_view text);
    // What the hook reads: the persisted value, if the file exists and holds one.
    [[nodiscard]] static std::optional<int> readPersisted(const std::filesystem::path& file);

    [[nodiscard]] const std::filesystem::path& file() const { return file_; }

  private:
    int value_;
    std::filesystem::path file_;
};

} // namespace ipmi::daemon
