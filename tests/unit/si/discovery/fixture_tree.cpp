// FixtureTree and the QEMU table builders; see fixture_tree.hpp.
#include "tests/unit/si/discovery/fixture_tree.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace ipmi::si::discovery::testing {
namespace fs = std::filesystem;

void FixtureTree::mkdir(const std::string& path) const
{
    fs::create_directories(root_ + path);
}

void FixtureTree::write(const std::string& path, const std::string& text) const
{
    fs::create_directories(fs::path(root_ + path).parent_path());
    std::ofstream out(root_ + path, std::ios::binary);
    out << text;
}

void FixtureTree::writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) const
{
    fs::create_directories(fs::path(root_ + path).parent_path());
    std::ofstream out(root_ + path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void FixtureTree::symlink(const std::string& path, const std::string& target) const
{
    fs::create_directories(fs::path(root_ + path).parent_path());
    fs::create_symlink(target, root_ + path);
}

namespace {

std::vector<std::uint8_t> type38(std::uint8_t interfaceType, std::uint64_t base, std::uint8_t modifier,
                                 std::uint8_t irq)
{
    std::vector<std::uint8_t> bytes = {38, 0x12, 0x00, 0x30, interfaceType, 0x20, 0x20, 0x00};
    for (int i = 0; i < 8; ++i) {
        bytes.push_back(static_cast<std::uint8_t>(base >> (8 * i)));
    }
    bytes.push_back(modifier);
    bytes.push_back(irq);
    bytes.push_back(0);
    bytes.push_back(0);
    return bytes;
}

} // namespace

std::vector<std::uint8_t> qemuType38Kcs()
{
    return type38(1, 0xCA2 | 1, 0x01, 5);
}

std::vector<std::uint8_t> qemuType38Bt()
{
    return type38(3, 0xE4 | 1, 0x01, 5);
}

std::vector<std::uint8_t> qemuType38Ssif(std::uint8_t i2cAddress)
{
    return type38(4, static_cast<std::uint64_t>(i2cAddress) << 1, 0x01, 0);
}

std::vector<std::uint8_t> dmiTable(const std::vector<std::vector<std::uint8_t>>& records)
{
    // Type 0, length 0x18, handle 0: vendor string 1, version string 2.
    std::vector<std::uint8_t> table = {0x00, 0x18, 0x00, 0x00, 0x01, 0x02, 0x00, 0xE8, 0x00, 0x00, 0x00, 0x00,
                                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    for (char c : std::string("SeaBIOS")) {
        table.push_back(static_cast<std::uint8_t>(c));
    }
    table.push_back(0);
    for (char c : std::string("1.16.2-debian-1.16.2-1")) {
        table.push_back(static_cast<std::uint8_t>(c));
    }
    table.push_back(0);
    table.push_back(0);
    for (const auto& record : records) {
        table.insert(table.end(), record.begin(), record.end());
    }
    const std::vector<std::uint8_t> end = {0x7F, 0x04, 0x00, 0x7F, 0x00, 0x00};
    table.insert(table.end(), end.begin(), end.end());
    return table;
}

std::vector<std::uint8_t> spmiTable(const SpmiFields& f)
{
    std::vector<std::uint8_t> t(65, 0);
    t[0] = 'S';
    t[1] = 'P';
    t[2] = 'M';
    t[3] = 'I';
    t[4] = 65;
    t[8] = 5; // revision
    const std::string oem = "BOCHS BXPC    ";
    for (std::size_t i = 0; i < oem.size(); ++i) {
        t[10 + i] = static_cast<std::uint8_t>(oem[i]);
    }
    t[36] = f.interfaceType;
    t[37] = f.legacy;
    t[38] = static_cast<std::uint8_t>(f.specRevision & 0xFF);
    t[39] = static_cast<std::uint8_t>(f.specRevision >> 8);
    t[40] = f.interruptType;
    t[41] = f.gpe;
    t[43] = f.pciFlag;
    for (int i = 0; i < 4; ++i) {
        t[44 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(f.gsi >> (8 * i));
    }
    t[48] = f.spaceId;
    t[49] = f.bitWidth;
    t[50] = f.bitOffset;
    t[51] = f.accessSize;
    for (int i = 0; i < 8; ++i) {
        t[52 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(f.address >> (8 * i));
    }
    for (std::size_t i = 0; i < 4; ++i) {
        t[60 + i] = f.pci[i];
    }
    unsigned sum = 0;
    for (auto byte : t) {
        sum += byte;
    }
    t[9] = static_cast<std::uint8_t>(0x100 - (sum & 0xFF));
    return t;
}

} // namespace ipmi::si::discovery::testing
