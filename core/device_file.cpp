// ioctl dispatch of one open /dev/ipmiN (ipmi_ioctl / compat_ipmi_ioctl of
// ipmi_devintf.c) and the small ioctls: events on/off, command
// registrations, my address/LUN (channel 0 or per channel), timing
// parameters and maintenance mode. Each copies its argument in first
// (a failed copy aborts with nothing changed), then calls the user API.
#include "core/device_file.hpp"

#include "abi/ipmi_compat.hpp"

#include <algorithm>
#include <cerrno>

namespace ipmi::core {

using namespace ipmi::abi;

Result<DeviceFile> openDeviceFile(MessageHandler& handler, int ifnum)
{
    auto file = std::make_unique<DeviceFile>();
    auto user = handler.createUser(ifnum, *file);
    if (!user) {
        return Result<DeviceFile>{nullptr, user.error};
    }
    file->attach(std::move(user.value));
    return Result<DeviceFile>{std::move(file), 0};
}

DeviceFile::~DeviceFile()
{
    // ipmi_release: the user goes first (its outstanding requests and
    // registrations with it), then the unread messages.
    user_.reset();
    queue_.clear();
}

std::optional<ReceivePeek> DeviceFile::peekReceive() const
{
    if (queue_.empty()) {
        return std::nullopt;
    }
    const auto& head = queue_.front();
    return ReceivePeek{ipmi_addr_length(head.addr.addr_type), static_cast<unsigned int>(head.data.size())};
}

bool DeviceFile::awaitingAnswers() const
{
    if (!user_) {
        return false;
    }
    // The user's charge counts outstanding requests plus the charged
    // messages still queued here.
    const auto queuedCharged =
        std::count_if(queue_.begin(), queue_.end(), [](const ReceivedMessage& m) { return m.charge.charged(); });
    return user_->chargedMessages() > queuedCharged;
}

void DeviceFile::onMessage(ReceivedMessage msg)
{
    const bool wasEmpty = queue_.empty();
    queue_.push_back(std::move(msg));
    if (gate_ &&
        (queue_.back().recvType == IPMI_RESPONSE_RECV_TYPE || queue_.back().recvType == IPMI_RESPONSE_RESPONSE_TYPE)) {
        gate_->answered(queue_.back());
    }
    if (wasEmpty && wakeup_) {
        wakeup_();
    }
}

IoctlResult DeviceFile::ioctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem, bool compat32)
{
    // Only the four pointer-carrying ioctls differ in compat mode; everything
    // else (native numbers included) goes to the native handler.
    const auto shape = ipmiIoctlShape(cmd, compat32);
    if (!shape) {
        return -ENOTTY;
    }
    if (shape->kind == IoctlKind::Send) {
        return sendIoctl(arg, mem, *shape);
    }
    if (shape->kind == IoctlKind::Receive) {
        return receiveIoctl(arg, mem, *shape);
    }
    switch (cmd) {
    case IPMICTL_REGISTER_FOR_CMD:
    case IPMICTL_UNREGISTER_FOR_CMD:
    case IPMICTL_REGISTER_FOR_CMD_CHANS:
    case IPMICTL_UNREGISTER_FOR_CMD_CHANS:
        return commandIoctl(cmd, arg, mem);
    case IPMICTL_SET_GETS_EVENTS_CMD:
    case IPMICTL_SET_MY_ADDRESS_CMD:
    case IPMICTL_GET_MY_ADDRESS_CMD:
    case IPMICTL_SET_MY_LUN_CMD:
    case IPMICTL_GET_MY_LUN_CMD:
    case IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD:
    case IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD:
    case IPMICTL_SET_MY_CHANNEL_LUN_CMD:
    case IPMICTL_GET_MY_CHANNEL_LUN_CMD:
    case IPMICTL_SET_TIMING_PARMS_CMD:
    case IPMICTL_GET_TIMING_PARMS_CMD:
    case IPMICTL_GET_MAINTENANCE_MODE_CMD:
    case IPMICTL_SET_MAINTENANCE_MODE_CMD:
        return addressIoctl(cmd, arg, mem);
    default:
        return -ENOTTY;
    }
}

IoctlResult DeviceFile::commandIoctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem)
{
    std::uint8_t netfn = 0;
    std::uint8_t command = 0;
    unsigned chans = 0;
    const bool registering = cmd == IPMICTL_REGISTER_FOR_CMD || cmd == IPMICTL_REGISTER_FOR_CMD_CHANS;
    if (registering && gate_) {
        // Before the argument is read: a refused file learns nothing from it.
        if (const int rv = gate_->judgeSharedChange(cmd); rv != 0) {
            return rv;
        }
    }
    if (cmd == IPMICTL_REGISTER_FOR_CMD || cmd == IPMICTL_UNREGISTER_FOR_CMD) {
        ipmi_cmdspec spec{};
        if (const Copy rv = mem.copyFromUser(&spec, arg, sizeof(spec)); rv != Copy::Done) {
            return rv;
        }
        netfn = spec.netfn;
        command = spec.cmd;
        chans = static_cast<unsigned>(IPMI_CHAN_ALL);
    } else {
        ipmi_cmdspec_chans spec{};
        if (const Copy rv = mem.copyFromUser(&spec, arg, sizeof(spec)); rv != Copy::Done) {
            return rv;
        }
        // u32 netfn/cmd are cut to the 8 bits the message handler takes.
        netfn = static_cast<std::uint8_t>(spec.netfn);
        command = static_cast<std::uint8_t>(spec.cmd);
        chans = spec.chans;
    }
    if (registering) {
        return user_->registerForCmd(netfn, command, chans);
    }
    return user_->unregisterForCmd(netfn, command, chans);
}

