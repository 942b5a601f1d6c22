// The control socket's verbs as data: parseControlCommand() turns one line
// into a ControlCommand or a message naming what was wrong, so the daemon's
// dispatcher and `ipmi-cuse control` share one grammar:
//   status [text|json|openmetrics]   the interfaces and counters (status.hpp)
//   version
//   poweroff-powercycle [N]          read, or set, /proc/sys/dev/ipmi/poweroff_powercycle
//   panic-event MESSAGE...           the panic events for MESSAGE (panic_op decides what)
//   acpi-ipmi ADDRESS_HEX BUFFER_HEX one ACPI IPMI operation-region request
//   fault ...                        the simulated BMC's faults (fault_commands.hpp)
//   hotmod STRING                    the kernel's ipmi_si hotmod syntax:
//                                    add|remove,kcs|bt|smic,mem|i/o,ADDRESS[,rsp=N]
//                                    [,rsi=N][,rsh=N][,irq=N][,ipmb=N], several
//                                    joined with ':'
//   ssif add ADAPTER ADDR            an SSIF BMC at 7-bit ADDR on ADAPTER (i2c-N,
//   ssif remove ADAPTER ADDR         N or the adapter's name), like the kernel's
//                                    i2c new_device / delete_device for ipmi_ssif
// Words are separated by spaces; panic-event's message is the rest of the
// line as written.
#pragma once

#include "core/services/acpi_bridge.hpp"
#include "core/services/panic_events.hpp"
#include "daemon/fault_commands.hpp"
#include "daemon/status.hpp"
#include "si/discovery/hotmod.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ipmi::daemon {

struct StatusCommand
{
    StatusFormat format = StatusFormat::Text;
};
struct VersionCommand
{};
struct PowerCycleCommand
{
    std::optional<int> value; // nullopt: read
};
struct PanicEventCommand
{
    std::string message;
};
using AcpiIpmiCommand = core::services::AcpiIpmiCommand;
struct HotmodCommand
{
    std::string text; // as written
    std::vector<si::discovery::HotmodOperation> operations;
};
struct SsifCommand
{
    bool add = true;     // false: remove
    std::string adapter; // as written: i2c-N, N or a name (may contain spaces)
    std::uint8_t addr = 0;
};

using ControlCommand = std::variant<StatusCommand, VersionCommand, PowerCycleCommand, PanicEventCommand,
                                    AcpiIpmiCommand, FaultCommand, HotmodCommand, SsifCommand>;

// The verbs, for messages and --help.
inline constexpr const char* kControlVerbs =
    "status, version, poweroff-powercycle, panic-event, acpi-ipmi, fault, hotmod, ssif";

// The command, or what was wrong with the line.
using ParsedControlCommand = std::variant<ControlCommand, std::string>;
[[nodiscard]] ParsedControlCommand parseControlCommand(std::string_view line);

// The replies (each ends in a newline).
[[nodiscard]] std::string formatPowerCycleReply(int value);
[[nodiscard]] std::string formatPanicReport(const core::services::PanicReport& report, core::services::PanicOp op);

} // namespace ipmi::daemon
