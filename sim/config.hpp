// The simulated BMC's configuration: who it claims to be (Get Device ID), what
// it carries (sensors and their SDRs, FRU, SEL size, IPMB satellites,
// channels), what its system interfaces report about themselves (Get BT
// Interface Capabilities, Get System Interface Capabilities), its queue sizes
// and the faults it starts with. BmcConfig::defaults() is the built-in BMC
// that `--sim` alone gives; loadBmcConfig() reads the same structure from a
// TOML file and refuses a bad file with "file:line:column: problem".
//
// Raw values are what travels on the wire; the conversion factors of each
// sensor (M, B, exponents) only go into its SDR, as on a real BMC.
#pragma once

#include "abi/ipmi_msgdefs.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ipmi::sim {

// What Get Device ID (App 0x01) answers.
struct DeviceIdentity
{
    std::uint8_t deviceId = 0x20;
    std::uint8_t deviceRevision = 0x01; // 4 bits
    bool providesDeviceSdrs = false;    // byte 2 bit 7
    std::uint8_t firmwareMajor = 0x01;  // 7 bits (bit 7 = "update in progress")
    std::uint8_t firmwareMinor = 0x00;  // BCD
    std::uint8_t ipmiVersion = 0x02;    // BCD, low nibble major: 0x02 = 2.0, 0x51 = 1.5
    // Bit 0 sensor device, 1 SDR repository, 2 SEL, 3 FRU inventory,
    // 4 IPMB event receiver, 5 IPMB event generator, 6 bridge, 7 chassis.
    std::uint8_t additionalDeviceSupport = 0xBF;
    std::uint32_t manufacturerId = 32473; // 20 bits; IANA's documentation PEN (RFC 5612)
    std::uint16_t productId = 0x0001;
    std::array<std::uint8_t, 4> auxFirmware{};
    std::array<std::uint8_t, 16> guid{}; // Get Device GUID, wire order
};

// How a simulated sensor's raw reading moves under Bmc::advance().
struct SensorMotion
{
    enum class Kind : std::uint8_t
    {
        Constant, // stays at SensorConfig::initialRaw
        Triangle, // moves `step` raw units every `period`, bouncing between low and high
    };
    Kind kind = Kind::Constant;
    std::int16_t step = 1;
    std::chrono::milliseconds period{1000};
    std::uint8_t low = 0;
    std::uint8_t high = 255;
};

// Raw threshold values; an absent one is neither readable nor settable.
struct SensorThresholds
{
    std::optional<std::uint8_t> lowerNonCritical;
    std::optional<std::uint8_t> lowerCritical;
    std::optional<std::uint8_t> lowerNonRecoverable;
    std::optional<std::uint8_t> upperNonCritical;
    std::optional<std::uint8_t> upperCritical;
    std::optional<std::uint8_t> upperNonRecoverable;
};

// One threshold-based analog sensor with a full sensor record (SDR type 0x01).
struct SensorConfig
{
    std::uint8_t number = 0;
    std::string name;                     // SDR ID string, at most 16 bytes
    std::uint8_t sensorType = 0x01;       // 0x01 temperature, 0x02 voltage, 0x04 fan, ...
    std::uint8_t eventReadingType = 0x01; // 0x01 threshold
    std::uint8_t entityId = 0x07;         // 0x07 system board
    std::uint8_t entityInstance = 0x01;
    std::uint8_t baseUnit = 0x01;     // 1 degrees C, 4 volts, 18 RPM
    std::uint8_t analogFormat = 0x00; // 0 unsigned, 1 one's, 2 two's complement
    std::int16_t m = 1;               // 10 bits signed
    std::int16_t b = 0;               // 10 bits signed
    std::int8_t bExp = 0;             // 4 bits signed
    std::int8_t rExp = 0;             // 4 bits signed
    std::uint8_t nominalRaw = 0;
    std::uint8_t normalMinRaw = 0;
    std::uint8_t normalMaxRaw = 0xFF;
    std::uint8_t initialRaw = 0;
    std::uint8_t positiveHysteresis = 0;
    std::uint8_t negativeHysteresis = 0;
    SensorThresholds thresholds;
    // Threshold event offsets (bit n = offset n, 0..11) the sensor may assert /
    // deassert; the same masks start enabled.
    std::uint16_t assertionMask = 0;
    std::uint16_t deassertionMask = 0;
    SensorMotion motion;
};

// Product identity of an IPMB satellite controller on channel 0.
struct SatelliteConfig
{
    std::uint8_t address = 0; // 8-bit IPMB slave address (even)
    std::uint8_t channel = 0;
    DeviceIdentity identity;
    // Time from Send Message to the reply appearing in the receive queue.
    std::chrono::milliseconds responseDelay{5};
};

struct ChannelConfig
{
    std::uint8_t number = 0;         // 0..0x0B, 0x0F = system interface
    std::uint8_t medium = 0;         // 1 IPMB, 4 LAN 802.3, 0x0C system interface
    std::uint8_t protocol = 0;       // 1 IPMB-1.0, 5 KCS, 6 SMIC, 8 BT-15, 4 SMBus (SSIF)
    std::uint8_t sessionSupport = 0; // 0 session-less, 1 single, 2 multi, 3 session-based
    std::uint8_t activeSessions = 0;
};

// Get BT Interface Capabilities (App 0x36).
struct BtCapabilities
{
    std::uint8_t outstandingRequests = 1;
    std::uint8_t inputBufferSize = 64; // bytes the BMC accepts, length byte included
    std::uint8_t outputBufferSize = 64;
    std::uint8_t requestToResponseSeconds = 5;
    std::uint8_t retries = 2;
};

