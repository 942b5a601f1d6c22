// The watchdog's CUSE character device: one libfuse CUSE session whose
// /dev/cuse fd is watched by the Asio io_context (never fuse_session_loop),
// moving bytes between the kernel and WatchdogDevice. Replies to ioctl,
// write, read and release are sent when the device completes them, so a
// caller waits for the BMC while the loop keeps running.
//
// The device gets a dynamic major (never misc 10:130) and the configured
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

#include "watchdog_dev/watchdog_device.hpp"

// Boost 1.74's scheduler and epoll reactor trip GCC's -Wnull-dereference
// inside Boost itself; the pragma must precede the first inclusion.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#pragma GCC diagnostic pop

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct fuse_session;
struct fuse_pollhandle;
struct cuse_lowlevel_ops;

namespace ipmi::watchdog {

struct CuseWatchdogOptions
{
    std::string name = "watchdog"; // DEVNAME: /dev/NAME, /sys/class/cuse/NAME
    std::filesystem::path cuseDevice = "/dev/cuse";
    std::filesystem::path devRoot = "/dev";
    std::filesystem::path sysRoot = "/sys";
};

// nullopt, or why `name` cannot be a device name (empty, '/', "..", ...).
[[nodiscard]] std::optional<std::string> checkDeviceName(std::string_view name);

struct DeviceNumber
{
    unsigned major = 0;
    unsigned minor = 0;
    friend bool operator==(const DeviceNumber&, const DeviceNumber&) = default;
};
// Parses a sysfs "dev" attribute ("247:0\n").
[[nodiscard]] std::optional<DeviceNumber> parseDeviceNumber(std::string_view text);
// Reads SYSROOT/class/cuse/NAME/dev.
[[nodiscard]] std::optional<DeviceNumber> readCuseDeviceNumber(const std::filesystem::path& sysRoot,
                                                               std::string_view name);

class CuseWatchdog
{
  public:
    CuseWatchdog(boost::asio::io_context& io, WatchdogDevice& device, CuseWatchdogOptions options);
    ~CuseWatchdog();
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
    struct Request;
    static const ::cuse_lowlevel_ops& operations();
    static CuseWatchdog& self(void* userdata);

    void waitReadable();
    void drain();
    void initDone();
    void notifyPoll();

    // The CUSE callbacks (static trampolines in the .cpp call these).
    friend struct CuseCallbacks;

    boost::asio::io_context& io_;
    WatchdogDevice& device_;
    CuseWatchdogOptions options_;
    fuse_session* session_ = nullptr;
    boost::asio::posix::stream_descriptor watch_;
    std::function<void(int)> onReady_;
    std::optional<DeviceNumber> number_;
    fuse_pollhandle* pollHandle_ = nullptr;
    std::shared_ptr<bool> alive_;
    std::map<std::uint64_t, std::unique_ptr<Request>> readers_;
};

} // namespace ipmi::watchdog
