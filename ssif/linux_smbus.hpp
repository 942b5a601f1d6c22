// The SMBus seam on Linux hardware: one /dev/i2c-N file bound to the BMC's
// 7-bit address with I2C_SLAVE, transfers through libi2c, PEC through the
// I2C_PEC ioctl (the adapter or the kernel's emulation adds and checks it).
// Every call may sleep: SsifInterface runs them on its worker thread.
#pragma once

#include "ssif/smbus.hpp"

#include <memory>
#include <string>
#include <variant>

namespace ipmi::ssif {

class LinuxSmbus : public Smbus
{
  public:
    // Opens `devicePath` and binds `address`; on failure a message naming
    // the device, the address and the errno.
    static std::variant<std::unique_ptr<LinuxSmbus>, std::string> open(const std::string& devicePath,
                                                                       std::uint8_t address);
    ~LinuxSmbus() override;
    LinuxSmbus(const LinuxSmbus&) = delete;
    LinuxSmbus& operator=(const LinuxSmbus&) = delete;

    [[nodiscard]] int writeBlock(std::uint8_t command, std::span<const std::uint8_t> data) override;
    [[nodiscard]] int readBlock(std::uint8_t command, Bytes& out) override;
    [[nodiscard]] int setPec(bool enabled) override;
    [[nodiscard]] bool blocking() const override { return true; }
    [[nodiscard]] std::string describe() const override;

  private:
    LinuxSmbus(int fd, std::string devicePath, std::uint8_t address);

    int fd_;
    std::string devicePath_;
    std::uint8_t address_;
};

} // namespace ipmi::ssif
