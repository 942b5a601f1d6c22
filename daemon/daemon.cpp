// The daemon's start-up, steady state and stop: see daemon.hpp.
// GCC 12 with -fsanitize=address reports a -Wmaybe-uninitialized false
// positive in std::variant's move constructor as inlined into
// std::optional<ControlCommand>; the pragma must precede <variant>.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "daemon/asio.hpp"

#include "daemon/daemon.hpp"

#include "core/asio_event_loop.hpp"
#include "core/message_handler.hpp"
#include "core/services/acpi_bridge.hpp"
#include "core/services/panic_events.hpp"
#include "core/services/poweroff_hook.hpp"
#include "cuse_dev/cuse_device.hpp"
#include "cuse_dev/device_node.hpp"
#include "daemon/backends.hpp"
#include "daemon/control_commands.hpp"
#include "daemon/control_socket.hpp"
#include "daemon/logging.hpp"
#include "daemon/signals.hpp"
#include "daemon/shutdown_hook.hpp"
#include "daemon/status.hpp"
#include "watchdog_dev/watchdog_service.hpp"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

namespace ipmi::daemon {

namespace {

constexpr std::chrono::milliseconds kStopGrace{300}; // clients collect their answers

core::services::PanicOp servicesPanicOp(PanicOp op)
{
    switch (op) {
    case PanicOp::Event:
        return core::services::PanicOp::Event;
    case PanicOp::String:
        return core::services::PanicOp::String;
    case PanicOp::None:
        break;
    }
    return core::services::PanicOp::None;
}

class Daemon
{
  public:
    Daemon(Config config, BackendPlan plan) :
        config_(std::move(config)), plan_(std::move(plan)), loop_(io_), handler_(loop_, config_.msghandler.params),
        powerCycle_(config_.poweroff.powercycle ? 1 : 0, powerCycleFile(config_)),
        control_(io_, [this](const std::string& command, ControlServer::Reply reply) {
            controlCommand(command, std::move(reply));
        }),
        startupTimer_(io_),
        stopTimer_(io_), signals_(io_, [this](int signo, int count) { onSignal(signo, count); })
    {}

