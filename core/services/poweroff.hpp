// Power-off through the BMC: the userspace ipmi_poweroff. When an interface
// becomes usable (the one ifnum_to_use names, else the first), it asks the
// BMC who it is (Get Device ID) and picks a method in the kernel's order:
// ATCA (PICMG Get Address Info answers), the CPI1 board, Dell chassis with
// IPMI < 1.5, the HP boards the kernel knows, and finally any BMC that calls
// itself a chassis device. powerOff() then sends that method's commands:
// Chassis Control power down (or power cycle, falling back to power down if
// the cycle is refused), ATCA Set Power Level 0 (plus the Pigeon Point
// graceful-restart OEM command on Motorola's PPS IPMC), or the CPI1 hot-swap
// sequence.
//
// The kernel hooks this to pm_power_off; here the systemd-shutdown hook runs
// it after the daemon has stopped (poweroff_run.hpp), and the daemon may use
// it to report which method the machine would get.
#pragma once

#include "core/message_handler.hpp"
#include "core/services/service_user.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipmi::core::services {

enum class PowerOffMethod : std::uint8_t
{
    None,        // nothing detected: the kernel gives up
    Atca,        // PICMG Set Power Level
    Cpi1,        // the CPI1 OEM hot-swap sequence
    DellChassis, // Chassis Control, Dell with IPMI < 1.5
    HpChassis,   // Chassis Control, HP PA-RISC / rx2600 / zx6000 BMCs
    Chassis,     // Chassis Control, "chassis device" capability bit
};

[[nodiscard]] const char* toString(PowerOffMethod method);

// What Get Device ID told the detector (ipmi_poweroff's globals).
struct PowerOffIdentity
{
    std::uint32_t manufacturerId = 0; // response bytes 7..9, little-endian
    std::uint16_t productId = 0;      // bytes 10..11
    std::uint8_t capabilities = 0;    // byte 6, Additional Device Support
    std::uint8_t ipmiVersion = 0;     // byte 5, BCD, low nibble major
};

struct PowerOffDetection
{
    int ifnum = -1;
    PowerOffMethod method = PowerOffMethod::None;
    bool pigeonPoint = false; // ATCA: also send the PPS graceful-restart command
    std::optional<PowerOffIdentity> identity;
    std::optional<std::string> problem; // why nothing was detected, if so
};

// One command sent during power-off, for logs and tests.
struct PowerOffStep
{
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::vector<std::uint8_t> data;
    int error = 0;       // -errno if the request could not be queued
    std::uint8_t cc = 0; // completion code if it was answered
};

struct PowerOffOutcome
{
    PowerOffMethod method = PowerOffMethod::None;
    bool commanded = false;   // the BMC accepted the final power command
    bool powerCycled = false; // that command was a power cycle
    std::vector<PowerOffStep> steps;
    std::optional<std::string> problem; // why not, if not
};

struct PowerOffConfig
{
    int ifnumToUse = -1; // ifnum_to_use: -1 = the first interface that registers
    // poweroff_powercycle, read when powerOff() runs (the kernel reads its
    // variable at that moment too).
    std::function<int()> powerCycle = [] { return 0; };
};

class PowerOff
{
  public:
    PowerOff(MessageHandler& handler, PowerOffConfig config);
    ~PowerOff();
    PowerOff(const PowerOff&) = delete;
    PowerOff& operator=(const PowerOff&) = delete;

    // Starts watching for the interface to use. onDetected (optional) is
    // called once detection has finished, with or without a method.
    void start(std::function<void(const PowerOffDetection&)> onDetected = {});

    [[nodiscard]] bool detectionDone() const { return detectionDone_; }
    [[nodiscard]] const PowerOffDetection& detection() const { return detection_; }

    // Sends the detected method's commands; done is called once all are
    // answered (at once, with a problem, if nothing was detected or a
    // power-off is already under way).
    void powerOff(std::function<void(PowerOffOutcome)> done);

  private:
    class Action;

    void interfaceAdded(int ifnum);
    void interfaceGone(int ifnum);
    // Gives up the interface's user (detection failed, or it went away).
    void retireUser();
    void deviceIdAnswered(const ServiceResponse& rsp);
    void atcaAnswered(const ServiceResponse& rsp);
    void finishDetection(PowerOffMethod method, std::optional<std::string> problem = std::nullopt);

    MessageHandler& handler_;
    PowerOffConfig config_;
    int watcherId_ = -1;
    bool probing_ = false;
    bool detectionDone_ = false;
    PowerOffDetection detection_;
    std::unique_ptr<ServiceUser> user_;
    std::unique_ptr<Action> action_;
    std::function<void(const PowerOffDetection&)> onDetected_;
};

// The pure detection rules after the ATCA probe (cpi1 / Dell / HP / chassis
// bit, in that order); None when none applies.
[[nodiscard]] PowerOffMethod detectFromIdentity(const PowerOffIdentity& identity);

// Motorola's Pigeon Point IPMC, which also wants the OEM graceful restart.
[[nodiscard]] bool isPigeonPoint(const PowerOffIdentity& identity);

} // namespace ipmi::core::services
