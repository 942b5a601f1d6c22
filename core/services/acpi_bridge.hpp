// The ACPI IPMI operation-region bridge: the userspace acpi_ipmi. Firmware
// (AML) methods, or tools that run them such as AML test harnesses, hand a
// buffer {status, length, data[64]} and the region address; netfn = address
// bits 15:8, command = bits 7:0, data = the buffer's first `length` bytes.
// The request goes to the system interface (LUN 0) of the selected
// interface, with a 5 s wait; the answer comes back in the same buffer:
//   status 0x00 OK: length = response length, data = [cc, data...];
//   status 0x10 timeout: the response was the timeout completion code 0xC3
//                        alone;
//   status 0x07 unknown: no answer within 5 s, any other one-byte error
//                        response, a response over 64 bytes, or the
//                        interface went away while waiting.
// Except with OK, only the status changes.
//
// Only interfaces whose address source is ACPI (with an ACPI device path)
// qualify; one per device path. The first found is selected; when an
// interface goes away its device (and only its device: the kernel's
// ipmi_bmc_gone compares interface numbers with "!=" and so kills the
// wrong one) is dropped, requests waiting on it are answered 0x07, and if
// it was the selected one the next ACPI interface in order is selected.
#pragma once

#include "base/lifetime.hpp"
#include "core/message_handler.hpp"
#include "core/services/service_user.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ipmi::core::services {

inline constexpr std::size_t kAcpiIpmiMaxMsgLength = 64;
inline constexpr std::uint8_t kAcpiIpmiOk = 0x00;
inline constexpr std::uint8_t kAcpiIpmiTimeout = 0x10;
inline constexpr std::uint8_t kAcpiIpmiUnknown = 0x07;
inline constexpr std::chrono::milliseconds kAcpiIpmiWait{5000};

// struct acpi_ipmi_buffer (ACPI 4.0, 5.5.2.4.3.2).
struct AcpiIpmiBuffer
{
    std::uint8_t status = 0;
    std::uint8_t length = 0;
    std::array<std::uint8_t, kAcpiIpmiMaxMsgLength> data{};

    [[nodiscard]] bool operator==(const AcpiIpmiBuffer&) const = default;
};

inline constexpr std::size_t kAcpiIpmiBufferBytes = 2 + kAcpiIpmiMaxMsgLength;

class AcpiIpmiBridge
{
  public:
    using Completion = std::function<void(const AcpiIpmiBuffer&)>;

    explicit AcpiIpmiBridge(MessageHandler& handler);
    ~AcpiIpmiBridge(); // waiting requests are answered 0x07
    AcpiIpmiBridge(const AcpiIpmiBridge&) = delete;
    AcpiIpmiBridge& operator=(const AcpiIpmiBridge&) = delete;

    // The region handler. 0 when sent: `done` is called exactly once, with
    // the filled buffer, possibly before this returns. Otherwise -errno and
    // `done` is never called: -EINVAL length over 64 (the kernel's
    // AE_TYPE), -ENODEV no ACPI interface (AE_NOT_EXIST), or the message
    // handler's refusal (AE_ERROR: -EINVAL odd netfn, -EBUSY, ...).
    int request(std::uint64_t address, const AcpiIpmiBuffer& buffer, Completion done);

    [[nodiscard]] std::optional<int> selectedInterface() const;
    // The qualifying interfaces, in the order they were found.
    [[nodiscard]] std::vector<int> devices() const;
    [[nodiscard]] std::size_t waiting() const;

  private:
    struct Waiter
    {
        AcpiIpmiBuffer buffer;
        Completion done;
        std::unique_ptr<Timer> timer;
    };
    struct Device
    {
        int ifnum = -1;
        std::string acpiPath;
        std::unique_ptr<ServiceUser> user;
        std::map<long, Waiter> waiters;
        long nextId = 1;
    };

    void interfaceAdded(int ifnum);
    void interfaceGone(int ifnum);
    void complete(int ifnum, long id, std::uint8_t status, const ServiceResponse* response);
    Device* findDevice(int ifnum);

    MessageHandler& handler_;
    int watcherId_ = -1;
    std::vector<std::unique_ptr<Device>> devices_;
    Device* selected_ = nullptr;
    base::Lifetime lifetime_;
};

// The control-socket form: `acpi-ipmi <address-hex> <buffer-hex>`, the
// buffer as its bytes (status, length, data...; up to 66, missing trailing
// bytes zero), hex digits with optional spaces/colons between bytes.
struct AcpiIpmiCommand
{
    std::uint64_t address = 0;
    AcpiIpmiBuffer buffer;
};
// The command, or what is wrong with the input.
[[nodiscard]] std::variant<AcpiIpmiCommand, std::string> parseAcpiIpmiCommand(std::string_view addressHex,
                                                                              std::string_view bufferHex);
// The answer: the whole 66-byte buffer as lower-case hex, no separators.
[[nodiscard]] std::string formatAcpiIpmiBuffer(const AcpiIpmiBuffer& buffer);

} // namespace ipmi::core::services
