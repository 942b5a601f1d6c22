// Storage netfn, FRU inventory device 0: Get FRU Inventory Area Info, Read
// and Write FRU Data over a byte-addressed image. The image is built from the
// configuration in the Platform Management FRU Information Storage format
// (common header, chassis, board and product info areas, each padded to 8
// bytes and zero-checksummed), or taken verbatim from config.fru.image.
#include "sim/bmc_state.hpp"
#include "sim/command.hpp"

#include <algorithm>
#include <initializer_list>
#include <numeric>
#include <string_view>

namespace ipmi::sim {
namespace {

constexpr std::size_t maxFieldLength = 63;

void pushField(Bytes& area, std::string_view text)
{
    std::size_t length = std::min(text.size(), maxFieldLength);
    area.push_back(static_cast<std::uint8_t>(0xC0 | length)); // 8-bit ASCII
    area.insert(area.end(), text.begin(), text.begin() + static_cast<std::ptrdiff_t>(length));
}

std::uint8_t zeroChecksum(const Bytes& bytes)
{
    auto sum = std::accumulate(bytes.begin(), bytes.end(), 0U);
    return static_cast<std::uint8_t>(0x100 - (sum & 0xFF));
}

// Closes an info area: end marker, padding to a multiple of 8 including the
// checksum byte, the length byte, the checksum.
void sealArea(Bytes& area)
{
    area.push_back(0xC1);
    while ((area.size() + 1) % 8 != 0) {
        area.push_back(0x00);
    }
    area[1] = static_cast<std::uint8_t>((area.size() + 1) / 8);
    area.push_back(zeroChecksum(area));
}

// An info area: its fixed header bytes, then its fields in the order the
// spec gives for the area, sealed.
Bytes infoArea(Bytes header, std::initializer_list<std::string_view> fields)
{
    for (std::string_view field : fields) {
        pushField(header, field);
    }
    sealArea(header);
    return header;
}

Bytes chassisArea(const FruConfig& fru)
{
    return infoArea({0x01, 0x00, fru.chassisType}, {fru.chassisPartNumber, fru.chassisSerialNumber});
}

Bytes boardArea(const FruConfig& fru)
{
    const auto minutes = fru.boardMfgMinutes;
    return infoArea(
        {0x01, 0x00, 0x00, // English
         static_cast<std::uint8_t>(minutes & 0xFF), static_cast<std::uint8_t>((minutes >> 8) & 0xFF),
         static_cast<std::uint8_t>((minutes >> 16) & 0xFF)},
        {fru.board.manufacturer, fru.board.name, fru.board.serialNumber, fru.board.partNumber, "" /* FRU file id */});
}

Bytes productArea(const FruConfig& fru)
{
    return infoArea({0x01, 0x00, 0x00},
                    {fru.product.manufacturer, fru.product.name, fru.product.partNumber, fru.product.version,
                     fru.product.serialNumber, fru.product.assetTag, "" /* FRU file id */});
}

void getFruAreaInfo(BmcState& state, const Request& req, Response& rsp)
{
    if (req.data[0] != 0) {
        rsp.fail(cc::notPresent);
        return;
    }
    rsp.push16(static_cast<std::uint16_t>(state.fru.size()));
    rsp.push(0x00); // byte access
}

void readFruData(BmcState& state, const Request& req, Response& rsp)
{
    if (req.data[0] != 0) {
        rsp.fail(cc::notPresent);
        return;
    }
    std::uint16_t offset = le16(req.data, 1);
    std::uint8_t count = req.data[3];
    if (offset >= state.fru.size()) {
        rsp.fail(cc::parameterOutOfRange);
        return;
    }
    // [netfn][cmd][cc][count][data]
    if (4 + static_cast<std::size_t>(count) > state.responseLimit()) {
        rsp.fail(cc::cannotReturnBytes);
        return;
    }
    std::size_t length = std::min<std::size_t>(count, state.fru.size() - offset);
    rsp.push(static_cast<std::uint8_t>(length));
    rsp.append(std::span<const std::uint8_t>(state.fru).subspan(offset, length));
}

void writeFruData(BmcState& state, const Request& req, Response& rsp)
{
    if (req.data[0] != 0) {
        rsp.fail(cc::notPresent);
        return;
    }
    std::uint16_t offset = le16(req.data, 1);
    std::span<const std::uint8_t> data = req.data.subspan(3);
    if (offset >= state.fru.size()) {
        rsp.fail(cc::parameterOutOfRange);
        return;
    }
    std::size_t length = std::min<std::size_t>(data.size(), state.fru.size() - offset);
    std::copy_n(data.begin(), length, state.fru.begin() + offset);
    rsp.push(static_cast<std::uint8_t>(length));
}

constexpr CommandEntry fruTable[] = {
    {abi::IPMI_GET_FRU_INVENTORY_AREA_INFO_CMD, getFruAreaInfo, 1, 1},
    {abi::IPMI_READ_FRU_DATA_CMD, readFruData, 4, 4},
    {abi::IPMI_WRITE_FRU_DATA_CMD, writeFruData, 3, 255},
};

} // namespace

Bytes buildFruImage(const FruConfig& config)
{
    Bytes image;
    if (config.image) {
        image = *config.image;
    } else {
        Bytes chassis = chassisArea(config);
        Bytes board = boardArea(config);
        Bytes product = productArea(config);
        std::size_t chassisAt = 8;
        std::size_t boardAt = chassisAt + chassis.size();
        std::size_t productAt = boardAt + board.size();
        Bytes common{0x01,
                     0x00,
                     static_cast<std::uint8_t>(chassisAt / 8),
                     static_cast<std::uint8_t>(boardAt / 8),
                     static_cast<std::uint8_t>(productAt / 8),
                     0x00,
                     0x00};
        common.push_back(zeroChecksum(common));
        image = common;
        image.insert(image.end(), chassis.begin(), chassis.end());
        image.insert(image.end(), board.begin(), board.end());
        image.insert(image.end(), product.begin(), product.end());
    }
    if (image.size() < config.size) {
        image.resize(config.size, 0x00);
    }
    return image;
}

std::span<const CommandEntry> fruCommands()
{
    return fruTable;
}

} // namespace ipmi::sim