// Get System Interface Capabilities (App 0x57) for SSIF.
struct SsifCapabilities
{
    enum class Transactions : std::uint8_t
    {
        SinglePart = 0,        // one 32-byte block each way
        MultiPartStartEnd = 1, // start + end (at most 2 blocks)
        MultiPartMiddle = 2,   // start, middles, end
    };
    Transactions transactions = Transactions::MultiPartMiddle;
    bool pec = true;
    std::uint8_t maxInputSize = 255;  // request bytes (netfn/cmd included)
    std::uint8_t maxOutputSize = 255; // response bytes
};

// Which system interface the BMC sits behind: chooses channel 0x0F's protocol
// and what Get System Interface Capabilities answers for the other types.
enum class SystemInterfaceType : std::uint8_t
{
    Kcs,
    Smic,
    Bt,
    Ssif,
};

struct FruArea
{
    std::string manufacturer;
    std::string name;
    std::string partNumber;
    std::string version;
    std::string serialNumber;
    std::string assetTag;
};

// FRU device 0. When `image` is set it is used verbatim (and padded to
// `size`); otherwise the chassis/board/product areas are built from the fields.
struct FruConfig
{
    std::uint16_t size = 1024;
    std::uint8_t chassisType = 0x17; // rack mount chassis
    std::string chassisPartNumber;
    std::string chassisSerialNumber;
    std::uint32_t boardMfgMinutes = 0; // minutes since 1996-01-01
    FruArea board;                     // manufacturer, name, serial, part
    FruArea product;                   // all fields
    std::optional<std::vector<std::uint8_t>> image;
};

// A SEL record present at start: record type and bytes 3..15 of the record
// (timestamp first). Timestamped types (0x02, 0xC0-0xDF) get the BMC's start
// time instead of the given timestamp, as Add SEL Entry does.
struct SelSeed
{
    std::uint8_t recordType = 0x02;
    std::array<std::uint8_t, 13> data{};
};

struct ChassisConfig
{
    bool poweredOnAtStart = true;
    std::uint8_t powerRestorePolicy = 0x02; // 0 stay off, 1 restore, 2 always on
    std::chrono::milliseconds powerCycleInterval{1000};
};

struct CompletionCodeFault
{
    std::uint8_t netfn = 0;          // request netfn
    std::optional<std::uint8_t> cmd; // any command when absent
    std::uint8_t completionCode = abi::IPMI_ERR_UNSPECIFIED;
    unsigned count = 0; // times to apply; 0 = until cleared
};

// Faults active from the start; FaultInjector changes them at run time.
// The largest change the wrong-length fault makes, either way: enough to
// pad any response past what any interface holds (IPMI_MAX_MSG_LENGTH, 272).
inline constexpr int kMaxLengthDelta = 512;

struct FaultConfig
{
    std::chrono::microseconds responseDelay{0}; // per command
    std::chrono::microseconds byteDelay{0};     // per request and response byte
    unsigned dropNextResponses = 0;
    unsigned dropEveryNth = 0; // 0 = never
    std::vector<CompletionCodeFault> completionCodes;
    std::chrono::milliseconds silentFor{0}; // from start: requests go unanswered
    unsigned corruptEveryNthByte = 0;       // 0 = never
    std::uint8_t corruptXor = 0xFF;
    unsigned corruptByteCount = 0; // bytes to corrupt; 0 = unlimited
    int lengthDelta = 0;           // bytes cut from (< 0) or added to (> 0) each response; 0 = never
    unsigned lengthCount = 0;      // responses to change; 0 = unlimited
    bool noIrq = false;            // KCS/BT/SMIC: no interrupt wired (FaultInjector::setNoIrq)
};

struct BmcConfig
{
    DeviceIdentity identity;
    std::uint8_t bmcAddress = 0x20; // the BMC's own IPMB address
    SystemInterfaceType systemInterface = SystemInterfaceType::Kcs;
    std::vector<ChannelConfig> channels;
    std::vector<SensorConfig> sensors;
    std::string mcLocatorName = "BMC"; // SDR type 0x12 ID string
    FruConfig fru;
    std::uint16_t selCapacity = 512; // entries
    std::vector<SelSeed> selSeeds;
    std::vector<SatelliteConfig> satellites;
    ChassisConfig chassis;
    BtCapabilities bt;
    SsifCapabilities ssif;
    std::size_t receiveQueueCapacity = 16; // messages (Get Message)
    std::size_t eventBufferCapacity = 1;   // events (Read Event Message Buffer)
    // Added to the steady clock for SEL time (seconds since 1970) at start.
    std::int64_t wallClockAtStart = 1'700'000'000;
    FaultConfig faults;

    // The built-in BMC: temperature/voltage/fan sensors, MC locator, FRU,
    // two IPMB satellites, IPMB/LAN/system-interface channels.
    static BmcConfig defaults();
};

struct ConfigError
{
    std::string message; // "path:line:column: problem"
};

using ConfigResult = std::variant<BmcConfig, ConfigError>;

// Reads a TOML file; every key missing from it keeps its defaults() value
// (arrays such as [[sensor]] replace the default list when present).
ConfigResult loadBmcConfig(const std::filesystem::path& path);
// The same from text; `sourceName` stands for the path in error messages.
ConfigResult parseBmcConfig(std::string_view text, std::string_view sourceName);

} // namespace ipmi::sim
