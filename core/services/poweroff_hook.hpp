// The systemd-shutdown side of power-off, and the run-time knob it reads.
//
// runPowerOffHook() is what `ipmi-cuse shutdown-hook poweroff` calls once
// the daemon has stopped: it builds its own MessageHandler on the caller's
// loop, registers the one interface the caller made from the daemon's
// configuration (the interface ifnum_to_use names), waits for it to become
// usable, detects the method and powers off, all within a time limit, and
// returns what happened. runPowerOff() is the same over any EventLoop, with
// the caller saying how to run it (unit tests use FakeEventLoop).
//
// PowerCycleSetting is the daemon's /proc/sys/dev/ipmi/poweroff_powercycle:
// an int (non-zero = power cycle) the control socket reads and sets. Each
// set is written to a small file (default /run/ipmi-cuse/poweroff_powercycle)
// so the shutdown hook, which runs after the daemon is gone, sees the value
// the operator set; like the kernel's sysctl it does not survive a reboot
// (/run is a tmpfs) and the daemon writes its configured value at start.
#pragma once

#include "core/asio_event_loop.hpp"
#include "core/message_handler.hpp"
#include "core/services/poweroff.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::core::services {

inline constexpr const char* kDefaultPowerCycleFile = "/run/ipmi-cuse/poweroff_powercycle";

struct PowerOffHookOptions
{
    int powerCycle = 0; // poweroff_powercycle (non-zero: cycle, falling back to down)
    // Everything (registration, detection, the commands) must finish in this
    // time; the CPI1 hot-swap request over IPMB can take the default
    // retries (4 x 2 s) on its own.
    std::chrono::milliseconds timeLimit{30000};
    MessageHandlerParams handlerParams{};
};

// Runs the loop until done: `runFor(d)` must run it for at most d (or until
// something happened) and move loop.now() on.
[[nodiscard]] PowerOffOutcome runPowerOff(EventLoop& loop, const std::function<void(Clock::duration)>& runFor,
                                          std::unique_ptr<Interface> interface, const PowerOffHookOptions& options);

// The same on the daemon's Asio loop; `interface` must have been made on `loop`.
[[nodiscard]] PowerOffOutcome runPowerOffHook(AsioEventLoop& loop, std::unique_ptr<Interface> interface,
                                              const PowerOffHookOptions& options);

class PowerCycleSetting
{
  public:
    // `file` empty: not persisted (tests, or a daemon without /run).
    explicit PowerCycleSetting(int initial = 0, std::filesystem::path file = kDefaultPowerCycleFile);

    [[nodiscard]] int get() const { return value_; }
    // Sets and persists; returns an empty string, or why the file could not
    // be written (the value is set in memory regardless).
    std::string set(int value);
    // The control verb's argument: an integer as /proc's dointvec takes it.
    [[nodiscard]] static std::optional<int> parse(std::string_view text);
    // What the hook reads: the persisted value, if the file exists and holds one.
    [[nodiscard]] static std::optional<int> readPersisted(const std::filesystem::path& file);

    [[nodiscard]] const std::filesystem::path& file() const { return file_; }

  private:
    int value_;
    std::filesystem::path file_;
};

} // namespace ipmi::core::services
