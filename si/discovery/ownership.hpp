// Whether the kernel already drives an interface: two drivers on one KCS
// port corrupt each other's transactions, so the daemon must refuse an
// interface the kernel's ipmi_si or ipmi_ssif holds. Evidence, from most to
// least specific:
// - /sys/bus/platform/drivers/ipmi_si/<dev>/params (exact type/space/address);
// - /sys/bus/pci/drivers/ipmi_si/<bdf> for a PCI device;
// - /proc/ioports and /proc/iomem regions named "ipmi_si" overlapping the
//   registers (root sees real addresses; others see zeros);
// - /sys/bus/i2c/drivers/ipmi_ssif/<bus>-<addr> or i2c-IPI0001:NN clients;
// - /sys/class/ipmi/ipmiN: some kernel IPMI interface exists (reported,
//   but not proof that it is this one).
#pragma once

#include "si/discovery/discovered_interface.hpp"
#include "si/discovery/sysroot.hpp"

#include <string>
#include <vector>

namespace ipmi::si::discovery {

struct Ownership
{
    bool ownedByKernel = false;
    std::string message; // says which kernel driver holds it and how we know
};

[[nodiscard]] Ownership checkKernelOwnership(const Sysroot& root, const DiscoveredInterface& interface);

// The kernel's /dev/ipmiN interfaces (/sys/class/ipmi), with the device
// each is attached to when the link is readable ("ipmi0 -> IPI0001:00").
[[nodiscard]] std::vector<std::string> kernelIpmiInterfaces(const Sysroot& root);

} // namespace ipmi::si::discovery
