// The watchdog's CUSE character device: the Linux watchdog API's file
// operations on the shared CUSE session of cuse/cuse_session.hpp (the
// /dev/cuse fd watched by the Asio io_context, never fuse_session_loop),
// moving bytes between the kernel and WatchdogDevice. Replies to ioctl,
// write, read and release are sent when the device completes them, so a
// caller waits for the BMC while the loop keeps running.
//
// The device gets a dynamic major (never misc 10:130) or the configured
// fixed number, and the configured
// name ("watchdog" by default, or e.g. "watchdog0"); the node appears as
// /dev/NAME through devtmpfs/udev and /sys/class/cuse/NAME/dev.
//
// Unrestricted ioctls (CUSE_UNRESTRICTED_IOCTL): WDIOC_SETOPTIONS is
// declared _IOR but reads an int, so the restricted mode would copy the
// wrong way. planIoctl() (ioctl_codec.hpp) decides each step.
//
// Known departure: a read blocked waiting for a pre-timeout that a signal
// interrupts fails with EINTR; the kernel returns ERESTARTSYS, so with
// SA_RESTART handlers the caller's read restarts there.
#pragma once

// First: it includes Asio under the pragma that Boost 1.74 needs.
#include "cuse/cuse_session.hpp"
#include "cuse/device_node.hpp"
#include "watchdog_dev/watchdog_device.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::watchdog {

struct CuseWatchdogOptions
{
    std::string name = "watchdog"; // DEVNAME: /dev/NAME, /sys/class/cuse/NAME
    std::filesystem::path cuseDevice = "/dev/cuse";
    std::filesystem::path devRoot = "/dev";
    std::filesystem::path sysRoot = "/sys";
    // How long to wait for /sys/class/cuse/NAME/dev after CUSE_INIT.
    std::chrono::milliseconds registrationTimeout{2000};
    // major:minor to register with; nullopt: a dynamic major (never misc 10:130).
    std::optional<cuse::DeviceNumber> fixedNumber;
    // Given to the node once registered: root 0600 by default, as the
    // kernel's /dev/watchdog (whoever may open it can reboot the machine).
    cuse::NodeOwnership ownership;
};

// nullopt, or why `name` cannot be a device name (empty, '/', "..", ...).
[[nodiscard]] std::optional<std::string> checkDeviceName(std::string_view name);

// The sysfs device number ("247:0\n") and its parser are CUSE's, shared.
using DeviceNumber = cuse::DeviceNumber;
using cuse::parseDeviceNumber;
// Reads SYSROOT/class/cuse/NAME/dev.
[[nodiscard]] inline std::optional<DeviceNumber> readCuseDeviceNumber(const std::filesystem::path& sysRoot,
                                                                      std::string_view name)
{
    return cuse::readDeviceNumber(sysRoot, name);
}

class CuseWatchdog : private cuse::CuseRequestHandler
{
  public:
    CuseWatchdog(boost::asio::io_context& io, WatchdogDevice& device, CuseWatchdogOptions options);
    ~CuseWatchdog() override;
    CuseWatchdog(const CuseWatchdog&) = delete;
    CuseWatchdog& operator=(const CuseWatchdog&) = delete;

    // Opens /dev/cuse and starts serving. Returns -errno (with a logged
    // reason) if that fails at once; otherwise onReady(0) runs once the
    // kernel has created the device and its sysfs number was verified, or
    // onReady(-errno) if it could not be.
    [[nodiscard]] int start(std::function<void(int result)> onReady);
    // Removes the device (closing the session's fd). Pending requests are
    // abandoned to the kernel, which fails them when the fd closes.
    void stop();
    [[nodiscard]] std::optional<DeviceNumber> deviceNumber() const { return number_; }

  private:
    // One deferred read: what the interrupt callback needs to find it again.
    struct Request
    {
        CuseWatchdog* owner;
        std::uint64_t ticket;
    };

    // cuse::CuseRequestHandler, on the loop thread.
    void open(fuse_req* req, fuse_file_info* fi) override;
    void release(fuse_req* req, fuse_file_info* fi) override;
    void read(fuse_req* req, std::size_t size, fuse_file_info* fi) override;
    void write(fuse_req* req, std::span<const std::uint8_t> data, fuse_file_info* fi) override;
    void ioctl(fuse_req* req, const cuse::IoctlCall& call, fuse_file_info* fi) override;
    void poll(fuse_req* req, fuse_file_info* fi, fuse_pollhandle* ph) override;
    // libfuse's interrupt callback for a waiting read.
    static void interrupted(fuse_req* req, void* data) noexcept;

    void registered(std::optional<DeviceNumber> number);
    void sessionEnded(const std::string& reason);

    WatchdogDevice& device_;
    CuseWatchdogOptions options_;
    std::function<void(int)> onReady_;
    std::optional<DeviceNumber> number_;
    cuse::PollHandle pollHandle_;
    std::map<std::uint64_t, std::unique_ptr<Request>> readers_;
    cuse::CuseSession session_; // calls back into this handler; stop() drops the rest first
};

} // namespace ipmi::watchdog
