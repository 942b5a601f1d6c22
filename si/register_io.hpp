// Register access for the SI state machines: "read or write the byte at
// register n". The state machines see only this; where register n lives
// (an I/O port, a memory-mapped address, a simulated register model) and
// how it is laid out (the kernel's regspacing, regsize and regshift) is
// applied here, below them, as the kernel's ipmi_si_port_io.c and
// ipmi_si_mem_io.c do.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace ipmi::si {

class RegisterIo
{
  public:
    virtual ~RegisterIo() = default;
    [[nodiscard]] virtual std::uint8_t read(unsigned index) = 0;
    virtual void write(unsigned index, std::uint8_t value) = 0;
    // "i/o 0xca2 spacing 1", "mem 0xfed40000 spacing 4 size 4", "sim kcs".
    [[nodiscard]] virtual std::string describe() const = 0;
};

// The kernel's regspacing / regsize / regshift.
struct RegisterLayout
{
    unsigned spacing = 1; // bytes between registers
    unsigned size = 1;    // access width: 1, 2, 4 or 8 bytes
    unsigned shift = 0;   // bit position of the register's byte in the access
};

// nullopt if the layout is usable, else what is wrong with it.
[[nodiscard]] std::optional<std::string> validateLayout(const RegisterLayout& layout);

// Raw accesses of 1, 2, 4 or 8 bytes at a byte offset from a base.
class RawBus
{
  public:
    virtual ~RawBus() = default;
    [[nodiscard]] virtual std::uint64_t readRaw(std::uint64_t offset, unsigned size) = 0;
    virtual void writeRaw(std::uint64_t offset, unsigned size, std::uint64_t value) = 0;
    [[nodiscard]] virtual std::string describe() const = 0;
};

// RegisterIo over a RawBus: register n is the `size`-byte access at
// n * spacing, its byte at bit `shift`.
class LayoutRegisterIo : public RegisterIo
{
  public:
    LayoutRegisterIo(std::unique_ptr<RawBus> bus, RegisterLayout layout);
    [[nodiscard]] std::uint8_t read(unsigned index) override;
    void write(unsigned index, std::uint8_t value) override;
    [[nodiscard]] std::string describe() const override;

  private:
    std::unique_ptr<RawBus> bus_;
    RegisterLayout layout_;
};

// A RegisterIo or the reason there is none.
using RegisterIoResult = std::variant<std::unique_ptr<RegisterIo>, std::string>;

} // namespace ipmi::si
