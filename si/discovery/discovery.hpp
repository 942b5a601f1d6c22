// Discovery as a whole: every enabled source read under a sysroot, then
// merged with the kernel's duplicate rules (ipmi_si_intf.c ipmi_si_add_smi,
// find_dup_si, init_ipmi_si):
// - sources in the kernel's order: parameters (hardcoded), hotmod "add"
//   operations, ACPI IPI0001, SPMI, SMBIOS, PCI;
// - a firmware source (ACPI, SPMI, SMBIOS, PCI) at an address the
//   parameters name is dropped ("Hard-coded device at this address already
//   exists"); type=invalid there hides the firmware interface altogether;
// - the same address space and address twice: the first stays, except that
//   ACPI replaces SMBIOS; the one kept takes the other's IPMB address when
//   it has none (and, since userspace cannot read _IFT, its type);
// - interfaces with an IRQ are numbered first, as init_ipmi_si does;
// - at start-up, hotmod "remove" operations drop matching interfaces (the
//   kernel, parsing them before any interface exists, removes nothing);
// - SSIF entries are merged on their own (ipmi_ssif is a separate driver):
//   same I2C address (and adapter, when both know it) is one BMC.
// Nothing is probed: an address appears only if firmware or the user named it.
#pragma once

#include "si/discovery/acpi.hpp"
#include "si/discovery/discovered_interface.hpp"
#include "si/discovery/hotmod.hpp"
#include "si/discovery/parse_result.hpp"
#include "si/discovery/pci.hpp"
#include "si/discovery/si_params.hpp"
#include "si/discovery/smbios.hpp"
#include "si/discovery/spmi.hpp"
#include "si/discovery/sysroot.hpp"

#include <string>
#include <vector>

namespace ipmi::si::discovery {

struct MergeResult
{
    std::vector<DiscoveredInterface> interfaces; // usable, in interface-number order (SI, then SSIF)
    std::vector<DiscoveredInterface> unresolved; // found, but type or address unknown
    std::vector<std::string> log;                // kernel-style "Adding ..."/"duplicate" lines
};

// The duplicate rules above, on candidates already in the kernel's source
// order; hotmod removals applied last.
[[nodiscard]] MergeResult mergeInterfaces(const std::vector<DiscoveredInterface>& candidates,
                                          const std::vector<HotmodOperation>& removals = {});

struct DiscoveryReport
{
    std::vector<DiscoveredInterface> hardcoded;
    std::vector<HotmodOperation> hotmod;
    SmbiosResult smbios;
    AcpiResult acpi;
    SpmiResult spmi;
    PciResult pci;
    bool dmiTried = false;
    bool acpiTried = false;
    bool pciTried = false;
    MergeResult merged;
};

// Reads the sources params allows (trydmi: SMBIOS; tryacpi: IPI0001 and
// SPMI; trypci: PCI; tryplatform: hotmod, as in the kernel) and merges
// them. Fails only on bad parameters or a bad hotmod string.
[[nodiscard]] Parsed<DiscoveryReport> discover(const Sysroot& root, const SiParams& params);

} // namespace ipmi::si::discovery
