// How a usable interface becomes /dev/NAME. The program publishes each one
// as a CUSE device (cuse_dev/); tests of the daemon, which have no
// /dev/cuse, substitute their own publisher and open files directly through
// the OpenFileFn they are handed.
#pragma once

#include "cuse_dev/cuse_device.hpp"
#include "daemon/asio_event_loop.hpp"
#include "daemon/cdi_spec.hpp"
#include "daemon/config.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ipmi::daemon {

class PublishedDevice
{
  public:
    using ReadyFn = cuse::CuseDevice::ReadyFn;
    using LostFn = cuse::CuseDevice::LostFn;

    virtual ~PublishedDevice() = default;
    // Nothing, or why it could not start (then neither callback is called).
    [[nodiscard]] virtual std::optional<std::string> start(ReadyFn onReady, LostFn onLost) = 0;
    // The node goes; open files fail with ENODEV from then on. Idempotent.
    virtual void stop() = 0;
    [[nodiscard]] virtual bool ready() const = 0;
    [[nodiscard]] virtual const std::string& name() const = 0;
    // How its requests were answered; a publisher without CUSE has none.
    [[nodiscard]] virtual cuse::CuseDeviceCounters counters() const { return {}; }
    // The node as published, once ready, for the CDI spec; a publisher
    // without a real node has none.
    [[nodiscard]] virtual std::optional<cdi::PublishedNode> node() const { return std::nullopt; }
};

// One node to publish: an interface's own (index 0), or its index-th further node.
struct NodeSpec
{
    int ifnum = 0;
    unsigned index = 0;
    std::string name;
    cuse::NodeOwnership ownership;
    cuse::NodePolicy policy;
    std::shared_ptr<cuse::NodeObserver> observer; // may be null
};

// The node `spec` describes, and how to open a file on it.
using DeviceFactory = std::function<std::unique_ptr<PublishedDevice>(const NodeSpec& spec, cuse::OpenFileFn openFile)>;

// CUSE devices with the spec's owner, mode and policy, the configured CUSE
// device, sysfs root and fixed number (device_numbers.hpp), on `loop`, whose
// posted work runs before an ioctl is answered.
[[nodiscard]] DeviceFactory cuseDeviceFactory(AsioEventLoop& loop, const Config& config);

} // namespace ipmi::daemon