    int run()
    {
        log_ = subsystemLog("daemon");
        for (const auto& line : plan_.log) {
            log_->info("{}", line);
        }
        for (auto& backend : plan_.backends) {
            auto made = backend.make(loop_);
            if (auto* error = std::get_if<std::string>(&made)) {
                log_->error("{}: {}", backend.description, *error);
                continue;
            }
            const int ifnum = handler_.addInterface(std::get<std::unique_ptr<core::Interface>>(std::move(made)));
            log_->info("interface {}: {}", ifnum, backend.description);
            pending_[ifnum] = backend.description;
        }
        if (pending_.empty()) {
            log_->critical("no interface could be started (see above)");
            return 1;
        }
        watcher_ = handler_.addWatcher([this](int ifnum, bool added) { onInterface(ifnum, added); });
        startServices();
        startupTimer_.expires_after(config_.daemon.startupTimeout);
        startupTimer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                onStartupTimeout();
            }
        });
        if (!config_.daemon.controlSocket.empty()) {
            if (auto error = control_.start(config_.daemon.controlSocket); !error.empty()) {
                log_->critical("{}", error);
                return 1;
            }
        }
        try {
            io_.run();
        } catch (const std::exception& e) {
            log_->critical("internal error: {}", e.what());
            exitCode_ = 1;
        }
        return exitCode_;
    }

  private:
    std::string sysfs() const { return config_.daemon.sysroot + "/sys"; }

    // The kernel's other IPMI users and the watchdog, on the handler whose
    // interfaces are registering; the watchdog binds to its interface (and
    // creates its device) when that one becomes usable.
    void startServices()
    {
        panicEvents_ = std::make_unique<core::services::PanicEvents>(handler_,
                                                                      servicesPanicOp(config_.msghandler.panicOp));
        acpi_ = std::make_unique<core::services::AcpiIpmiBridge>(handler_);
        if (auto error = powerCycle_.set(powerCycle_.get()); !error.empty()) {
            log_->warn("poweroff_powercycle not persisted for the shutdown hook: {}", error);
        }
        const auto& name = config_.device.watchdogName;
        if (name.empty()) {
            log_->info("no watchdog device (watchdog_name none)");
            return;
        }
        watchdog::WatchdogServiceOptions options;
        options.params = config_.watchdog;
        options.cuse.name = name;
        options.cuse.cuseDevice = config_.device.cuseDevice;
        options.cuse.sysRoot = sysfs();
        watchdog_ = std::make_unique<watchdog::WatchdogService>(io_, handler_, std::move(options),
                                                                [this](int result) { onWatchdogReady(result); });
        // preop_panic: the kernel panics with this message; we send its events.
        watchdog_->timer().setPanicListener([this] {
            if (panicEvents_) {
                panicEvents_->report(std::string(core::services::kWatchdogPretimeoutPanic));
            }
        });
    }

    void onWatchdogReady(int result)
    {
        const auto& name = config_.device.watchdogName;
        if (result != 0) {
            fatal("the IPMI watchdog device /dev/" + name + " could not be started: " + std::strerror(-result) +
                  " (choose another name with --watchdog-name, or none)");
            return;
        }
        watchdogReady_ = true;
        log_->info("the IPMI watchdog is served at /dev/{}", name);
        maybeReady();
    }

    void onInterface(int ifnum, bool added)
    {
        if (!added) {
            devices_.erase(ifnum);
            return;
        }
        pending_.erase(ifnum);
        cuse::CuseDeviceOptions options;
        options.name = config_.device.nameFor(ifnum);
        options.ownership = cuse::NodeOwnership{config_.device.mode, config_.device.uid, config_.device.gid};
        options.cuseDevice = config_.device.cuseDevice;
        options.sysfs = sysfs();
        options.createNodeIn = config_.device.createNodeIn;
        const auto& debug = config_.daemon.debug;
        options.fuseDebug = std::find(debug.begin(), debug.end(), "fuse") != debug.end();
        auto device = std::make_unique<cuse::CuseDevice>(io_, options, [this, ifnum]() -> cuse::OpenResult {
            auto file = handler_.openFile(ifnum);
            if (!file) {
                return file.error;
            }
            return std::move(file.value);
        });
        auto* raw = device.get();
        devices_[ifnum] = std::move(device);
        const auto error = raw->start(
            [this, ifnum](const std::string& err) { onDeviceReady(ifnum, err); },
            [this, ifnum](const std::string& reason) {
                fatal("/dev/" + config_.device.nameFor(ifnum) + " went away: " + reason);
            });
        if (!error.empty()) {
            fatal(error);
        }
    }

    void onDeviceReady(int ifnum, const std::string& error)
    {
        if (!error.empty()) {
            fatal(error);
            return;
        }
        log_->info("interface {} is served at /dev/{}", ifnum, config_.device.nameFor(ifnum));
        maybeReady();
    }

    void onStartupTimeout()
    {
        for (const auto& [ifnum, description] : pending_) {
            log_->error("interface {} ({}) did not answer Get Device ID within {} ms; not served", ifnum,
                        description, config_.daemon.startupTimeout.count());
        }
        pending_.clear();
        startupOver_ = true;
        if (devices_.empty()) {
            fatal("no interface answered at start-up");
            return;
        }
        if (watchdog_ && !watchdogReady_) {
            fatal("the IPMI watchdog device /dev/" + config_.device.watchdogName + " was not ready within " +
                  std::to_string(config_.daemon.startupTimeout.count()) +
                  " ms (its interface, ipmi_watchdog.ifnum_to_use, did not answer)");
            return;
        }
        maybeReady();
    }

    // READY=1 once every usable interface has a verified node, none is
    // still registering, and the watchdog device (if any) exists.
    void maybeReady()
    {
        if (notifiedReady_ || stopping_ || (!pending_.empty() && !startupOver_) || devices_.empty() ||
            (watchdog_ && !watchdogReady_)) {
            return;
        }
        for (const auto& [ifnum, device] : devices_) {
            if (!device->ready()) {
                return;
            }
        }
        notifiedReady_ = true;
        startupTimer_.cancel();
        if (panicEvents_ && panicEvents_->op() != core::services::PanicOp::None) {
            panicEvents_->reportPstore({}, [this](const core::services::PstoreReportSummary& summary) {
                for (const auto& problem : summary.problems) {
                    log_->warn("pstore: {}", problem);
                }
                log_->info("pstore: {} panic(s) found, {} reported now, {} reported before", summary.panics,
                           summary.reported, summary.alreadyReported);
            });
        }
        sd_notify(0, "READY=1");
        log_->info("ready: {} device(s){}", devices_.size(),
                   watchdog_ ? ", watchdog /dev/" + config_.device.watchdogName : std::string{});
    }

    void controlCommand(const std::string& line, ControlServer::Reply reply)
    {
        std::string error;
        auto command = parseControlCommand(line, error);
        if (!command) {
            reply("error " + error + "\n");
            return;
        }
        std::visit([this, &reply](auto& c) { execute(c, std::move(reply)); }, *command);
    }

    void execute(const StatusCommand&, const ControlServer::Reply& reply)
    {
        reply(formatStatus(handler_, [this](int ifnum) {
            const auto it = devices_.find(ifnum);
            return it != devices_.end() && it->second->ready() ? it->second->name() : std::string{};
        }));
    }

    static void execute(const VersionCommand&, const ControlServer::Reply& reply) { reply("ipmi-cuse 0.1.0\n"); }

    void execute(const PowerCycleCommand& c, const ControlServer::Reply& reply)
    {
        if (c.value) {
            if (auto error = powerCycle_.set(*c.value); !error.empty()) {
                log_->warn("poweroff_powercycle {} set but not persisted: {}", *c.value, error);
            }
        }
        reply(formatPowerCycleReply(powerCycle_.get()));
    }

    void execute(const PanicEventCommand& c, ControlServer::Reply reply)
    {
        if (!panicEvents_) {
            reply("error not running\n");
            return;
        }
        const auto op = panicEvents_->op();
        panicEvents_->report(c.message, [op, reply = std::move(reply)](const core::services::PanicReport& report) {
            reply(formatPanicReport(report, op));
        });
    }

    void execute(const AcpiIpmiCommand& c, ControlServer::Reply reply)
    {
        if (!acpi_) {
            reply("error not running\n");
            return;
        }
        auto shared = std::make_shared<ControlServer::Reply>(std::move(reply));
        const int rv = acpi_->request(c.address, c.buffer, [shared](const core::services::AcpiIpmiBuffer& buffer) {
            (*shared)(core::services::formatAcpiIpmiBuffer(buffer) + "\n");
        });
        if (rv != 0) {
            (*shared)("error acpi-ipmi: " + std::string(std::strerror(-rv)) +
                      (rv == -ENODEV ? " (no interface described by ACPI)" : "") + "\n");
        }
    }

    void onSignal(int signo, int count)
    {
        if (count > 1) {
            log_->warn("signal {} again: stopping now", signo);
            finish();
            return;
        }
        log_->info("signal {}: stopping", signo);
        stop(0);
    }

    void fatal(const std::string& message)
    {
        log_->critical("{}", message);
        stop(1);
    }

    // Interfaces first (the kernel's behaviour when an interface goes away:
    // waiting users are answered), then, after a grace period in which the
    // devices still answer, the devices themselves.
    void stop(int code)
    {
        if (stopping_) {
            return;
        }
        stopping_ = true;
        exitCode_ = code;
        sd_notify(0, "STOPPING=1");
        startupTimer_.cancel();
        for (const int ifnum : handler_.interfaces()) {
            handler_.removeInterface(ifnum);
        }
        stopTimer_.expires_after(kStopGrace);
        stopTimer_.async_wait([this](const boost::system::error_code&) { finish(); });
    }

    // The interfaces go before the watchdog: unbound, its device's last
    // close cannot reach the BMC, so a running timer keeps running (the
    // kernel's "Unexpected close, not stopping watchdog!").
    void finish()
    {
        stopping_ = true;
        stopTimer_.cancel();
        startupTimer_.cancel();
        handler_.removeWatcher(watcher_);
        for (const int ifnum : handler_.interfaces()) {
            handler_.removeInterface(ifnum);
        }
        watchdog_.reset();
        acpi_.reset();
        panicEvents_.reset();
        for (auto& [ifnum, device] : devices_) {
            device->stop();
        }
        devices_.clear();
        control_.stop();
        signals_.cancel();
        io_.stop();
    }

    Config config_;
    BackendPlan plan_;
    boost::asio::io_context io_;
    core::AsioEventLoop loop_;
    core::MessageHandler handler_;
    // Users of handler_: declared after it, so gone before it.
    std::unique_ptr<core::services::PanicEvents> panicEvents_;
    std::unique_ptr<core::services::AcpiIpmiBridge> acpi_;
    core::services::PowerCycleSetting powerCycle_;
    std::unique_ptr<watchdog::WatchdogService> watchdog_;
    bool watchdogReady_ = false;
    ControlServer control_;
    boost::asio::steady_timer startupTimer_;
    boost::asio::steady_timer stopTimer_;
    StopSignals signals_;
    std::shared_ptr<spdlog::logger> log_;
    std::map<int, std::string> pending_; // added, not yet usable
    std::map<int, std::unique_ptr<cuse::CuseDevice>> devices_;
    int watcher_ = 0;
    bool startupOver_ = false;
    bool notifiedReady_ = false;
    bool stopping_ = false;
    int exitCode_ = 0;
};

} // namespace

