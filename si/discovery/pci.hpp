// PCI IPMI devices (class 0x0c07, ipmi_si_pci.c) from sysfs:
// /sys/bus/pci/devices/<bdf>/{class,vendor,device,resource,irq}.
// The prog-if selects the interface (0x00 SMIC, 0x01 KCS, 0x02 BT); BAR 0
// is the register block, I/O or memory by its resource flags. The kernel
// skips Realtek 10ec:816c (a "virtual IPMI device" that is not KCS).
#pragma once

#include "si/discovery/discovered_interface.hpp"
#include "si/discovery/sysroot.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ipmi::si::discovery {

inline constexpr std::uint32_t kPciClassIpmiSmic = 0x0C0700;
inline constexpr std::uint32_t kPciClassIpmiKcs = 0x0C0701;
inline constexpr std::uint32_t kPciClassIpmiBt = 0x0C0702;
inline constexpr std::uint64_t kIoResourceIo = 0x100;  // IORESOURCE_IO
inline constexpr std::uint64_t kIoResourceMem = 0x200; // IORESOURCE_MEM

struct PciResult
{
    std::vector<DiscoveredInterface> interfaces;
    std::vector<std::string> problems;
};

[[nodiscard]] PciResult readPci(const Sysroot& root);

// The kernel's KCS spacing probe for PCI devices (ipmi_pci_probe_regspacing):
// for spacing 1, 4, 16, write the invalid command 0x10 to the command
// register (offset 1 * spacing) and read the status back; the first spacing
// with a non-zero status wins, 1 if none. writeCmdReadStatus does the two
// register accesses for a spacing and returns the status, or nullopt if the
// registers could not be set up (the kernel then settles on 1). Run it in
// the SI driver, which owns register access; KCS only.
[[nodiscard]] unsigned
probePciKcsSpacing(const std::function<std::optional<std::uint8_t>(unsigned spacing)>& writeCmdReadStatus);

} // namespace ipmi::si::discovery
