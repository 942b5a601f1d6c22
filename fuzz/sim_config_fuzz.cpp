// libFuzzer target: the simulated BMC's configuration loader
// (sim/config_loader.cpp over sim/toml_reader.cpp) with arbitrary TOML, and
// the BMC built from whatever it accepts: a configuration the loader lets
// through must make a BMC that answers every command well-formed, however
// odd its sensors, FRU, SEL seeds, satellites, capabilities and faults.
//
// Input: TOML text.
//
// Checks (a failed check aborts, so libFuzzer keeps the input): the loader
// answers a configuration or an error naming where ("name:line:col: ...");
// the BMC built from a configuration answers each request of a fixed tour
// at most once (faults may delay or drop answers), well-formed, and its
// clock never loops.
#include "fuzz/bmc_harness.hpp"
#include "sim/config.hpp"

#include <string_view>
#include <variant>
#include <vector>

namespace {

using ipmi::sim::Bytes;

const ipmi::sim::SteadyTime kStart = ipmi::sim::SteadyTime{} + std::chrono::hours(1000);

// One of each kind of command, including every sensor reading and the
// first records of SDR, SEL and FRU, and a message to every satellite.
std::vector<Bytes> tour(const ipmi::sim::BmcConfig& config)
{
    std::vector<Bytes> requests = {
        {0x18, 0x01},                                     // Get Device ID
        {0x18, 0x37},                                     // Get System GUID
        {0x18, 0x2F},                                     // Get BMC Global Enables
        {0x18, 0x2E, 0x0F},                               // Set BMC Global Enables: everything
        {0x18, 0x31},                                     // Get Message Flags
        {0x18, 0x33},                                     // Get Message
        {0x18, 0x35},                                     // Read Event Message Buffer
        {0x18, 0x42, 0x0F},                               // Get Channel Info: system interface
        {0x18, 0x36},                                     // Get BT Interface Capabilities
        {0x18, 0x57, 0x00},                               // Get System Interface Capabilities: SSIF
        {0x18, 0x24, 0x04, 0x01, 0x00, 0x00, 0x0A, 0x00}, // Set Watchdog Timer: 1 s
        {0x18, 0x22},                                     // Reset Watchdog Timer
        {0x00, 0x01},                                     // Get Chassis Status
        {0x00, 0x02, 0x03},                               // Chassis Control: power cycle
        {0x28, 0x20},                                     // Get SDR Repository Info
        {0x28, 0x22},                                     // Reserve SDR Repository
        {0x28, 0x23, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF}, // Get SDR: first, whole
        {0x28, 0x40},                                     // Get SEL Info
        {0x28, 0x43, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF}, // Get SEL Entry: first
        {0x28, 0x10, 0x00},                               // Get FRU Inventory Area Info
        {0x28, 0x11, 0x00, 0x00, 0x00, 0x20},             // Read FRU Data: 32 bytes
        {0x28, 0x48},                                     // Get SEL Time
    };
    for (const auto& sensor : config.sensors) {
        requests.push_back({0x10, 0x2D, sensor.number}); // Get Sensor Reading
        requests.push_back({0x10, 0x27, sensor.number}); // Get Sensor Thresholds
    }
    for (const auto& satellite : config.satellites) {
        // Send Message, tracking on: Get Device ID to the satellite,
        // [rsSA][netfn/rsLUN][chk1][rqSA][rqSeq/rqLUN][cmd][chk2].
        const std::uint8_t netfn = 0x06 << 2;
        const auto headerSum = static_cast<std::uint8_t>(0x100 - ((satellite.address + netfn) & 0xFF));
        const auto bodySum = static_cast<std::uint8_t>(0x100 - ((0x20 + 0x04 + 0x01) & 0xFF));
        requests.push_back({0x18, 0x34, static_cast<std::uint8_t>(0x40 | satellite.channel), satellite.address, netfn,
                            headerSum, 0x20, 0x04, 0x01, bodySum});
    }
    return requests;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace ipmi;
    fuzz::silenceLogs();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = sim::parseBmcConfig(text, "fuzz.toml");
    if (const auto* error = std::get_if<sim::ConfigError>(&parsed)) {
        fuzz::check(error->message.starts_with("fuzz.toml"), "a configuration error that does not say where");
        return 0;
    }
    const sim::BmcConfig& config = std::get<sim::BmcConfig>(parsed);
    sim::Bmc bmc(config, kStart);
    fuzz::BmcDriver driver(bmc, kStart);
    for (const Bytes& request : tour(config)) {
        static_cast<void>(driver.send(request));
        driver.advance(std::chrono::milliseconds(100));
    }
    driver.advance(std::chrono::minutes(10)); // delayed answers, satellites, the watchdog
    return 0;
}
