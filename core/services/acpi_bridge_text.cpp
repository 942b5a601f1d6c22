// The text form of ACPI IPMI requests for the daemon's control socket.
#include "core/services/acpi_bridge.hpp"

#include <charconv>

namespace ipmi::core::services {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

std::variant<AcpiIpmiCommand, std::string> parseAcpiIpmiCommand(std::string_view addressHex, std::string_view bufferHex)
{
    AcpiIpmiCommand command;
    if (addressHex.starts_with("0x") || addressHex.starts_with("0X")) {
        addressHex.remove_prefix(2);
    }
    const auto* end = addressHex.data() + addressHex.size();
    const auto [ptr, ec] = std::from_chars(addressHex.data(), end, command.address, 16);
    if (addressHex.empty() || ec != std::errc{} || ptr != end) {
        return "bad region address (hex expected, e.g. 0x0601)";
    }
    std::size_t count = 0;
    std::array<std::uint8_t, kAcpiIpmiBufferBytes> bytes{};
    int high = -1;
    for (const char c : bufferHex) {
        if (c == ' ' || c == ':') {
            if (high >= 0) {
                return "buffer: odd number of hex digits in a byte";
            }
            continue;
        }
        const int v = hexValue(c);
        if (v < 0) {
            return "buffer: not a hex digit";
        }
        if (high < 0) {
            high = v;
            continue;
        }
        if (count == bytes.size()) {
            return "buffer: more than 66 bytes (status, length, 64 data bytes)";
        }
        bytes[count++] = static_cast<std::uint8_t>((high << 4) | v);
        high = -1;
    }
    if (high >= 0) {
        return "buffer: odd number of hex digits";
    }
    if (count < 2) {
        return "buffer: at least the status and length bytes are needed";
    }
    command.buffer.status = bytes[0];
    command.buffer.length = bytes[1];
    std::copy(bytes.begin() + 2, bytes.end(), command.buffer.data.begin());
    return command;
}

std::string formatAcpiIpmiBuffer(const AcpiIpmiBuffer& buffer)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(kAcpiIpmiBufferBytes * 2);
    auto put = [&out](std::uint8_t b) {
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 0x0F]);
    };
    put(buffer.status);
    put(buffer.length);
    for (const auto b : buffer.data) {
        put(b);
    }
    return out;
}

} // namespace ipmi::core::services
