// Panic events (panic_op): what ipmi_msghandler's send_panic_events puts in
// the BMC's event log when the kernel panics, sent here for
// - the previous boots' panics found in pstore, each once (reportPstore),
// - an operator's or a test's message on demand (report, the CLI/control
//   socket), and
// - the watchdog's preop_panic, whose kernel version panics with
//   "Watchdog pre-timeout" (kWatchdogPretimeoutPanic).
//
// On every usable interface, one after another, and one request at a time:
// the OS Critical Stop Platform Event (generator 0x41, EvMRev 0x03, sensor
// type 0x20, sensor number = message byte 0, 0x6F, 0xA1, message bytes 1
// and 2); with panic_op=string also Get Device ID (SEL device bit 2, event
// generator bit 5), Get Event Receiver if a generator, and the message in
// OEM non-timestamped SEL records (type 0xF0, our IPMB address, sequence
// number, 11 message bytes zero-padded) via Add SEL Entry, to the event
// receiver over IPMB channel 0 if its address is even, non-zero and not
// ours, else to the local SEL if the BMC is a SEL device, else nowhere.
// All high priority, never retried.
#pragma once

#include "base/lifetime.hpp"
#include "core/message_handler.hpp"
#include "core/services/pstore.hpp"
#include "core/services/reported_records.hpp"
#include "core/services/service_user.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipmi::core::services {

enum class PanicOp : std::uint8_t
{
    None,
    Event,
    String,
};

[[nodiscard]] std::optional<PanicOp> parsePanicOp(std::string_view text);
[[nodiscard]] const char* toString(PanicOp op);

inline constexpr std::string_view kWatchdogPretimeoutPanic = "Watchdog pre-timeout";

// The Platform Event's 8 data bytes for a message (bytes of an empty or
// short message are 0, where the kernel leaves them unset).
[[nodiscard]] std::array<std::uint8_t, 8> panicEventData(std::string_view message);
// The Add SEL Entry records carrying the message (up to its first NUL).
[[nodiscard]] std::vector<std::array<std::uint8_t, 16>> panicStringRecords(std::string_view message,
                                                                           std::uint8_t ourAddress);

struct PanicStringTarget
{
    enum class Kind : std::uint8_t
    {
        Nowhere,
        LocalSel,      // Add SEL Entry to the BMC over the system interface
        EventReceiver, // Add SEL Entry over IPMB channel 0 to the receiver
    };
    Kind kind = Kind::Nowhere;
    std::uint8_t address = 0;
    std::uint8_t lun = 0;
};

// The kernel's choice of where the OEM string records go.
[[nodiscard]] PanicStringTarget choosePanicStringTarget(bool selDevice, std::optional<std::uint8_t> receiver,
                                                        std::uint8_t receiverLun, std::uint8_t ourAddress);

struct PanicInterfaceReport
{
    int ifnum = -1;
    int eventError = 0;                               // -errno if the event could not be queued
    std::uint8_t eventCc = abi::IPMI_ERR_UNSPECIFIED; // its completion code otherwise
    PanicStringTarget target;                         // String mode only
    int stringRecords = 0;                            // Add SEL Entry requests answered
};

struct PanicReport
{
    std::string message;
    std::vector<PanicInterfaceReport> interfaces; // empty: no usable interface
};

struct PstoreReportOptions
{
    std::vector<std::filesystem::path> directories{"/sys/fs/pstore", "/var/lib/systemd/pstore"};
    std::filesystem::path stateFile = kDefaultReportedPanicsFile;
};

struct PstoreReportSummary
{
    int records = 0;         // dmesg records found
    int panics = 0;          // panic dumps among them (part 1 of each)
    int reported = 0;        // sent now
    int alreadyReported = 0; // skipped: in the state file
    int unreadable = 0;
    std::vector<std::string> problems;
};

class PanicEvents
{
  public:
    PanicEvents(MessageHandler& handler, PanicOp op);
    ~PanicEvents();
    PanicEvents(const PanicEvents&) = delete;
    PanicEvents& operator=(const PanicEvents&) = delete;

    [[nodiscard]] PanicOp op() const { return op_; }
    void setOp(PanicOp op) { op_ = op; }

    // Sends the events for `message` on every usable interface (nothing if
    // panic_op is none); done once every request has been answered. Reports
    // queue behind each other.
    void report(std::string message, std::function<void(PanicReport)> done = {});

    // Reads pstore and reports every panic dump not yet in the state file,
    // oldest name first; each is recorded once it went to at least one
    // interface, and unreadable records once they have been logged. Does
    // nothing with panic_op none (so enabling it later still reports them).
    void reportPstore(const PstoreReportOptions& options, std::function<void(PstoreReportSummary)> done = {});

  private:
    class Sender;
    struct Job
    {
        std::string message;
        std::function<void(PanicReport)> done;
    };

    void startNext();
    void nextInterface();
    void jobFinished();

    MessageHandler& handler_;
    PanicOp op_;
    std::deque<Job> jobs_;
    bool busy_ = false;
    PanicReport current_;
    std::vector<int> remaining_;
    std::unique_ptr<Sender> sender_;
    base::Lifetime lifetime_;
};

} // namespace ipmi::core::services
