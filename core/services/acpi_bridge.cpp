// acpi_ipmi: device list, selection, requests and their 5-s wait.
#include "core/services/acpi_bridge.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>

namespace ipmi::core::services {

namespace {

std::uint8_t statusFor(const ServiceResponse& rsp)
{
    if (rsp.data.size() > kAcpiIpmiMaxMsgLength) {
        return kAcpiIpmiUnknown;
    }
    if (rsp.data.size() == 1) {
        return rsp.data[0] == abi::IPMI_TIMEOUT_COMPLETION_CODE ? kAcpiIpmiTimeout : kAcpiIpmiUnknown;
    }
    return kAcpiIpmiOk;
}

} // namespace

AcpiIpmiBridge::AcpiIpmiBridge(MessageHandler& handler) : handler_(handler)
{
    watcherId_ = handler_.addWatcher([this](int ifnum, bool added) {
        if (added) {
            interfaceAdded(ifnum);
        } else {
            interfaceGone(ifnum);
        }
    });
}

AcpiIpmiBridge::~AcpiIpmiBridge()
{
    handler_.removeWatcher(watcherId_);
    auto devices = std::move(devices_);
    selected_ = nullptr;
    for (auto& device : devices) {
        auto waiters = std::move(device->waiters);
        for (auto& [id, waiter] : waiters) {
            waiter.timer.reset();
            waiter.buffer.status = kAcpiIpmiUnknown;
            if (waiter.done) {
                waiter.done(waiter.buffer);
            }
        }
    }
}

AcpiIpmiBridge::Device* AcpiIpmiBridge::findDevice(int ifnum)
{
    for (auto& device : devices_) {
        if (device->ifnum == ifnum) {
            return device.get();
        }
    }
    return nullptr;
}

void AcpiIpmiBridge::interfaceAdded(int ifnum)
{
    const auto info = handler_.interfaceInfo(ifnum);
    if (!info || info->info.addrSource != AddrSource::Acpi || info->info.acpiPath.empty()) {
        return;
    }
    const auto& path = info->info.acpiPath;
    if (std::any_of(devices_.begin(), devices_.end(), [&path](const auto& d) { return d->acpiPath == path; })) {
        return; // that ACPI device is already served
    }
    auto device = std::make_unique<Device>();
    device->ifnum = ifnum;
    device->acpiPath = path;
    int error = 0;
    device->user = std::make_unique<ServiceUser>(handler_, ifnum, error);
    if (error != 0) {
        spdlog::warn("acpi ipmi: can't create IPMI user interface on ipmi{}: error {}", ifnum, error);
        return;
    }
    device->user->setShutdownHandler([this, ifnum] { interfaceGone(ifnum); });
    if (selected_ == nullptr) {
        selected_ = device.get();
        spdlog::info("acpi ipmi: ipmi{} ({}) selected for the IPMI operation region", ifnum, path);
    }
    devices_.push_back(std::move(device));
}

void AcpiIpmiBridge::interfaceGone(int ifnum)
{
    // The device of *this* interface goes; the kernel's "!=" would remove
    // the first other one instead.
    auto it = std::find_if(devices_.begin(), devices_.end(), [ifnum](const auto& d) { return d->ifnum == ifnum; });
    if (it == devices_.end()) {
        return;
    }
    std::shared_ptr<Device> gone(std::move(*it));
    devices_.erase(it);
    if (selected_ == gone.get()) {
        selected_ = devices_.empty() ? nullptr : devices_.front().get();
        if (selected_ != nullptr) {
            spdlog::info("acpi ipmi: ipmi{} gone, ipmi{} selected", ifnum, selected_->ifnum);
        } else {
            spdlog::info("acpi ipmi: ipmi{} gone, no ACPI IPMI interface left", ifnum);
        }
    }
    auto waiters = std::move(gone->waiters);
    gone->waiters.clear();
    // Its user may be the one telling us; free it once the loop is back on
    // top, deaf to a later shutdown should the loop never run again.
    gone->user->setShutdownHandler({});
    handler_.loop().post([gone] {});
    const auto alive = lifetime_.witness();
    for (auto& [id, waiter] : waiters) {
        waiter.timer.reset();
        waiter.buffer.status = kAcpiIpmiUnknown;
        if (waiter.done) {
            waiter.done(waiter.buffer);
        }
        if (!alive) {
            return;
        }
    }
}

int AcpiIpmiBridge::request(std::uint64_t address, const AcpiIpmiBuffer& buffer, Completion done)
{
    if (selected_ == nullptr) {
        return -ENODEV;
    }
    if (buffer.length > kAcpiIpmiMaxMsgLength) {
        spdlog::warn("acpi ipmi: unexpected request (msg len {})", buffer.length);
        return -EINVAL;
    }
    Device& device = *selected_;
    const int ifnum = device.ifnum;
    const auto netfn = static_cast<std::uint8_t>((address >> 8) & 0xFF);
    const auto cmd = static_cast<std::uint8_t>(address & 0xFF);
    const long id = device.nextId++;
    device.waiters.emplace(id, Waiter{buffer, std::move(done), handler_.loop().makeTimer()});

    RequestOptions options;
    options.retries = 0;
    options.retryTimeMs = static_cast<unsigned>(kAcpiIpmiWait.count());
    const auto alive = lifetime_.witness();
    const int rv = device.user->sendSi(
        netfn, cmd, std::span(buffer.data.data(), buffer.length), options,
        lifetime_.guard([this, ifnum, id](const ServiceResponse& rsp) { complete(ifnum, id, statusFor(rsp), &rsp); }));
    if (!alive) {
        return rv;
    }
    Device* still = findDevice(ifnum);
    if (still == nullptr) {
        return rv; // went away re-entrantly; its waiters were released
    }
    auto it = still->waiters.find(id);
    if (rv != 0) {
        if (it != still->waiters.end()) {
            still->waiters.erase(it);
        }
        return rv;
    }
    if (it != still->waiters.end()) {
        it->second.timer->start(kAcpiIpmiWait,
                                lifetime_.guard([this, ifnum, id] { complete(ifnum, id, kAcpiIpmiUnknown, nullptr); }));
    }
    return 0;
}

void AcpiIpmiBridge::complete(int ifnum, long id, std::uint8_t status, const ServiceResponse* response)
{
    Device* device = findDevice(ifnum);
    if (device == nullptr) {
        return;
    }
    auto it = device->waiters.find(id);
    if (it == device->waiters.end()) {
        return; // already answered (the wait ran out, or the reply came first)
    }
    Waiter waiter = std::move(it->second);
    device->waiters.erase(it);
    waiter.timer.reset();
    waiter.buffer.status = status;
    if (status == kAcpiIpmiOk && response != nullptr) {
        waiter.buffer.length = static_cast<std::uint8_t>(response->data.size());
        std::copy(response->data.begin(), response->data.end(), waiter.buffer.data.begin());
    }
    if (waiter.done) {
        waiter.done(waiter.buffer);
    }
}

std::optional<int> AcpiIpmiBridge::selectedInterface() const
{
    if (selected_ == nullptr) {
        return std::nullopt;
    }
    return selected_->ifnum;
}

std::vector<int> AcpiIpmiBridge::devices() const
{
    std::vector<int> out;
    for (const auto& device : devices_) {
        out.push_back(device->ifnum);
    }
    return out;
}

std::size_t AcpiIpmiBridge::waiting() const
{
    std::size_t n = 0;
    for (const auto& device : devices_) {
        n += device->waiters.size();
    }
    return n;
}

} // namespace ipmi::core::services