int runDaemon(const Options& options)
{
    Config config;
    if (auto error = loadConfig(options, config); !error.empty()) {
        std::cerr << "ipmi-cuse: " << error << "\n";
        return 2;
    }
    if (auto error = setupLogging(config.daemon.logLevel, config.daemon.debug); !error.empty()) {
        std::cerr << "ipmi-cuse: " << error << "\n";
        return 2;
    }
    auto log = subsystemLog("daemon");

    auto planned = planBackends(config);
    if (auto* error = std::get_if<std::string>(&planned)) {
        log->critical("{}", *error);
        return 1;
    }
    auto& plan = std::get<BackendPlan>(planned);

    // Cheap checks before anything starts: CUSE itself, then the names.
    std::string cuseError;
    const int fd = cuse::openCuseDevice(config.device.cuseDevice, cuseError);
    if (fd < 0) {
        log->critical("{}", cuseError);
        return 1;
    }
    ::close(fd);
    for (std::size_t i = 0; i < plan.backends.size(); ++i) {
        const auto name = config.device.nameFor(static_cast<int>(i));
        if (auto busy = cuse::checkNameIsFree(config.daemon.sysroot + "/sys", name); !busy.empty()) {
            log->critical("{}", busy);
            return 1;
        }
    }
    if (config.daemon.sim) {
        log->warn("serving the embedded SIMULATED BMC (--sim): /dev/{} is not real hardware",
                  config.device.nameFor(0));
    }
    Daemon daemon(std::move(config), std::move(plan));
    return daemon.run();
}

int runStatus(const Options& options)
{
    std::string reply;
    if (auto error = queryControlSocket(options.statusSocket, "status", reply); !error.empty()) {
        std::cerr << "ipmi-cuse status: " << error << "\n";
        return 1;
    }
    std::cout << reply;
    return reply.rfind("error", 0) == 0 ? 1 : 0;
}

int runControl(const Options& options)
{
    std::string error;
    if (!parseControlCommand(options.controlLine, error)) {
        std::cerr << "ipmi-cuse control: " << error << "\n";
        return 1;
    }
    std::string reply;
    if (auto failure = queryControlSocket(options.statusSocket, options.controlLine, reply); !failure.empty()) {
        std::cerr << "ipmi-cuse control: " << failure << "\n";
        return 1;
    }
    if (reply.rfind("error", 0) == 0) {
        std::cerr << reply;
        return 1;
    }
    std::cout << reply;
    return 0;
}

} // namespace ipmi::daemon
