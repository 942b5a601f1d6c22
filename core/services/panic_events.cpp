// send_panic_events for one message on every interface, and the pstore
// reporting that feeds it at start-up.
#include "core/services/panic_events.hpp"

#include "abi/ipmi_commands.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace ipmi::core::services {

namespace {

constexpr std::uint8_t kGeneratorKernel = 0x41; // the code's value; ipmi.rst says 0x21
constexpr std::uint8_t kEvmRev = 0x03;
constexpr std::uint8_t kSensorTypeOsCriticalStop = 0x20;
constexpr std::uint8_t kSensorSpecific = 0x6F;
constexpr std::uint8_t kRuntimeStopOem = 0xA1;
constexpr std::uint8_t kSelTypeOemNoTimestamp = 0xF0;
constexpr std::size_t kStringBytesPerRecord = 11;

std::string_view untilNul(std::string_view s)
{
    const auto nul = s.find('\0');
    return nul == std::string_view::npos ? s : s.substr(0, nul);
}

RequestOptions panicOptions()
{
    RequestOptions options;
    options.highPriority = true; // ahead of everything else, as at panic time
    options.retries = 0;         // the kernel does not retry these
    options.supplied = true;     // never refused for max_msgs_per_user
    return options;
}

} // namespace

std::optional<PanicOp> parsePanicOp(std::string_view text)
{
    if (text == "none") {
        return PanicOp::None;
    }
    if (text == "event") {
        return PanicOp::Event;
    }
    if (text == "string") {
        return PanicOp::String;
    }
    return std::nullopt;
}

const char* toString(PanicOp op)
{
    switch (op) {
    case PanicOp::None:
        return "none";
    case PanicOp::Event:
        return "event";
    case PanicOp::String:
        return "string";
    }
    return "?";
}

std::array<std::uint8_t, 8> panicEventData(std::string_view message)
{
    message = untilNul(message);
    auto at = [&message](std::size_t i) -> std::uint8_t {
        return i < message.size() ? static_cast<std::uint8_t>(message[i]) : 0;
    };
    return {
        kGeneratorKernel, kEvmRev, kSensorTypeOsCriticalStop, at(0), kSensorSpecific, kRuntimeStopOem, at(1), at(2)};
}

std::vector<std::array<std::uint8_t, 16>> panicStringRecords(std::string_view message, std::uint8_t ourAddress)
{
    message = untilNul(message);
    std::vector<std::array<std::uint8_t, 16>> records;
    unsigned sequence = 0;
    for (std::size_t pos = 0; pos < message.size(); pos += kStringBytesPerRecord) {
        std::array<std::uint8_t, 16> r{};
        r[0] = 0x00; // record id: the SEL assigns it
        r[1] = 0x00;
        r[2] = kSelTypeOemNoTimestamp;
        r[3] = ourAddress;
        r[4] = static_cast<std::uint8_t>(sequence++);
        const auto chunk = message.substr(pos, kStringBytesPerRecord);
        std::memcpy(&r[5], chunk.data(), chunk.size());
        records.push_back(r);
    }
    return records;
}

PanicStringTarget choosePanicStringTarget(bool selDevice, std::optional<std::uint8_t> receiver,
                                          std::uint8_t receiverLun, std::uint8_t ourAddress)
{
    PanicStringTarget target;
    // A usable receiver is a valid (even) IPMB address, not zero, not us.
    if (receiver && (*receiver & 1) == 0 && *receiver != 0 && *receiver != ourAddress) {
        target.kind = PanicStringTarget::Kind::EventReceiver;
        target.address = *receiver;
        target.lun = receiverLun;
    } else if (selDevice) {
        target.kind = PanicStringTarget::Kind::LocalSel;
    }
    return target;
}

// ---- one interface ---------------------------------------------------------------

class PanicEvents::Sender
{
  public:
    Sender(MessageHandler& handler, int ifnum, PanicOp op, const std::string& message,
           std::function<void(PanicInterfaceReport)> done)
        : op_(op), message_(untilNul(message)), done_(std::move(done))
    {
        report_.ifnum = ifnum;
        int error = 0;
        // The kernel sends these from inside ipmi_msghandler, with no user:
        // a panic must be told even with every max_users slot taken.
        user_ = std::make_unique<ServiceUser>(handler, ifnum, error, UserSlot::HandlerOwn);
        if (error != 0) {
            report_.eventError = error;
            user_.reset();
        } else {
            user_->setShutdownHandler([this] { finish(); });
        }
    }
    Sender(const Sender&) = delete;
    Sender& operator=(const Sender&) = delete;

