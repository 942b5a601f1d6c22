// What discovery reports about one BMC system interface, whichever source
// found it (SMBIOS type 38, ACPI IPI0001 or SPMI, PCI, module parameters,
// hotmod). It is a plain value: discovery never touches hardware, and the
// daemon decides what to start from a list of these. The fields mirror the
// kernel's struct si_sm_io / ipmi_plat_data, plus what SSIF needs.
#pragma once

#include "core/interface.hpp"
#include "si/si_type.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipmi::si::discovery {

enum class AddrSpace : std::uint8_t
{
    Io,     // x86 port I/O
    Memory, // memory-mapped registers
    Smbus,  // SSIF: an address on an I2C/SMBus adapter
};

// The kernel's DEFAULT_REGSPACING / DEFAULT_REGSIZE and IPMB default.
inline constexpr unsigned kDefaultRegSpacing = 1;
inline constexpr unsigned kDefaultRegSize = 1;
inline constexpr std::uint8_t kDefaultSlaveAddr = 0x20;

struct DiscoveredInterface
{
    SiType type = SiType::Kcs;
    // The user's type=invalid: no interface but a mask that hides what
    // firmware describes at this address; never driven, `type` unused.
    bool invalid = false;
    // Found (an ACPI device whose _IFT userspace cannot read), but of a type
    // nobody can tell: never driven; its registers are counted as KCS's.
    bool typeUnknown = false;
    AddrSpace space = AddrSpace::Io;
    // Port number or physical address of the first register; for SSIF the
    // 7-bit I2C address of the BMC.
    std::uint64_t address = 0;
    unsigned regSpacing = kDefaultRegSpacing; // bytes between registers
    unsigned regSize = kDefaultRegSize;       // access width in bytes (1, 2, 4, 8)
    unsigned regShift = 0;                    // bit position of the IPMI byte in a wider register
    unsigned irq = 0;                         // 0 = none; reported only, we poll
    // The BMC's IPMB address; 0 = the source did not say (the message
    // handler then uses 0x20, as ipmi_register_smi does).
    std::uint8_t slaveAddr = 0;
    // SSIF only: /dev/i2c-N, or nullopt when the source does not name the
    // adapter (SMBIOS never does; the kernel then tries every adapter).
    std::optional<int> i2cAdapter;
    core::AddrSource addrSource = core::AddrSource::Invalid;
    std::string acpiPath;       // ACPI namespace path (ACPI sources), e.g. \_SB_.PCI0.ISA_.MI0_
    std::string deviceName;     // the sysfs device it came from: "IPI0001:00", "0000:00:05.0", ...
    std::uint8_t specMajor = 0; // IPMI spec revision the table claims; 0/0 = not stated
    std::uint8_t specMinor = 0;
    // PCI KCS: the kernel probes the spacing (1, 4, 16) by touching the
    // registers; discovery cannot, so the SI driver must (see pci.hpp).
    bool spacingNeedsProbe = false;

    [[nodiscard]] std::uint8_t effectiveSlaveAddr() const { return slaveAddr != 0 ? slaveAddr : kDefaultSlaveAddr; }
    [[nodiscard]] std::uint8_t i2cAddress() const { return static_cast<std::uint8_t>(address & 0x7F); }
    // "invalid", "unknown" or the type's name, as the kernel prints them.
    [[nodiscard]] const char* typeName() const;
    // Registers the interface occupies (none for invalid and SSIF).
    [[nodiscard]] unsigned registerCount() const;
    // Last byte address the registers cover (address itself for SSIF).
    [[nodiscard]] std::uint64_t lastAddress() const;
    // "kcs i/o 0xca2 spacing 1", "ssif i2c-0 0x10", ...
    [[nodiscard]] std::string description() const;
    // The kernel's params attribute / hotmod syntax:
    // "kcs,i/o,0xca2,rsp=1,rsi=1,rsh=0,irq=0,ipmb=32".
    [[nodiscard]] std::string paramsString() const;

    friend bool operator==(const DiscoveredInterface&, const DiscoveredInterface&) = default;
};

// "i/o", "mem", "smbus" (the kernel's addr_space_to_str).
[[nodiscard]] const char* toString(AddrSpace space);
// "kcs", "smic", "bt", "ssif"; "invalid" is no type (callers that accept
// it check for it first).
[[nodiscard]] std::optional<SiType> siTypeFromString(std::string_view text);
// The interface-type code firmware tables use (SMBIOS type 38 byte 4, SPMI
// byte 36, ACPI _IFT): 1 KCS, 2 SMIC, 3 BT, 4 SSIF; anything else is invalid.
[[nodiscard]] std::optional<SiType> siTypeFromFirmwareCode(std::uint8_t code);

} // namespace ipmi::si::discovery
