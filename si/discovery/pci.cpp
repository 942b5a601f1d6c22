// PCI class 0x0c07 discovery from sysfs; see pci.hpp.
#include "si/discovery/pci.hpp"

#include "core/kernel_number.hpp"

#include <fmt/format.h>

#include <sstream>

namespace ipmi::si::discovery {
namespace {

constexpr std::uint32_t kVendorRealtek = 0x10EC;
constexpr std::uint32_t kDeviceRealtekVirtualIpmi = 0x816C;

std::optional<std::uint64_t> readNumber(const Sysroot& root, const std::string& file)
{
    auto text = root.readText(file);
    if (!text) {
        return std::nullopt;
    }
    return core::parseKernelNumber(*text);
}

} // namespace

PciResult readPci(const Sysroot& root)
{
    PciResult result;
    const std::string base = "/sys/bus/pci/devices/";
    for (const auto& bdf : root.list(base)) {
        const std::string dir = base + bdf;
        const auto classCode = readNumber(root, dir + "/class");
        if (!classCode || (*classCode >> 8) != 0x0C07) {
            continue;
        }
        const auto vendor = readNumber(root, dir + "/vendor").value_or(0);
        const auto device = readNumber(root, dir + "/device").value_or(0);
        if (vendor == kVendorRealtek && device == kDeviceRealtekVirtualIpmi) {
            result.problems.push_back(fmt::format(
                "{}: Realtek {:04x}:{:04x} is a \"virtual IPMI device\", not KCS; skipped as the kernel does", bdf,
                vendor, device));
            continue;
        }
        DiscoveredInterface found;
        found.addrSource = core::AddrSource::Pci;
        found.deviceName = bdf;
        switch (*classCode) {
        case kPciClassIpmiSmic:
            found.type = SiType::Smic;
            break;
        case kPciClassIpmiKcs:
            found.type = SiType::Kcs;
            found.spacingNeedsProbe = true;
            break;
        case kPciClassIpmiBt:
            found.type = SiType::Bt;
            break;
        default:
            result.problems.push_back(fmt::format("{}: unknown IPMI class {:#08x}", bdf, *classCode));
            continue;
        }
        auto resources = root.readText(dir + "/resource");
        if (!resources) {
            result.problems.push_back(fmt::format("{}: cannot read its resource file", bdf));
            continue;
        }
        // One line per resource: "0x<start> 0x<end> 0x<flags>"; BAR 0 first.
        std::istringstream lines(*resources);
        std::string startText;
        std::string endText;
        std::string flagsText;
        lines >> startText >> endText >> flagsText;
        const auto start = core::parseKernelNumber(startText);
        const auto flags = core::parseKernelNumber(flagsText);
        if (!start || !flags || *start == 0) {
            result.problems.push_back(fmt::format("{}: BAR 0 is not assigned ('{}')", bdf, startText));
            continue;
        }
        found.space = (*flags & kIoResourceIo) != 0 ? AddrSpace::Io : AddrSpace::Memory;
        found.address = *start;
        found.regSpacing = kDefaultRegSpacing;
        found.regSize = kDefaultRegSize;
        found.regShift = 0;
        found.irq = static_cast<unsigned>(readNumber(root, dir + "/irq").value_or(0));
        result.interfaces.push_back(std::move(found));
    }
    return result;
}

unsigned probePciKcsSpacing(const std::function<std::optional<std::uint8_t>(unsigned spacing)>& writeCmdReadStatus)
{
    for (unsigned spacing = kDefaultRegSpacing; spacing <= 16; spacing *= 4) {
        const auto status = writeCmdReadStatus(spacing);
        if (!status) {
            return kDefaultRegSpacing;
        }
        if (*status != 0) {
            return spacing;
        }
    }
    return kDefaultRegSpacing;
}

} // namespace ipmi::si::discovery
