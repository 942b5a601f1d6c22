#include "core/interface.hpp"

namespace ipmi::core {

const char* toString(AddrSource source)
{
    // The kernel's ipmi_addr_src_to_str spellings.
    switch (source) {
    case AddrSource::Invalid:
        return "invalid";
    case AddrSource::Hotmod:
        return "hotmod";
    case AddrSource::Hardcoded:
        return "hardcoded";
    case AddrSource::Spmi:
        return "SPMI";
    case AddrSource::Acpi:
        return "ACPI";
    case AddrSource::Smbios:
        return "SMBIOS";
    case AddrSource::Pci:
        return "PCI";
    case AddrSource::DeviceTree:
        return "device-tree";
    case AddrSource::Platform:
        return "platform";
    }
    return "invalid";
}

} // namespace ipmi::core
