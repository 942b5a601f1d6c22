// Port and memory-mapped register access. Each access is one bus cycle of the
// register's width, like the kernel's port_inb/port_inw/mem_inl...; through
// /dev/port (which only does byte cycles) a wider register is reached by
// reading the byte the shift selects.
#include "si/register_io_hw.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ipmi::si {

namespace {

std::string errnoText(int err)
{
    return std::strerror(err);
}

// Direct port access (after ioperm/iopl granted it).
class DirectPortBus : public RawBus
{
  public:
    DirectPortBus(std::uint16_t base, std::uint64_t length, bool usedIopl)
        : base_(base), length_(length), usedIopl_(usedIopl)
    {
    }
    ~DirectPortBus() override
    {
        if (usedIopl_) {
            iopl(0);
        } else {
            ioperm(base_, length_, 0);
        }
    }
    DirectPortBus(const DirectPortBus&) = delete;
    DirectPortBus& operator=(const DirectPortBus&) = delete;

    std::uint64_t readRaw(std::uint64_t offset, unsigned size) override
    {
        const auto port = static_cast<std::uint16_t>(base_ + offset);
        switch (size) {
        case 1:
            return inb(port);
        case 2:
            return inw(port);
        default:
            return inl(port);
        }
    }
    void writeRaw(std::uint64_t offset, unsigned size, std::uint64_t value) override
    {
        const auto port = static_cast<std::uint16_t>(base_ + offset);
        switch (size) {
        case 1:
            outb(static_cast<std::uint8_t>(value), port);
            break;
        case 2:
            outw(static_cast<std::uint16_t>(value), port);
            break;
        default:
            outl(static_cast<std::uint32_t>(value), port);
            break;
        }
    }
    std::string describe() const override { return fmt::format("i/o {:#x}", base_); }

  private:
    std::uint16_t base_;
    std::uint64_t length_;
    bool usedIopl_;
};

// Byte cycles through /dev/port.
class DevPortBus : public RawBus
{
  public:
    DevPortBus(int fd, std::uint64_t base, unsigned byteInAccess) : fd_(fd), base_(base), byteInAccess_(byteInAccess) {}
    ~DevPortBus() override { ::close(fd_); }
    DevPortBus(const DevPortBus&) = delete;
    DevPortBus& operator=(const DevPortBus&) = delete;

    std::uint64_t readRaw(std::uint64_t offset, unsigned /*size*/) override
    {
        std::uint8_t byte = 0xFF;
        const auto at = static_cast<off_t>(base_ + offset + byteInAccess_);
        if (::pread(fd_, &byte, 1, at) != 1) {
            byte = 0xFF; // reads like an absent device; detection and timeouts handle it
        }
        // Put the byte back where LayoutRegisterIo's shift looks for it.
        return std::uint64_t{byte} << (byteInAccess_ * 8);
    }
    void writeRaw(std::uint64_t offset, unsigned /*size*/, std::uint64_t value) override
    {
        const auto byte = static_cast<std::uint8_t>(value >> (byteInAccess_ * 8));
        const auto at = static_cast<off_t>(base_ + offset + byteInAccess_);
        if (::pwrite(fd_, &byte, 1, at) != 1) {
            ++failedWrites_; // the state machine's timeouts notice a write that went nowhere
        }
    }
    std::string describe() const override { return fmt::format("i/o {:#x} (/dev/port)", base_); }

  private:
    int fd_;
    std::uint64_t base_;
    unsigned byteInAccess_;
    std::uint64_t failedWrites_ = 0;
};

class MappedBus : public RawBus
{
  public:
    MappedBus(void* mapping, std::size_t mapLength, volatile std::uint8_t* registers, std::uint64_t base)
        : mapping_(mapping), mapLength_(mapLength), registers_(registers), base_(base)
    {
    }
    ~MappedBus() override { ::munmap(mapping_, mapLength_); }
    MappedBus(const MappedBus&) = delete;
    MappedBus& operator=(const MappedBus&) = delete;

    std::uint64_t readRaw(std::uint64_t offset, unsigned size) override
    {
        volatile std::uint8_t* at = registers_ + offset;
        switch (size) {
        case 1:
            return *at;
        case 2:
            return *reinterpret_cast<volatile std::uint16_t*>(at);
        case 4:
            return *reinterpret_cast<volatile std::uint32_t*>(at);
        default:
            return *reinterpret_cast<volatile std::uint64_t*>(at);
        }
    }
    void writeRaw(std::uint64_t offset, unsigned size, std::uint64_t value) override
    {
        volatile std::uint8_t* at = registers_ + offset;
        switch (size) {
        case 1:
            *at = static_cast<std::uint8_t>(value);
            break;
        case 2:
            *reinterpret_cast<volatile std::uint16_t*>(at) = static_cast<std::uint16_t>(value);
            break;
        case 4:
            *reinterpret_cast<volatile std::uint32_t*>(at) = static_cast<std::uint32_t>(value);
            break;
        default:
            *reinterpret_cast<volatile std::uint64_t*>(at) = value;
            break;
        }
    }
    std::string describe() const override { return fmt::format("mem {:#x}", base_); }

