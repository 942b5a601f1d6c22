// A throw-away directory tree (a tests/unit/temp_dir.hpp TempDir) that stands
// in for /sys and /proc in tests, plus the firmware tables QEMU 7.2 builds for
// its IPMI devices.
#pragma once

#include "tests/unit/temp_dir.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ipmi::si::discovery::testing {

class FixtureTree
{
  public:
    [[nodiscard]] const std::string& root() const { return root_; }
    // Creates parent directories as needed; path is absolute inside the tree.
    void write(const std::string& path, const std::string& text) const;
    void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) const;
    void mkdir(const std::string& path) const;
    // A symlink at path whose stored target is target (relative or absolute).
    void symlink(const std::string& path, const std::string& target) const;

  private:
    ipmi::testing::TempDir dir_;
    std::string root_ = dir_.path().string();
};

// SMBIOS type 38 exactly as QEMU 7.2's hw/smbios/smbios_type_38.c builds it
// from a device's IPMIFwInfo: handle 0x3000, length 0x12, spec revision
// (major << 4 | minor), base address | 1 for I/O or << 1 for SMBus, base
// address modifier bit 0 for a level IRQ (QEMU's default irq_type, also for
// smbus-ipmi) and spacing bits 7:6, then an empty string set (two NULs).
// The IPMIFwInfo values come from hw/ipmi/isa_ipmi_kcs.c (0xca2, irq 5),
// isa_ipmi_bt.c (0xe4, irq 5) and smbus_ipmi.c (I2C address, no irq); the
// BMC's slave address is ipmi-bmc-sim's default 0x20.
[[nodiscard]] std::vector<std::uint8_t> qemuType38Kcs();
[[nodiscard]] std::vector<std::uint8_t> qemuType38Bt();
[[nodiscard]] std::vector<std::uint8_t> qemuType38Ssif(std::uint8_t i2cAddress);

// A whole structure table as /sys/firmware/dmi/tables/DMI holds it: a
// type 0 (BIOS) record with strings, the given records, and the type 127
// end-of-table record.
[[nodiscard]] std::vector<std::uint8_t> dmiTable(const std::vector<std::vector<std::uint8_t>>& records);

// An SPMI table (65 bytes, revision 5, valid checksum). QEMU 7.2 publishes
// no SPMI table at all (hw/acpi/ipmi.c only builds the IPI0001 device), so
// these are hand-built from the same IPMIFwInfo values a firmware that does
// publish SPMI would use.
struct SpmiFields
{
    std::uint8_t interfaceType = 1;
    std::uint8_t legacy = 1;
    std::uint16_t specRevision = 0x0200;
    std::uint8_t interruptType = 0;
    std::uint8_t gpe = 0;
    std::uint8_t pciFlag = 0;
    std::uint32_t gsi = 0;
    std::uint8_t spaceId = 1;
    std::uint8_t bitWidth = 8;
    std::uint8_t bitOffset = 0;
    std::uint8_t accessSize = 1;
    std::uint64_t address = 0xCA2;
    std::uint8_t pci[4] = {0, 0, 0, 0};
};
[[nodiscard]] std::vector<std::uint8_t> spmiTable(const SpmiFields& fields);

} // namespace ipmi::si::discovery::testing
