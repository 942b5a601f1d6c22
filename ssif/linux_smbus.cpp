// LinuxSmbus: /dev/i2c-N through libi2c (see linux_smbus.hpp).
#include "ssif/linux_smbus.hpp"

#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <sys/ioctl.h>
#include <unistd.h>

extern "C" {
#include <i2c/smbus.h>
}

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace ipmi::ssif {

std::variant<std::unique_ptr<LinuxSmbus>, std::string> LinuxSmbus::open(const std::string& devicePath,
                                                                        std::uint8_t address)
{
    if (address < 0x03 || address > 0x77) {
        return fmt::format("SSIF address 0x{:02x} is not a 7-bit SMBus device address (0x03..0x77)", address);
    }
    const int fd = ::open(devicePath.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return fmt::format("cannot open {}: {}{}", devicePath, std::strerror(err),
                           err == ENOENT ? " (is the i2c-dev module loaded?)" : "");
    }
    // I2C_SLAVE, not I2C_SLAVE_FORCE: the kernel refuses (EBUSY) an address
    // a kernel driver such as ipmi_ssif has bound, and so must we.
    if (::ioctl(fd, I2C_SLAVE, static_cast<unsigned long>(address)) < 0) {
        const int err = errno;
        ::close(fd);
        return fmt::format("cannot bind address 0x{:02x} on {}: {}{}", address, devicePath, std::strerror(err),
                           err == EBUSY ? " (a kernel driver, e.g. ipmi_ssif, owns it)" : "");
    }
    return std::unique_ptr<LinuxSmbus>(new LinuxSmbus(fd, devicePath, address));
}

LinuxSmbus::LinuxSmbus(int fd, std::string devicePath, std::uint8_t address)
    : fd_(fd), devicePath_(std::move(devicePath)), address_(address)
{
}

LinuxSmbus::~LinuxSmbus()
{
    ::close(fd_);
}

int LinuxSmbus::writeBlock(std::uint8_t command, std::span<const std::uint8_t> data)
{
    if (data.size() > kSmbusBlockMax) {
        return EMSGSIZE;
    }
    const __s32 rc = i2c_smbus_write_block_data(fd_, command, static_cast<__u8>(data.size()), data.data());
    return rc < 0 ? -rc : 0;
}

int LinuxSmbus::readBlock(std::uint8_t command, Bytes& out)
{
    std::array<__u8, I2C_SMBUS_BLOCK_MAX> buffer{};
    const __s32 rc = i2c_smbus_read_block_data(fd_, command, buffer.data());
    if (rc < 0) {
        return -rc;
    }
    out.assign(buffer.begin(), buffer.begin() + std::min<__s32>(rc, I2C_SMBUS_BLOCK_MAX));
    return 0;
}

int LinuxSmbus::setPec(bool enabled)
{
    if (::ioctl(fd_, I2C_PEC, static_cast<unsigned long>(enabled ? 1 : 0)) < 0) {
        return errno;
    }
    return 0;
}

std::string LinuxSmbus::describe() const
{
    return fmt::format("{} 0x{:02x}", devicePath_, address_);
}

} // namespace ipmi::ssif
