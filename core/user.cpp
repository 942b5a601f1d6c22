// The in-process user handle: each call goes to the user's interface while
// it exists; once the interface is removed every call answers -ENODEV, the
// kernel's acquire_ipmi_user failure.
#include "core/interface_state.hpp"

#include <cerrno>

namespace ipmi::core {

User::User(std::shared_ptr<detail::UserState> state) : state_(std::move(state))
{
}

User::~User()
{
    if (state_->intf != nullptr) {
        state_->intf->destroyUser(*state_);
    }
}

int User::ifnum() const
{
    return state_->ifnum;
}

bool User::valid() const
{
    return state_->intf != nullptr;
}

int User::request(const abi::ipmi_addr& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd,
                  std::span<const std::uint8_t> data, const RequestOptions& options)
{
    const auto checked = checkAddress(addr, sizeof(abi::ipmi_addr));
    if (!checked) {
        return -EINVAL;
    }
    return request(*checked, msgid, netfn, cmd, data, options);
}

int User::request(const CheckedAddress& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd,
                  std::span<const std::uint8_t> data, const RequestOptions& options)
{
    return request(addr, msgid, netfn, cmd, RequestBody::copyOf(data), options);
}

int User::request(const CheckedAddress& addr, long msgid, std::uint8_t netfn, std::uint8_t cmd, RequestBody body,
                  const RequestOptions& options)
{
    if (state_->intf == nullptr) {
        return -ENODEV;
    }
    return state_->intf->request(state_, addr.get(), msgid, netfn, cmd, std::move(body), options);
}

int User::setGetsEvents(bool on)
{
    return state_->intf != nullptr ? state_->intf->setGetsEvents(state_, on) : -ENODEV;
}

int User::setMyAddress(unsigned channel, std::uint8_t address)
{
    return state_->intf != nullptr ? state_->intf->setMyAddress(channel, address) : -ENODEV;
}

int User::getMyAddress(unsigned channel, std::uint8_t& address) const
{
    return state_->intf != nullptr ? state_->intf->getMyAddress(channel, address) : -ENODEV;
}

int User::setMyLun(unsigned channel, std::uint8_t lun)
{
    return state_->intf != nullptr ? state_->intf->setMyLun(channel, lun) : -ENODEV;
}

int User::getMyLun(unsigned channel, std::uint8_t& lun) const
{
    return state_->intf != nullptr ? state_->intf->getMyLun(channel, lun) : -ENODEV;
}

int User::registerForCmd(std::uint8_t netfn, std::uint8_t cmd, unsigned chans)
{
    return state_->intf != nullptr ? state_->intf->registerForCmd(state_, netfn, cmd, chans) : -ENODEV;
}

int User::unregisterForCmd(std::uint8_t netfn, std::uint8_t cmd, unsigned chans)
{
    return state_->intf != nullptr ? state_->intf->unregisterForCmd(state_, netfn, cmd, chans) : -ENODEV;
}

int User::maintenanceMode() const
{
    return state_->intf != nullptr ? state_->intf->maintenanceMode() : -ENODEV;
}

int User::setMaintenanceMode(int mode)
{
    return state_->intf != nullptr ? state_->intf->setMaintenanceMode(mode) : -ENODEV;
}

int User::chargedMessages() const
{
    return *state_->nrMsgs;
}

} // namespace ipmi::core
