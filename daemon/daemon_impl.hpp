// The inside of Daemon (daemon_service.hpp), shared by its two halves:
// daemon_service.cpp (start-up, devices, draining and stopping) and
// daemon_control.cpp (the control verbs). Everything runs on the loop.
#pragma once

#include "base/lifetime.hpp"
#include "core/services/acpi_bridge.hpp"
#include "core/services/panic_events.hpp"
#include "daemon/asio_event_loop.hpp"
#include "daemon/control_commands.hpp"
#include "daemon/control_socket.hpp"
#include "daemon/daemon_service.hpp"
#include "daemon/node_audit.hpp"
#include "daemon/poweroff_hook.hpp"
#include "daemon/shutdown_hook.hpp"
#include "daemon/signals.hpp"
#include "watchdog_dev/watchdog_service.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <optional>
#include <set>
#include <variant>

namespace ipmi::daemon {

struct ControlBatch;

class Daemon::Impl
{
  public:
    Impl(Config config, BackendPlan plan, DaemonHooks hooks);
    ~Impl();
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    int run();
    void stop(int code);

    boost::asio::io_context& io() { return io_; }
    core::MessageHandler& handler() { return handler_; }

  private:
    using Reply = ControlServer::Reply;

    // A run-time add waiting for its interface's device (or its failure).
    struct AddWaiter
    {
        std::shared_ptr<ControlBatch> batch;
        std::string description;
        std::shared_ptr<boost::asio::steady_timer> timeout;
    };

    // daemon_service.cpp
    std::string sysfs() const { return config_.daemon.sysroot + "/sys"; }
    void startServices();
    void onWatchdogReady(int result);
    void onInterface(int ifnum, bool added);
    // The nodes interface `ifnum` is to be served at.
    [[nodiscard]] std::vector<NodeSpec> nodesOf(int ifnum);
    // One of them is ready (or failed); the interface is served when all are.
    void onDeviceReady(int ifnum, const std::optional<std::string>& error);
    void onDeviceFailed(int ifnum, const std::string& error);
    void onStartupTimeout();
    void maybeReady();
    void onSignal(int signo, int count);
    void fatal(const std::string& message);
    void finish();
    // Adds a built interface; its number, or why it could not be built.
    std::variant<int, std::string> addBackend(const Backend& backend);
    // Drains, removes, and after the grace stops the device; then `done`.
    void retireInterface(int ifnum, std::function<void()> done);
    void drainStep(int ifnum, core::Clock::time_point deadline, std::function<void()> done);
    void resolveAdd(int ifnum, const std::string& outcome, bool ok);
    // The CDI spec (cdi_spec.hpp) after nodes came or went, and on stop.
    void updateCdi();
    void removeCdi();

    // daemon_control.cpp
    void controlCommand(const std::string& line, Reply reply);
    void execute(const StatusCommand&, const Reply& reply);
    void execute(const VersionCommand&, const Reply& reply);
    void execute(const PowerCycleCommand& c, const Reply& reply);
    void execute(const PanicEventCommand& c, Reply reply);
    void execute(const AcpiIpmiCommand& c, Reply reply);
    void execute(const FaultCommand& c, const Reply& reply);
    void execute(const HotmodCommand& c, Reply reply);
    void execute(const SsifCommand& c, Reply reply);
    enum class MissingIs : std::uint8_t
    {
        Success,
        Error,
    };
    void removeMatching(const std::function<bool(const Backend&)>& match, const std::string& what,
                        const std::shared_ptr<ControlBatch>& batch, MissingIs missing);
    void addRuntime(const Backend& backend, const std::shared_ptr<ControlBatch>& batch);

    Config config_;
    BackendPlan plan_;
    DaemonHooks hooks_;
    AuditLog audit_; // before the nodes: their gates report to it
    boost::asio::io_context io_;
    AsioEventLoop loop_;
    core::MessageHandler handler_;
    // Users of handler_: declared after it, so gone before it.
    std::unique_ptr<core::services::PanicEvents> panicEvents_;
    std::unique_ptr<core::services::AcpiIpmiBridge> acpi_;
    PowerCycleSetting powerCycle_;
    std::unique_ptr<watchdog::WatchdogService> watchdog_;
    bool watchdogReady_ = false;
    ControlServer control_;
    boost::asio::steady_timer startupTimer_;
    boost::asio::steady_timer silenceTimer_;
    StopSignals signals_;
    std::shared_ptr<spdlog::logger> log_;
    std::map<int, std::string> pending_;  // added at start-up, not yet usable
    std::map<int, Backend> origins_;      // what each interface number was added from
    std::map<int, AddWaiter> addWaiters_; // run-time adds not yet answered
    // One node an interface is served at, and what its gate reports to.
    struct ServedNode
    {
        std::unique_ptr<PublishedDevice> device;
        std::shared_ptr<NodeAudit> audit;
        std::string policy; // as NodePolicy::text() spells it
    };
    // An interface's nodes: [0] its own /dev/NAME, then its further nodes.
    std::map<int, std::vector<ServedNode>> devices_;
    std::vector<std::shared_ptr<PublishedDevice>> retiring_; // removed, in their grace period
    std::set<int> draining_;                                 // no new opens: being retired
    int watcher_ = 0;
    bool startupOver_ = false;
    bool notifiedReady_ = false;
    bool stopping_ = false;
    bool cdiWritten_ = false;
    std::vector<cdi::PublishedNode> cdiNodes_; // as last written
    int exitCode_ = 0;
    base::Lifetime lifetime_;
};

// One control command's reply assembled from several asynchronous parts
// (hotmod's operations): the reply goes when the last part is in.
struct ControlBatch
{
    ControlServer::Reply reply;
    std::string lines;
    std::optional<std::string> error; // the first failure
    int waiting = 0;

    void part(const std::string& line, bool ok);
    void finishIfDone();
};

} // namespace ipmi::daemon
