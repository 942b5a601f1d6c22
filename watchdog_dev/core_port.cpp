// The watchdog's IPMI user on the message handler (see core_port.hpp).
#include "watchdog_dev/core_port.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ipmi::watchdog {

CorePort::CorePort(core::MessageHandler& handler, WatchdogTimer& timer) : handler_(handler), timer_(timer)
{
}

CorePort::~CorePort()
{
    close();
}

int CorePort::open(int ifnum)
{
    if (user_) {
        return -EBUSY;
    }
    auto result = handler_.createUser(ifnum, *this);
    if (!result) {
        spdlog::critical("IPMI Watchdog: Unable to register with ipmi (interface {}): {}", ifnum,
                         std::strerror(-result.error));
        return result.error != 0 ? result.error : -ENODEV;
    }
    user_ = std::move(result.value);
    ifnum_ = ifnum;
    return 0;
}

void CorePort::close()
{
    user_.reset();
    ifnum_ = -1;
    pending_.clear();
}

int CorePort::send(std::uint8_t netfn, std::uint8_t cmd, std::span<const std::uint8_t> data, bool highPriority,
                   ResponseHandler onResponse)
{
    if (!user_) {
        return -ENODEV;
    }
    abi::ipmi_system_interface_addr si{};
    si.addr_type = abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    si.channel = abi::IPMI_BMC_CHANNEL;
    si.lun = 0;
    abi::ipmi_addr addr{};
    std::memcpy(&addr, &si, sizeof si);

    const long msgid = nextMsgid_++;
    pending_.emplace(msgid, std::move(onResponse));
    core::RequestOptions options;
    options.highPriority = highPriority;
    options.supplied = true; // never refused for max_msgs_per_user, as in the kernel
    const int rv = user_->request(addr, msgid, netfn, cmd, data, options);
    if (rv != 0) {
        pending_.erase(msgid);
    }
    return rv;
}

std::optional<IpmiVersion> CorePort::ipmiVersion() const
{
    if (ifnum_ < 0) {
        return std::nullopt;
    }
    const auto info = handler_.interfaceInfo(ifnum_);
    if (!info || !info->deviceId) {
        return std::nullopt;
    }
    // BCD, major in the low nibble (0x51 = 1.5, 0x02 = 2.0).
    const std::uint8_t bcd = info->deviceId->ipmiVersion;
    return IpmiVersion{static_cast<std::uint8_t>(bcd & 0x0FU), static_cast<std::uint8_t>(bcd >> 4)};
}

void CorePort::onMessage(core::ReceivedMessage msg)
{
    if (msg.recvType != abi::IPMI_RESPONSE_RECV_TYPE) {
        return; // the watchdog asks for no events or commands
    }
    const auto it = pending_.find(msg.msgid);
    if (it == pending_.end()) {
        return;
    }
    auto onResponse = std::move(it->second);
    pending_.erase(it);
    onResponse(msg.data);
}

void CorePort::onWatchdogPretimeout()
{
    timer_.pretimeout();
}

void CorePort::onShutdown()
{
    // The user is dead: nothing in flight will be answered. Let the timer
    // finish what waits on it now; the watcher closes the port.
    pending_.clear();
    timer_.detach();
}

CoreBinding::CoreBinding(core::MessageHandler& handler, WatchdogTimer& timer,
                         std::function<void(int ifnum, int result)> onBound)
    : handler_(handler), timer_(timer), port_(handler, timer), onBound_(std::move(onBound))
{
    watcherId_ = handler_.addWatcher([this](int ifnum, bool added) { interfaceChanged(ifnum, added); });
}

CoreBinding::~CoreBinding()
{
    handler_.removeWatcher(watcherId_);
    if (port_.isOpen()) {
        timer_.detach();
        port_.close();
    }
}

void CoreBinding::interfaceChanged(int ifnum, bool added)
{
    if (!added) {
        if (port_.isOpen() && port_.ifnum() == ifnum) {
            spdlog::warn("IPMI Watchdog: interface {} is gone; the watchdog is unbound", ifnum);
            timer_.detach();
            port_.close();
        }
        return;
    }
    const int wanted = timer_.params().ifnumToUse;
    if (port_.isOpen() || (wanted >= 0 && wanted != ifnum)) {
        return;
    }
    if (const int rv = port_.open(ifnum); rv != 0) {
        if (onBound_) {
            onBound_(ifnum, rv);
        }
        return;
    }
    spdlog::info("IPMI Watchdog: using interface {}", ifnum);
    timer_.attach(port_, [this, ifnum](int rv) {
        if (onBound_) {
            onBound_(ifnum, rv);
        }
    });
}

} // namespace ipmi::watchdog