    void start()
    {
        if (!user_) {
            finish();
            return;
        }
        const auto data = panicEventData(message_);
        const int rv = user_->sendSi(abi::IPMI_NETFN_SENSOR_EVENT_REQUEST, abi::IPMI_PLATFORM_EVENT_CMD, data,
                                     panicOptions(), [this](const ServiceResponse& rsp) {
                                         report_.eventCc = rsp.cc();
                                         afterEvent();
                                     });
        if (rv != 0) {
            report_.eventError = rv;
            afterEvent();
        }
    }

  private:
    void afterEvent()
    {
        if (op_ != PanicOp::String || message_.empty()) {
            finish();
            return;
        }
        const int rv = user_->sendSi(abi::IPMI_NETFN_APP_REQUEST, abi::IPMI_GET_DEVICE_ID_CMD, {}, panicOptions(),
                                     [this](const ServiceResponse& rsp) {
                                         if (rsp.cc() == 0 && rsp.data.size() >= 7) {
                                             selDevice_ = ((rsp.data[6] >> 2) & 1) != 0;
                                             eventGenerator_ = ((rsp.data[6] >> 5) & 1) != 0;
                                         }
                                         afterDeviceId();
                                     });
        if (rv != 0) {
            chooseTarget();
        }
    }

    void afterDeviceId()
    {
        if (!eventGenerator_) {
            chooseTarget();
            return;
        }
        const int rv = user_->sendSi(abi::IPMI_NETFN_SENSOR_EVENT_REQUEST, abi::IPMI_GET_EVENT_RECEIVER_CMD, {},
                                     panicOptions(), [this](const ServiceResponse& rsp) {
                                         if (rsp.cc() == 0 && rsp.data.size() >= 3) {
                                             receiver_ = rsp.data[1];
                                             receiverLun_ = static_cast<std::uint8_t>(rsp.data[2] & 0x03);
                                         }
                                         chooseTarget();
                                     });
        if (rv != 0) {
            chooseTarget();
        }
    }

    void chooseTarget()
    {
        const std::uint8_t ours = user_->channelZeroAddress();
        report_.target = choosePanicStringTarget(selDevice_, receiver_, receiverLun_, ours);
        switch (report_.target.kind) {
        case PanicStringTarget::Kind::Nowhere:
            spdlog::warn("ipmi{}: panic string: no event receiver and no SEL, not sent", report_.ifnum);
            finish();
            return;
        case PanicStringTarget::Kind::LocalSel:
            target_ = systemInterfaceAddress(0);
            break;
        case PanicStringTarget::Kind::EventReceiver: {
            abi::ipmi_ipmb_addr ipmb{};
            ipmb.addr_type = abi::IPMI_IPMB_ADDR_TYPE;
            ipmb.channel = 0;
            ipmb.slave_addr = report_.target.address;
            ipmb.lun = report_.target.lun;
            target_ = abi::ipmi_addr{};
            storeAddress(target_, ipmb);
            break;
        }
        }
        records_ = panicStringRecords(message_, ours);
        sendRecord(0);
    }

    void sendRecord(std::size_t index)
    {
        if (index >= records_.size()) {
            finish();
            return;
        }
        const int rv = user_->send(target_, abi::IPMI_NETFN_STORAGE_REQUEST, abi::IPMI_ADD_SEL_ENTRY_CMD,
                                   records_[index], panicOptions(), [this, index](const ServiceResponse&) {
                                       ++report_.stringRecords;
                                       sendRecord(index + 1);
                                   });
        if (rv != 0) {
            spdlog::warn("ipmi{}: panic string record {} not sent: error {}", report_.ifnum, index, rv);
            finish();
        }
    }

    void finish()
    {
        if (finished_) {
            return;
        }
        finished_ = true;
        if (user_) {
            user_->cancelAll();
        }
        auto done = std::move(done_);
        done(report_);
    }

    PanicOp op_;
    std::string message_;
    std::function<void(PanicInterfaceReport)> done_;
    PanicInterfaceReport report_;
    std::unique_ptr<ServiceUser> user_;
    bool selDevice_ = false;
    bool eventGenerator_ = false;
    std::optional<std::uint8_t> receiver_;
    std::uint8_t receiverLun_ = 0;
    abi::ipmi_addr target_{};
    std::vector<std::array<std::uint8_t, 16>> records_;
    bool finished_ = false;
};

