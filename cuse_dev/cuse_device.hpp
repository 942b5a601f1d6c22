// One /dev/ipmiN as a CUSE device on the daemon's single Asio loop: the
// counterpart of ipmi_devintf.c for one interface. The session itself (the
// /dev/cuse fd on the loop, CUSE_UNRESTRICTED_IOCTL, the registration check)
// is the shared CuseSession of cuse_session.hpp; this device adds what the
// file operations of /dev/ipmiN mean.
//
// File operations: open creates a user (the OpenFile callback, normally
// MessageHandler::openFile) and answers its errno; release closes it; read and
// write fail with EINVAL as they do without file operations in the kernel;
// ioctl reaches the caller's memory in place (caller_memory.hpp) or else
// runs the retry protocol of ioctl_marshal.hpp; poll reports
// POLLIN|POLLRDNORM while the receive queue is non-empty and keeps the poll
// handle, which the file's wake-up turns into a poll notification, or holds
// the poll briefly while an answer is on its way (poll_hold.hpp).
//
// start() refuses a name the kernel's ipmi_devintf or another CUSE server
// holds. Once CUSE has registered the device (/sys/class/cuse/NAME/dev), the
// device applies the node's owner and mode, optionally creates the node in a
// private /dev, and only then reports ready. All members run on the loop
// thread.
#pragma once

#include "core/ipmi_file.hpp"
#include "cuse/device_node.hpp"
#include "cuse/kernel.hpp"
#include "cuse_dev/node_gate.hpp"
#include "cuse_dev/node_policy.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace ipmi::cuse {

struct CuseDeviceOptions
{
    std::string name;        // "ipmi0": /dev/NAME, /sys/class/cuse/NAME
    NodeOwnership ownership; // default root 0600, like the kernel
    // The node's command policy (node_policy.hpp, node_gate.hpp for the
    // ioctls). An unrestricted one (the default, full) is the kernel's node:
    // its files get no gate, unless an observer is set.
    NodePolicy policy;
    // Told of every decision of the node's gates (the audit trail); may be null.
    std::shared_ptr<NodeObserver> observer;
    std::filesystem::path cuseDevice = "/dev/cuse";
    std::filesystem::path sysfs = "/sys";
    std::filesystem::path devDir = "/dev";             // where devtmpfs puts the node
    std::optional<std::filesystem::path> createNodeIn; // --create-node DIR
    std::chrono::milliseconds registrationTimeout{2000};
    bool fuseDebug = false; // libfuse's own request trace
    // Reach ioctl callers' memory in place (caller_memory.hpp) before
    // falling back to the FUSE retry protocol.
    bool inPlaceMemory = true;
    // How long a poll() may be held for an answer on its way (poll_hold.hpp); 0: never.
    std::chrono::microseconds pollHold{10000};
    // Runs the work other threads posted to the loop (the daemon: its
    // EventLoop::runPosted), called once an ioctl's work is done and before
    // its answer goes out. With one CPU, a worker that was woken by a SEND
    // usually has the BMC's answer by then: delivered here, it is queued
    // before the caller's poll() comes, which is then answered at once, and
    // the work runs while the caches still hold what the SEND used.
    std::function<void()> runPosted;
    // major:minor to register with (daemon/device_numbers.hpp); nullopt: dynamic.
    std::optional<DeviceNumber> fixedNumber;
};

// How the device's FUSE requests were answered, for `ipmi-cuse status`.
struct CuseDeviceCounters
{
    std::uint64_t ioctlsInPlace = 0;  // answered in one round trip (caller_memory.hpp)
    std::uint64_t ioctlsByRetry = 0;  // answered through the FUSE retry protocol
    std::uint64_t pollsHeld = 0;      // polls held for an answer on its way
    std::uint64_t heldPollsReady = 0; // ... of which the answer arrived in time
    std::uint64_t opens = 0;          // files opened (refused opens not counted)
};

// What opening the device yields: the open file, or -errno for the caller.
using OpenResult = std::variant<std::unique_ptr<core::IpmiFile>, int>;
using OpenFileFn = std::function<OpenResult()>;

class CuseDevice
{
  public:
    // ready(nullopt) once the node is verified; ready(message) if it never will be.
    using ReadyFn = std::function<void(const std::optional<std::string>& error)>;
    // The kernel ended the session after it was ready (e.g. the connection
    // was aborted through /sys/fs/fuse/connections).
    using LostFn = std::function<void(const std::string& reason)>;

    CuseDevice(boost::asio::io_context& io, CuseDeviceOptions options, OpenFileFn openFile);
    ~CuseDevice();
    CuseDevice(const CuseDevice&) = delete;
    CuseDevice& operator=(const CuseDevice&) = delete;

    // Opens /dev/cuse and starts the session. Returns nothing, or the reason
    // it could not start (then neither callback is ever called).
    [[nodiscard]] std::optional<std::string> start(ReadyFn onReady, LostFn onLost);
    // Ends the session: the kernel removes the device; its open files fail
    // with ENODEV from then on. Open users are closed. Idempotent.
    void stop();

    [[nodiscard]] const std::string& name() const;
    [[nodiscard]] bool ready() const;
    [[nodiscard]] std::size_t openFiles() const;
    [[nodiscard]] const CuseDeviceCounters& counters() const;

    class Impl; // the libfuse callbacks reach it through the session's userdata

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace ipmi::cuse
