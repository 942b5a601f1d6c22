// SimulatedSmbus: the host end of the in-memory SSIF link (see the header).
#include "daemon/backends/simulated_smbus.hpp"

#include "sim/smbus/pec.hpp"

#include <fmt/format.h>

#include <cerrno>

namespace ipmi::daemon {

SimulatedSmbus::SimulatedSmbus(sim::smbus::SsifTarget& target) : target_(target)
{
    target_.setAlertListener([this] {
        if (target_.alert() && onAlert_) {
            onAlert_();
        }
    });
}

SimulatedSmbus::~SimulatedSmbus()
{
    target_.setAlertListener({});
}

int SimulatedSmbus::writeBlock(std::uint8_t command, std::span<const std::uint8_t> data)
{
    if (data.size() > ssif::kSmbusBlockMax) {
        return EMSGSIZE;
    }
    ++writes_;
    std::optional<std::uint8_t> pec;
    if (pec_) {
        pec = sim::smbus::blockWritePec(target_.config().address, command, data);
    }
    return target_.blockWrite(command, data, pec) ? 0 : EAGAIN;
}

int SimulatedSmbus::readBlock(std::uint8_t command, ssif::Bytes& out)
{
    ++reads_;
    auto block = target_.blockRead(command);
    if (!block) {
        return EAGAIN;
    }
    if (block->data.size() > ssif::kSmbusBlockMax) {
        return EPROTO; // the kernel refuses a count byte over 32 the same way
    }
    if (pec_ && block->pec != sim::smbus::blockReadPec(target_.config().address, command, block->data)) {
        return EBADMSG;
    }
    out = std::move(block->data);
    return 0;
}

int SimulatedSmbus::setPec(bool enabled)
{
    pec_ = enabled;
    return 0;
}

void SimulatedSmbus::setAlertHandler(std::function<void()> onAlert)
{
    onAlert_ = std::move(onAlert);
}

std::string SimulatedSmbus::describe() const
{
    return fmt::format("sim 0x{:02x}", target_.config().address);
}

} // namespace ipmi::daemon