// ---- the service -------------------------------------------------------------------

PanicEvents::PanicEvents(MessageHandler& handler, PanicOp op) : handler_(handler), op_(op)
{
}

PanicEvents::~PanicEvents()
{
    sender_.reset();
}

void PanicEvents::report(std::string message, std::function<void(PanicReport)> done)
{
    jobs_.push_back(Job{std::move(message), std::move(done)});
    if (!busy_) {
        startNext();
    }
}

void PanicEvents::startNext()
{
    if (jobs_.empty()) {
        busy_ = false;
        return;
    }
    busy_ = true;
    current_ = PanicReport{};
    current_.message = jobs_.front().message;
    remaining_.clear();
    if (op_ != PanicOp::None) {
        remaining_ = handler_.interfaces();
        std::reverse(remaining_.begin(), remaining_.end()); // popped from the back: ascending
        spdlog::info("panic event: \"{}\" ({}) on {} interface(s)", current_.message, toString(op_), remaining_.size());
    }
    nextInterface();
}

void PanicEvents::nextInterface()
{
    if (remaining_.empty()) {
        jobFinished();
        return;
    }
    const int ifnum = remaining_.back();
    remaining_.pop_back();
    sender_ = std::make_unique<Sender>(handler_, ifnum, op_, current_.message, [this](PanicInterfaceReport report) {
        current_.interfaces.push_back(report);
        // Off this call stack: the sender and its user
        // are destroyed before the next one starts.
        handler_.loop().post(lifetime_.guard([this] {
            sender_.reset();
            nextInterface();
        }));
    });
    sender_->start();
}

void PanicEvents::jobFinished()
{
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    auto report = std::move(current_);
    const auto alive = lifetime_.witness();
    if (job.done) {
        job.done(std::move(report));
    }
    if (alive) {
        startNext();
    }
}

// ---- pstore ------------------------------------------------------------------------

void PanicEvents::reportPstore(const PstoreReportOptions& options, std::function<void(PstoreReportSummary)> done)
{
    struct Run
    {
        ReportedRecords state;
        PstoreReportSummary summary;
        int outstanding = 0;
        std::function<void(PstoreReportSummary)> done;
        void finish()
        {
            if (auto problem = state.save()) {
                spdlog::error("panic events: {}", *problem);
                summary.problems.push_back(std::move(*problem));
            }
            if (done) {
                done(summary);
            }
        }
    };
    auto run = std::make_shared<Run>(Run{ReportedRecords(options.stateFile), {}, 0, std::move(done)});
    if (op_ == PanicOp::None) {
        if (run->done) {
            run->done(run->summary);
        }
        return;
    }
    if (auto problem = run->state.load()) {
        // Without the state file every panic would be reported again.
        spdlog::error("panic events: {}; pstore records not reported", *problem);
        run->summary.problems.push_back(std::move(*problem));
        if (run->done) {
            run->done(run->summary);
        }
        return;
    }
    std::vector<PstoreRecord> toReport;
    for (auto& record : scanPstore(options.directories)) {
        ++run->summary.records;
        if (!record.readable) {
            ++run->summary.unreadable;
            if (!run->state.contains(record.identity)) {
                const auto problem = record.problem.value_or("unreadable");
                spdlog::warn("panic events: pstore record {}: {}", record.path.string(), problem);
                run->summary.problems.push_back(record.path.string() + ": " + problem);
                run->state.add(record.identity);
            }
            continue;
        }
        if (!record.isPanicReport()) {
            continue;
        }
        ++run->summary.panics;
        if (run->state.contains(record.identity)) {
            ++run->summary.alreadyReported;
            continue;
        }
        toReport.push_back(std::move(record));
    }
    if (toReport.empty()) {
        run->finish();
        return;
    }
    run->outstanding = static_cast<int>(toReport.size());
    for (auto& record : toReport) {
        spdlog::info("panic events: reporting pstore record {} (\"{}\")", record.path.string(),
                     record.panicMessage.value_or(""));
        report(record.panicMessage.value_or(""),
               [run, identity = record.identity, path = record.path.string()](const PanicReport& sent) {
                   if (!sent.interfaces.empty()) {
                       run->state.add(identity);
                       ++run->summary.reported;
                   } else {
                       run->summary.problems.push_back(path + ": no usable IPMI interface, left for the next start");
                   }
                   if (--run->outstanding == 0) {
                       run->finish();
                   }
               });
    }
}

} // namespace ipmi::core::services
