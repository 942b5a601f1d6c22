// ipmi-cuse-locate: prints what discovery finds — every source on its own,
// as FreeIPMI's ipmi-locate does, then the kernel-style decisions
// ("Adding SMBIOS-specified kcs state machine", "... duplicate") and the
// interfaces ipmi-cuse would drive, each with the kernel-ownership check.
// It reads tables and sysfs only; it never touches an interface.
//
// Its command line is the daemon's where they share options (CLI11, the
// same spellings and exit codes): --sysroot, -c/--config (the daemon's
// file: its [ipmi_si] and [daemon] sysroot), --ipmi_si.PARAM=VALUE; plus
// --no-dmi/--no-acpi/--no-pci and the kernel's PARAM=VALUE as modprobe
// takes it. Settings are checked as the daemon checks them.
#pragma once

#include "daemon/config.hpp"

#include <optional>
#include <ostream>
#include <string>

namespace ipmi::daemon {

struct ParsedLocate
{
    std::optional<Config> config; // nullopt: exit with exitCode after printing
    int exitCode = 0;             // 0 --help/--version, 64 usage, 78 a refused setting or sysroot
    std::string out;
    std::string err;
};

[[nodiscard]] ParsedLocate parseLocateCommandLine(int argc, const char* const* argv);

// Prints the report; returns the exit code (1 if discovery failed).
[[nodiscard]] int runLocate(const Config& config, std::ostream& out, std::ostream& err);

} // namespace ipmi::daemon