  private:
    void* mapping_;
    std::size_t mapLength_;
    volatile std::uint8_t* registers_;
    std::uint64_t base_;
};

std::uint64_t spanOf(unsigned registerCount, const RegisterLayout& layout)
{
    return std::uint64_t{registerCount - 1} * layout.spacing + layout.size;
}

} // namespace

RegisterIoResult openPortIo(std::uint64_t base, unsigned registerCount, const RegisterLayout& layout,
                            const PortIoOptions& options)
{
    if (auto bad = validateLayout(layout)) {
        return std::move(*bad);
    }
    if (layout.size == 8) {
        return "regsize 8 is not possible for port I/O (ports are at most 4 bytes wide)";
    }
    if (registerCount == 0) {
        return "no registers to map";
    }
    const std::uint64_t length = spanOf(registerCount, layout);
    if (base == 0 || base + length > 0x10000) {
        return fmt::format("i/o address {:#x} (+{} bytes) is outside the 64 KiB port space", base, length);
    }

    std::optional<std::string> directError; // why direct access failed, if it was tried
    if (options.tryDirect) {
        // ioperm covers only ports below 0x400; above that only iopl helps.
        if (base + length <= 0x400) {
            if (ioperm(base, length, 1) == 0) {
                return std::make_unique<LayoutRegisterIo>(
                    std::make_unique<DirectPortBus>(static_cast<std::uint16_t>(base), length, false), layout);
            }
            directError = fmt::format("ioperm: {}", errnoText(errno));
        } else if (iopl(3) == 0) {
            return std::make_unique<LayoutRegisterIo>(
                std::make_unique<DirectPortBus>(static_cast<std::uint16_t>(base), length, true), layout);
        } else {
            directError = fmt::format("iopl: {}", errnoText(errno));
        }
    }

    if (layout.shift % 8 != 0) {
        return fmt::format("port I/O at {:#x} needs CAP_SYS_RAWIO ({}), and /dev/port cannot reach a "
                           "register at regshift {} (not a whole byte)",
                           base, directError.value_or("direct access not tried"), layout.shift);
    }
    const int fd = ::open(options.devicePath.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return fmt::format("port I/O at {:#x} needs CAP_SYS_RAWIO: {}; {} cannot be opened: {}", base,
                           directError.value_or("direct access not tried"), options.devicePath, errnoText(err));
    }
    return std::make_unique<LayoutRegisterIo>(std::make_unique<DevPortBus>(fd, base, layout.shift / 8), layout);
}

RegisterIoResult openMemoryIo(std::uint64_t base, unsigned registerCount, const RegisterLayout& layout,
                              const std::string& devicePath)
{
    if (auto bad = validateLayout(layout)) {
        return std::move(*bad);
    }
    if (registerCount == 0) {
        return "no registers to map";
    }
    if (base == 0 || base % layout.size != 0) {
        return fmt::format("memory address {:#x} is not aligned to regsize {}", base, layout.size);
    }
    const int fd = ::open(devicePath.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return fmt::format("memory-mapped I/O at {:#x} needs {} (and CAP_SYS_RAWIO): {}", base, devicePath,
                           errnoText(err));
    }
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t pageBase = base & ~(page - 1);
    const std::uint64_t inPage = base - pageBase;
    const std::size_t mapLength = static_cast<std::size_t>(inPage + spanOf(registerCount, layout));
    void* mapping = ::mmap(nullptr, mapLength, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(pageBase));
    const int err = errno;
    ::close(fd);
    if (mapping == MAP_FAILED) {
        return fmt::format("cannot map {} at {:#x}: {} (CAP_SYS_RAWIO missing, or the kernel's "
                           "STRICT_DEVMEM/lockdown forbids it)",
                           devicePath, base, errnoText(err));
    }
    auto* registers = static_cast<volatile std::uint8_t*>(mapping) + inPage;
    return std::make_unique<LayoutRegisterIo>(std::make_unique<MappedBus>(mapping, mapLength, registers, base), layout);
}

} // namespace ipmi::si
