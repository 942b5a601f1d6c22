// The seam between the message handler and a hardware interface driver: the
// userspace counterpart of the kernel's struct ipmi_smi_handlers
// (include/linux/ipmi_smi.h). si/ (KCS, BT, SMIC) and ssif/ implement
// Interface; MessageHandler implements InterfaceHost.
//
// Contract, as in the kernel:
// - All calls in both directions happen on the loop thread. A driver that
//   works on its own worker thread posts results back through EventLoop::post.
// - The message handler passes one request at a time to send(): it waits for
//   smiResponse() before sending the next.
// - send() never fails. Whatever goes wrong (the BMC is hosed, a transfer
//   failed, the reply was truncated) comes back through smiResponse() as a
//   response carrying a completion code (0xFF, 0xC3, 0xC6, ...).
// - Nothing is delivered to the host before start(), and nothing after
//   shutdown() returns.
// - Host callbacks may call send() / requestEvents() / setNeedWatch()
//   re-entrantly; the driver must cope (queue, do not recurse unboundedly).
#pragma once

#include "core/interface_health.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ipmi::core {

// Where an interface was found: the kernel's enum ipmi_addr_src, same order.
enum class AddrSource : std::uint8_t
{
    Invalid = 0,
    Hotmod,
    Hardcoded,
    Spmi,
    Acpi,
    Smbios,
    Pci,
    DeviceTree,
    Platform,
};

[[nodiscard]] const char* toString(AddrSource source);

// What ipmi_get_smi_info() reports, plus what our logs and status need.
struct InterfaceInfo
{
    std::string type;        // "kcs", "bt", "smic", "ssif"
    std::string description; // e.g. "kcs i/o 0xca2 spacing 1", "ssif i2c-0 0x10", "sim kcs"
    AddrSource addrSource = AddrSource::Invalid;
    std::string acpiPath;          // the ACPI device path when addrSource == Acpi
    std::uint8_t slaveAddr = 0x20; // the BMC's IPMB address (channel 0 "my address")
    bool ipmbDirect = false;       // IPMB-direct addressing (only ipmi_ipmb has it)
    bool simulated = false;        // backed by the embedded simulator, never real hardware
    // The driver already turned every response that does not answer its
    // request (short, or another netfn/cmd) into 0xFF, Send Message ones
    // included, so the message handler does not check again.
    bool responsesVetted = false;
};

// Bits for Interface::setNeedWatch, the kernel's IPMI_WATCH_MASK_*.
inline constexpr unsigned kWatchCheckMessages = 1U << 0;
inline constexpr unsigned kWatchCheckWatchdog = 1U << 1;
inline constexpr unsigned kWatchCheckCommands = 1U << 2;

// A message on the system interface, as the KCS/BT/SMIC/SSIF wire carries it:
// requests are [netfn<<2 | lun][cmd][data...]; responses are
// [netfn<<2 | lun][cmd][completion code][data...].
using SmiBytes = std::vector<std::uint8_t>;

class InterfaceHost
{
  public:
    virtual ~InterfaceHost() = default;
    // The response to the request last passed to send(); exactly once per
    // send(). At least 3 bytes (netfn/lun, cmd, completion code).
    virtual void smiResponse(SmiBytes response) = 0;
    // A response the driver fetched on its own because the BMC flagged it:
    // Get Message (App 0x33) or Read Event Message Buffer (App 0x35) replies,
    // whole, with netfn/lun, cmd and completion code.
    virtual void smiReceived(SmiBytes message) = 0;
    // The BMC flagged a watchdog pre-timeout (Get Message Flags bit 3).
    virtual void smiWatchdogPretimeout() = 0;
};

class Interface
{
  public:
    virtual ~Interface() = default;
    [[nodiscard]] virtual const InterfaceInfo& info() const = 0;
    // Begins processing; the host may be called from now on.
    virtual void start(InterfaceHost& host) = 0;
    virtual void send(SmiBytes request) = 0;
    // Fetch the BMC's events now (Read Event Message Buffer, if supported).
    virtual void requestEvents() = 0;
    // What the host is waiting for (kWatch* bits); drivers without
    // attention interrupts poll flags while this is non-zero.
    virtual void setNeedWatch(unsigned mask) = 0;
    virtual void setMaintenanceMode(bool on) = 0;
    // Stops. A request in flight is answered with 0xFF before this returns.
    virtual void shutdown() = 0;
    // What the driver counted on the wire and whether its BMC is answering
    // (interface_health.hpp); none for a driver that keeps none.
    [[nodiscard]] virtual InterfaceHealth health() const { return {}; }
};

} // namespace ipmi::core
