// The shape every command handler of the simulated BMC shares: a parsed
// request, a response under construction, and the per-netfn table entry
// {command, handler, minimum and maximum data length} that the dispatcher
// (sim/dispatcher.cpp) checks before a handler ever runs. Handlers only
// validate what the table cannot express (field values, reservations,
// record numbers) and set a completion code through Response::fail().
#pragma once

#include "abi/ipmi_commands.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ipmi::sim {

struct BmcState;

// Completion codes the BMC answers with, by the short names its handlers
// use; the numbers are abi/'s.
namespace cc {
inline constexpr std::uint8_t ok = abi::IPMI_CC_NO_ERROR;
inline constexpr std::uint8_t commandSpecific80 = abi::IPMI_CMD_SPECIFIC_80_ERR;
inline constexpr std::uint8_t commandSpecific81 = abi::IPMI_CMD_SPECIFIC_81_ERR;
inline constexpr std::uint8_t nakOnWrite = abi::IPMI_NAK_ON_WRITE_ERR;
inline constexpr std::uint8_t invalidCommand = abi::IPMI_INVALID_COMMAND_ERR;
inline constexpr std::uint8_t invalidForLun = abi::IPMI_INVALID_CMD_FOR_LUN_ERR;
inline constexpr std::uint8_t outOfSpace = abi::IPMI_OUT_OF_SPACE_ERR;
inline constexpr std::uint8_t reservationCancelled = abi::IPMI_RESERVATION_CANCELED_ERR;
inline constexpr std::uint8_t lengthInvalid = abi::IPMI_REQ_LEN_INVALID_ERR;
inline constexpr std::uint8_t lengthExceeded = abi::IPMI_REQ_LEN_EXCEEDED_ERR;
inline constexpr std::uint8_t parameterOutOfRange = abi::IPMI_PARAM_OUT_OF_RANGE_ERR;
inline constexpr std::uint8_t cannotReturnBytes = abi::CANNOT_RETURN_REQUESTED_LENGTH;
inline constexpr std::uint8_t notPresent = abi::IPMI_NOT_PRESENT_ERR;
inline constexpr std::uint8_t invalidDataField = abi::IPMI_INVALID_DATA_FIELD_ERR;
inline constexpr std::uint8_t notInPresentState = abi::IPMI_NOT_IN_MY_STATE_ERR;
inline constexpr std::uint8_t unspecified = abi::IPMI_ERR_UNSPECIFIED;
} // namespace cc

struct Request
{
    std::uint8_t netfn = 0;
    std::uint8_t lun = 0;
    std::uint8_t cmd = 0;
    std::span<const std::uint8_t> data;
};

class Response
{
  public:
    void push(std::uint8_t byte) { data_.push_back(byte); }
    void push16(std::uint16_t value)
    {
        push(static_cast<std::uint8_t>(value & 0xFF));
        push(static_cast<std::uint8_t>(value >> 8));
    }
    void push32(std::uint32_t value)
    {
        push16(static_cast<std::uint16_t>(value & 0xFFFF));
        push16(static_cast<std::uint16_t>(value >> 16));
    }
    void append(std::span<const std::uint8_t> bytes) { data_.insert(data_.end(), bytes.begin(), bytes.end()); }
    // A failed command answers only its completion code.
    void fail(std::uint8_t code)
    {
        cc_ = code;
        data_.clear();
    }
    [[nodiscard]] std::uint8_t completionCode() const { return cc_; }
    [[nodiscard]] const std::vector<std::uint8_t>& data() const { return data_; }

  private:
    std::uint8_t cc_ = cc::ok;
    std::vector<std::uint8_t> data_;
};

using Handler = void (*)(BmcState&, const Request&, Response&);

struct CommandEntry
{
    std::uint8_t cmd;
    Handler handler;
    std::uint16_t minLength; // request data bytes after netfn/cmd
    std::uint16_t maxLength;
};

// Per-concern tables; the dispatcher merges those of one netfn.
std::span<const CommandEntry> appDeviceCommands();   // app_commands.cpp
std::span<const CommandEntry> messagingCommands();   // messaging.cpp (App)
std::span<const CommandEntry> watchdogCommands();    // watchdog.cpp (App)
std::span<const CommandEntry> satelliteCommands();   // satellites.cpp (App Send Message)
std::span<const CommandEntry> chassisCommands();     // chassis.cpp
std::span<const CommandEntry> sensorEventCommands(); // sensors.cpp
std::span<const CommandEntry> selCommands();         // sel.cpp (Storage)
std::span<const CommandEntry> sdrCommands();         // sdr.cpp (Storage)
std::span<const CommandEntry> fruCommands();         // fru.cpp (Storage)

// Runs one system-interface request [netfn<<2|lun][cmd][data...] and returns
// the response [(netfn|1)<<2|lun][cmd][cc][data...].
std::vector<std::uint8_t> dispatch(BmcState& state, std::span<const std::uint8_t> request);

// Little-endian field helpers for handlers.
inline std::uint16_t le16(std::span<const std::uint8_t> data, std::size_t at)
{
    return static_cast<std::uint16_t>(data[at] | (data[at + 1] << 8));
}
inline std::uint32_t le32(std::span<const std::uint8_t> data, std::size_t at)
{
    return static_cast<std::uint32_t>(le16(data, at)) | (static_cast<std::uint32_t>(le16(data, at + 2)) << 16);
}

} // namespace ipmi::sim
