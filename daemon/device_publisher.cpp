// The CUSE publisher: see device_publisher.hpp.
#include "daemon/device_publisher.hpp"

#include "daemon/device_numbers.hpp"

#include <boost/asio/io_context.hpp>

#include <algorithm>

namespace ipmi::daemon {

namespace {

class CusePublishedDevice final : public PublishedDevice
{
  public:
    CusePublishedDevice(boost::asio::io_context& io, cuse::CuseDeviceOptions options, cuse::OpenFileFn openFile)
        : path_(options.devDir / options.name), sysfs_(options.sysfs), ownership_(options.ownership),
          device_(io, std::move(options), std::move(openFile))
    {
    }

    std::optional<std::string> start(ReadyFn onReady, LostFn onLost) override
    {
        return device_.start(std::move(onReady), std::move(onLost));
    }
    void stop() override { device_.stop(); }
    [[nodiscard]] bool ready() const override { return device_.ready(); }
    [[nodiscard]] const std::string& name() const override { return device_.name(); }
    [[nodiscard]] cuse::CuseDeviceCounters counters() const override { return device_.counters(); }
    // The number as the kernel registered it: dynamic or fixed, sysfs has it.
    [[nodiscard]] std::optional<cdi::PublishedNode> node() const override
    {
        const auto number = device_.ready() ? cuse::readDeviceNumber(sysfs_, device_.name()) : std::nullopt;
        if (!number) {
            return std::nullopt;
        }
        return cdi::PublishedNode{device_.name(),  path_,          number->major, number->minor,
                                  ownership_.mode, ownership_.uid, ownership_.gid};
    }

  private:
    std::filesystem::path path_;
    std::filesystem::path sysfs_;
    cuse::NodeOwnership ownership_;
    cuse::CuseDevice device_;
};

} // namespace

DeviceFactory cuseDeviceFactory(AsioEventLoop& loop, const Config& config)
{
    cuse::CuseDeviceOptions base;
    base.cuseDevice = config.device.cuseDevice;
    base.sysfs = config.daemon.sysroot + "/sys";
    base.createNodeIn = config.device.createNodeIn;
    const auto& debug = config.daemon.debug;
    base.fuseDebug = std::find(debug.begin(), debug.end(), "fuse") != debug.end();
    base.inPlaceMemory = config.device.inPlaceMemory;
    base.pollHold = config.device.pollHold;
    base.runPosted = [&loop] { loop.runPosted(); };
    return [&loop, base, device = config.device](const NodeSpec& spec,
                                                 cuse::OpenFileFn openFile) -> std::unique_ptr<PublishedDevice> {
        auto options = base;
        options.name = spec.name;
        options.ownership = spec.ownership;
        options.policy = spec.policy;
        options.observer = spec.observer;
        options.fixedNumber = nodeNumber(device, spec.ifnum, spec.index);
        return std::make_unique<CusePublishedDevice>(loop.context(), std::move(options), std::move(openFile));
    };
}

} // namespace ipmi::daemon