IoctlResult DeviceFile::addressIoctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem)
{
    switch (cmd) {
    case IPMICTL_SET_GETS_EVENTS_CMD: {
        int val = 0;
        if (const Copy rv = mem.copyFromUser(&val, arg, sizeof(val)); rv != Copy::Done) {
            return rv;
        }
        return user_->setGetsEvents(val != 0);
    }
    case IPMICTL_SET_MY_ADDRESS_CMD:
    case IPMICTL_SET_MY_LUN_CMD: {
        unsigned int val = 0;
        if (const Copy rv = mem.copyFromUser(&val, arg, sizeof(val)); rv != Copy::Done) {
            return rv;
        }
        const bool lun = cmd == IPMICTL_SET_MY_LUN_CMD;
        const auto value = static_cast<std::uint8_t>(lun ? val & 0x03 : val);
        if (const int rv = judgeAddressing(cmd, 0, value, lun); rv != 0) {
            return rv;
        }
        return lun ? user_->setMyLun(0, value) : user_->setMyAddress(0, value);
    }
    case IPMICTL_GET_MY_ADDRESS_CMD:
    case IPMICTL_GET_MY_LUN_CMD: {
        std::uint8_t value = 0;
        const int rv = cmd == IPMICTL_GET_MY_ADDRESS_CMD ? user_->getMyAddress(0, value) : user_->getMyLun(0, value);
        if (rv != 0) {
            return rv;
        }
        const unsigned int val = value;
        return mem.copyToUser(arg, &val, sizeof(val));
    }
    case IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD:
    case IPMICTL_SET_MY_CHANNEL_LUN_CMD: {
        ipmi_channel_lun_address_set val{};
        if (const Copy rv = mem.copyFromUser(&val, arg, sizeof(val)); rv != Copy::Done) {
            return rv;
        }
        const bool lun = cmd == IPMICTL_SET_MY_CHANNEL_LUN_CMD;
        if (const int rv = judgeAddressing(cmd, val.channel, val.value, lun); rv != 0) {
            return rv;
        }
        return lun ? user_->setMyLun(val.channel, val.value) : user_->setMyAddress(val.channel, val.value);
    }
    case IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD:
    case IPMICTL_GET_MY_CHANNEL_LUN_CMD: {
        ipmi_channel_lun_address_set val{};
        if (const Copy rv = mem.copyFromUser(&val, arg, sizeof(val)); rv != Copy::Done) {
            return rv;
        }
        const int rv = cmd == IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD ? user_->getMyAddress(val.channel, val.value)
                                                                 : user_->getMyLun(val.channel, val.value);
        if (rv != 0) {
            return rv;
        }
        return mem.copyToUser(arg, &val, sizeof(val));
    }
    case IPMICTL_SET_TIMING_PARMS_CMD: {
        ipmi_timing_parms parms{};
        if (const Copy rv = mem.copyFromUser(&parms, arg, sizeof(parms)); rv != Copy::Done) {
            return rv;
        }
        // Stored unvalidated; used by SEND_COMMAND on this file only.
        defaultRetries_ = parms.retries;
        defaultRetryTimeMs_ = parms.retry_time_ms;
        return 0;
    }
    case IPMICTL_GET_TIMING_PARMS_CMD: {
        const ipmi_timing_parms parms{defaultRetries_, defaultRetryTimeMs_};
        return mem.copyToUser(arg, &parms, sizeof(parms));
    }
    case IPMICTL_GET_MAINTENANCE_MODE_CMD: {
        // The configured mode; a dead user yields -ENODEV as the *value*,
        // as ipmi_get_maintenance_mode's result is copied out unchecked.
        const int mode = user_->maintenanceMode();
        return mem.copyToUser(arg, &mode, sizeof(mode));
    }
    case IPMICTL_SET_MAINTENANCE_MODE_CMD: {
        if (gate_) {
            if (const int rv = gate_->judgeSharedChange(cmd); rv != 0) {
                return rv;
            }
        }
        int mode = 0;
        if (const Copy rv = mem.copyFromUser(&mode, arg, sizeof(mode)); rv != Copy::Done) {
            return rv;
        }
        return user_->setMaintenanceMode(mode);
    }
    default:
        return -ENOTTY;
    }
}

int DeviceFile::judgeAddressing(std::uint32_t cmd, unsigned channel, std::uint8_t value, bool lun)
{
    if (!gate_) {
        return 0;
    }
    std::uint8_t current = 0;
    // A bad channel or a dead user: the set would fail with the same errno.
    if (const int rv = lun ? user_->getMyLun(channel, current) : user_->getMyAddress(channel, current); rv != 0) {
        return rv;
    }
    // The LUN is stored in two bits.
    const std::uint8_t wanted = lun ? static_cast<std::uint8_t>(value & 0x03) : value;
    return wanted == current ? 0 : gate_->judgeSharedChange(cmd);
}

} // namespace ipmi::core
