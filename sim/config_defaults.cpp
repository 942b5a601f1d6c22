// The built-in BMC that `--sim` gives without a configuration file: enough
// for ipmitool's mc info, sdr list, sensor list, sel list, fru print, chassis
// status and mc watchdog get to show something meaningful — two
// temperatures, two voltages and two fans with full SDRs that drift slowly,
// an MC locator, a FRU with chassis/board/product areas, one SEL entry from
// power-up, two IPMB satellites, and IPMB/LAN/system-interface channels.
#include "sim/config.hpp"

namespace ipmi::sim {
namespace {

// Upper thresholds assert "going high" (offsets 7, 9, 11); lower ones
// "going low" (offsets 0, 2, 4).
constexpr std::uint16_t upperEvents = (1U << 7) | (1U << 9) | (1U << 11);
constexpr std::uint16_t lowerEvents = (1U << 0) | (1U << 2) | (1U << 4);

SensorConfig temperature(std::uint8_t number, std::string name, std::uint8_t start, std::uint8_t low, std::uint8_t high,
                         std::uint8_t unc, std::uint8_t uc, std::uint8_t unr)
{
    SensorConfig s;
    s.number = number;
    s.name = std::move(name);
    s.sensorType = 0x01;
    s.entityId = 0x03; // processor / ambient set per sensor below
    s.baseUnit = 0x01; // degrees C, 1 raw unit = 1 degree
    s.nominalRaw = start;
    s.normalMinRaw = 10;
    s.normalMaxRaw = unc;
    s.initialRaw = start;
    s.positiveHysteresis = 2;
    s.negativeHysteresis = 2;
    s.thresholds.upperNonCritical = unc;
    s.thresholds.upperCritical = uc;
    s.thresholds.upperNonRecoverable = unr;
    s.assertionMask = upperEvents;
    s.deassertionMask = upperEvents;
    s.motion = {SensorMotion::Kind::Triangle, 1, std::chrono::milliseconds{2000}, low, high};
    return s;
}

// Volts = raw * m * 10^rExp.
SensorConfig voltage(std::uint8_t number, std::string name, std::int16_t m, std::uint8_t nominal, std::uint8_t lc,
                     std::uint8_t lnc, std::uint8_t unc, std::uint8_t uc)
{
    SensorConfig s;
    s.number = number;
    s.name = std::move(name);
    s.sensorType = 0x02;
    s.entityId = 0x07; // system board
    s.baseUnit = 0x04; // volts
    s.m = m;
    s.rExp = -3;
    s.nominalRaw = nominal;
    s.normalMinRaw = lnc;
    s.normalMaxRaw = unc;
    s.initialRaw = nominal;
    s.positiveHysteresis = 1;
    s.negativeHysteresis = 1;
    s.thresholds.lowerCritical = lc;
    s.thresholds.lowerNonCritical = lnc;
    s.thresholds.upperNonCritical = unc;
    s.thresholds.upperCritical = uc;
    s.assertionMask = (1U << 0) | (1U << 2) | (1U << 7) | (1U << 9);
    s.deassertionMask = s.assertionMask;
    s.motion = {SensorMotion::Kind::Triangle, 1, std::chrono::milliseconds{3000},
                static_cast<std::uint8_t>(nominal - 2), static_cast<std::uint8_t>(nominal + 2)};
    return s;
}

// RPM = raw * 50.
SensorConfig fan(std::uint8_t number, std::string name, std::uint8_t start)
{
    SensorConfig s;
    s.number = number;
    s.name = std::move(name);
    s.sensorType = 0x04;
    s.entityId = 0x1D; // fan device
    s.baseUnit = 18;   // RPM
    s.m = 50;
    s.nominalRaw = start;
    s.normalMinRaw = 40;
    s.normalMaxRaw = 200;
    s.initialRaw = start;
    s.positiveHysteresis = 2;
    s.negativeHysteresis = 2;
    s.thresholds.lowerNonRecoverable = 10; //  500 RPM
    s.thresholds.lowerCritical = 20;       // 1000 RPM
    s.thresholds.lowerNonCritical = 30;    // 1500 RPM
    s.assertionMask = lowerEvents;
    s.deassertionMask = lowerEvents;
    s.motion = {SensorMotion::Kind::Triangle, 2, std::chrono::milliseconds{1000}, static_cast<std::uint8_t>(start - 10),
                static_cast<std::uint8_t>(start + 10)};
    return s;
}

} // namespace

BmcConfig BmcConfig::defaults()
{
    BmcConfig c;
    c.identity.guid = {0x6a, 0x1c, 0x2e, 0x9b, 0x31, 0x4d, 0x4f, 0x8a, 0x9e, 0x57, 0x0b, 0x2a, 0x3c, 0x4d, 0x5e, 0x6f};
    c.identity.auxFirmware = {0x00, 0x00, 0x00, 0x00};

    c.channels = {
        {.number = 0x00, .medium = 1, .protocol = 1, .sessionSupport = 0, .activeSessions = 0},    // IPMB
        {.number = 0x01, .medium = 4, .protocol = 1, .sessionSupport = 2, .activeSessions = 0},    // LAN 802.3
        {.number = 0x0F, .medium = 0x0C, .protocol = 5, .sessionSupport = 0, .activeSessions = 0}, // system interface
    };

    SensorConfig cpu = temperature(0x01, "CPU Temp", 45, 40, 60, 80, 90, 100);
    cpu.entityId = 0x03; // processor
    SensorConfig inlet = temperature(0x02, "Inlet Temp", 24, 22, 28, 40, 45, 50);
    inlet.entityId = 0x37; // air inlet
    c.sensors = {
        cpu,
        inlet,
        voltage(0x10, "12V", 60, 200, 180, 190, 210, 220),  // 0.06 V/count: 12.0 V nominal
        voltage(0x11, "3.3V", 20, 165, 150, 157, 173, 180), // 0.02 V/count: 3.30 V nominal
        fan(0x20, "Fan1", 120),                             // 6000 RPM
        fan(0x21, "Fan2", 110),                             // 5500 RPM
    };
    c.mcLocatorName = "BMC";

    c.fru.chassisType = 0x17;
    c.fru.chassisPartNumber = "SIM-CH-0001";
    c.fru.chassisSerialNumber = "CH0000001";
    c.fru.boardMfgMinutes = 14'726'880; // 2024-01-01 00:00 since 1996-01-01
    c.fru.board = {.manufacturer = "ipmi-cuse",
                   .name = "Simulated Board",
                   .partNumber = "SIM-MB-0001",
                   .version = "",
                   .serialNumber = "MB0000001",
                   .assetTag = ""};
    c.fru.product = {.manufacturer = "ipmi-cuse",
                     .name = "Simulated Server",
                     .partNumber = "SIM-SRV-0001",
                     .version = "1.0",
                     .serialNumber = "SRV0000001",
                     .assetTag = "none"};

    // "System Boot / Restart Initiated" (0x1D), offset 0: initiated by power up.
    SelSeed boot;
    boot.recordType = 0x02;
    boot.data = {0, 0, 0, 0, 0x20, 0x00, 0x04, 0x1D, 0x80, 0x6F, 0x00, 0xFF, 0xFF};
    c.selSeeds = {boot};

    SatelliteConfig me;
    me.address = 0x2C;
    me.identity.deviceId = 0x50;
    me.identity.deviceRevision = 0x01;
    me.identity.firmwareMajor = 0x04;
    me.identity.firmwareMinor = 0x10;
    me.identity.ipmiVersion = 0x02;
    me.identity.additionalDeviceSupport = 0x21; // sensor device, event generator
    me.identity.productId = 0x0B50;
    SatelliteConfig hsc;
    hsc.address = 0x72;
    hsc.identity.deviceId = 0x72;
    hsc.identity.firmwareMajor = 0x01;
    hsc.identity.firmwareMinor = 0x02;
    hsc.identity.ipmiVersion = 0x51;
    hsc.identity.additionalDeviceSupport = 0x01;
    hsc.identity.productId = 0x0072;
    c.satellites = {me, hsc};
    return c;
}

} // namespace ipmi::sim
