// libFuzzer target: discovery (si/discovery/) over firmware and sysfs that
// the input writes: the SMBIOS table and entry point (type 38 records), the
// ACPI SPMI tables, an IPI0001 device with its physical node, ipmi_si's
// attributes and /proc/ioports and /proc/iomem, and a PCI device's class,
// IDs, resources and IRQ. Firmware is input too: a BIOS writes these bytes.
// The whole of discover() runs, the kernel's duplicate rules included, and
// the kernel-ownership check on what it found; the SMBIOS and SPMI decoders
// are also called straight on the bytes, without the files around them.
//
// Discovery reads paths under a sysroot, so the target writes the files
// into a per-process directory (under $TMPDIR, else /dev/shm) for every
// input.
//
// Input: records [file][length, 2 bytes little-endian][bytes], file an index
// into kFiles; a later record of the same file replaces it. A record
// cut short by the end of the input keeps what there is.
//
// Checks: no crash, leak or undefined behaviour (ASan, UBSan); discover()
// fails only on bad parameters, and we give none.
#include "fuzz/fuzz_check.hpp"
#include "si/discovery/discovery.hpp"
#include "si/discovery/ownership.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace ipmi::si::discovery;

constexpr std::string_view kAcpiDevice = "/sys/bus/acpi/devices/IPI0001:00/";
constexpr std::string_view kPlatformDevice = "/sys/bus/platform/devices/IPI0001:00/";
constexpr std::string_view kPciDevice = "/sys/bus/pci/devices/0000:00:1f.0/";

struct FuzzedFile
{
    std::string path;
    bool symlink = false; // the bytes are the link's target
};

const std::array<FuzzedFile, 22> kFiles = {{
    {"/sys/firmware/dmi/tables/DMI"},
    {"/sys/firmware/dmi/tables/smbios_entry_point"},
    {"/sys/firmware/acpi/tables/SPMI"},
    {"/sys/firmware/acpi/tables/SPMI1"},
    {"/proc/ioports"},
    {"/proc/iomem"},
    {std::string(kAcpiDevice) + "hid"},
    {std::string(kAcpiDevice) + "status"},
    {std::string(kAcpiDevice) + "path"},
    {std::string(kAcpiDevice) + "description"},
    {std::string(kAcpiDevice) + "uid"},
    {std::string(kAcpiDevice) + "physical_node", true},
    {std::string(kPlatformDevice) + "params"},
    {std::string(kPlatformDevice) + "type"},
    {std::string(kPciDevice) + "class"},
    {std::string(kPciDevice) + "vendor"},
    {std::string(kPciDevice) + "device"},
    {std::string(kPciDevice) + "resource"},
    {std::string(kPciDevice) + "irq"},
    {"/sys/bus/platform/drivers/ipmi_si/IPI0001:00/params"},
    {"/sys/bus/i2c/drivers/ipmi_ssif/0-0010/name"},
    {"/sys/class/ipmi/ipmi0/device", true},
}};

// The files of one input, by index into kFiles.
std::map<std::size_t, std::string> readRecords(std::span<const std::uint8_t> input)
{
    std::map<std::size_t, std::string> files;
    while (input.size() >= 3) {
        const std::size_t file = input[0] % kFiles.size();
        const std::size_t length = std::min<std::size_t>(input[1] | (input[2] << 8), input.size() - 3);
        files[file].assign(reinterpret_cast<const char*>(input.data() + 3), length);
        input = input.subspan(3 + length);
    }
    return files;
}

// The tree of this process, removed when it exits.
class SysrootDir
{
  public:
    SysrootDir() : path_(base() / ("ipmi-cuse-firmware-fuzz-" + std::to_string(getpid()))) {}
    ~SysrootDir()
    {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    SysrootDir(const SysrootDir&) = delete;
    SysrootDir& operator=(const SysrootDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }

  private:
    // $TMPDIR if set, else /dev/shm (a tree rewritten for every input costs
    // several times more on a disk), else the system's temporary directory.
    static fs::path base()
    {
        std::error_code ignored;
        if (std::getenv("TMPDIR") == nullptr && fs::is_directory("/dev/shm", ignored)) {
            return "/dev/shm";
        }
        return fs::temp_directory_path();
    }

    fs::path path_;
};

const fs::path& sysrootDir()
{
    static const SysrootDir dir;
    return dir.path();
}

// Writes the input's files into a fresh tree; false if the tree cannot be
// written (a symlink target with a NUL, say): nothing to judge then.
bool writeSysroot(const std::map<std::size_t, std::string>& files)
{
    std::error_code ignored;
    fs::remove_all(sysrootDir(), ignored);
    for (const auto& [index, bytes] : files) {
        const fs::path path = sysrootDir() / fs::path(kFiles[index].path).relative_path();
        fs::create_directories(path.parent_path(), ignored);
        if (kFiles[index].symlink) {
            if (bytes.empty() || bytes.find('\0') != std::string::npos) {
                return false;
            }
            std::error_code error;
            fs::create_symlink(bytes, path, error);
            if (error) {
                return false;
            }
            continue;
        }
        std::ofstream out(path, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    return true;
}

std::span<const std::uint8_t> bytesOf(const std::string& text)
{
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// The decoders on the bytes alone, as a caller with the table in memory
// (the locate tool on a saved table) uses them.
void decodeInMemory(const std::map<std::size_t, std::string>& files)
{
    if (auto dmi = files.find(0); dmi != files.end()) {
        for (const SmbiosStructure& structure : walkSmbiosTable(bytesOf(dmi->second)).structures) {
            if (structure.type == kSmbiosTypeIpmi) {
                static_cast<void>(decodeSmbiosType38(structure.formatted));
            }
        }
    }
    if (auto entry = files.find(1); entry != files.end()) {
        static_cast<void>(smbiosEntryPointVersion(bytesOf(entry->second)));
    }
    if (auto spmi = files.find(2); spmi != files.end()) {
        static_cast<void>(decodeSpmi(bytesOf(spmi->second)));
    }
    if (auto ioports = files.find(4); ioports != files.end()) {
        static_cast<void>(parseResourceTree(ioports->second));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ipmi::fuzz::silenceLogs();
    const auto files = readRecords({data, size});
    decodeInMemory(files);
    if (!writeSysroot(files)) {
        return 0;
    }
    const Sysroot root(sysrootDir().string());
    const auto report = discover(root, SiParams{});
    ipmi::fuzz::check(report.ok(), "discovery fails with default parameters");
    for (const DiscoveredInterface& interface : report.value().merged.interfaces) {
        static_cast<void>(checkKernelOwnership(root, interface));
    }
    static_cast<void>(kernelIpmiInterfaces(root));
    return 0;
}
