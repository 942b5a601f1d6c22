// The daemon's start-up, devices, draining and stop: see daemon_service.hpp.
// GCC 12 with -fsanitize=address reports a -Wmaybe-uninitialized false
// positive in std::variant's move constructor as inlined into
// parseControlCommand's result; the pragma must precede <variant>.
#if !defined(__clang__) // clang has no such warning (nor the false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "daemon/asio.hpp"

#include "core/device_file.hpp"
#include "daemon/daemon_impl.hpp"
#include "daemon/device_numbers.hpp"
#include "daemon/logging.hpp"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace ipmi::daemon {

namespace {

constexpr std::chrono::milliseconds kDrainPoll{10};

// Names the watchdog's node while it exists, beside the control socket
// (/run/ipmi-cuse/watchdog-node for the service): the package's postinst
// reads it to see whether anyone holds the watchdog open before restarting
// the daemon after an upgrade. Empty without a control socket.
std::filesystem::path watchdogNodeFile(const Config& config)
{
    const auto& socket = config.daemon.controlSocket;
    if (socket.empty() || !socket.has_parent_path()) {
        return {};
    }
    return socket.parent_path() / "watchdog-node";
}

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

} // namespace

Daemon::Impl::Impl(Config config, BackendPlan plan, DaemonHooks hooks)
    : config_(std::move(config)), plan_(std::move(plan)), hooks_(std::move(hooks)),
      audit_(config_.daemon.audit,
             AuditLimits{config_.daemon.auditRate * 5, static_cast<double>(config_.daemon.auditRate)},
             journalAuditWriter()),
      loop_(io_), handler_(loop_, config_.msghandler.params),
      powerCycle_(config_.poweroff.powercycle ? 1 : 0, powerCycleFile(config_)),
      control_(io_, [this](const std::string& command, Reply reply) { controlCommand(command, std::move(reply)); }),
      startupTimer_(io_), silenceTimer_(io_), signals_(io_, [this](int signo, int count) { onSignal(signo, count); })
{
    if (!hooks_.devices) {
        hooks_.devices = cuseDeviceFactory(loop_, config_);
    }
}

Daemon::Impl::~Impl()
{
    // Devices and waiters hold callbacks into this object.
    addWaiters_.clear();
    for (auto& [ifnum, nodes] : devices_) {
        for (auto& node : nodes) {
            node.device->stop();
        }
    }
    for (auto& device : retiring_) {
        device->stop();
    }
}

int Daemon::Impl::run()
{
    log_ = subsystemLog("daemon");
    for (const auto& line : plan_.log) {
        log_->info("{}", line);
    }
    for (const auto& backend : plan_.backends) {
        const auto added = addBackend(backend);
        if (const auto* error = std::get_if<std::string>(&added)) {
            log_->error("{}: {}", backend.description, *error);
            continue;
        }
        pending_[std::get<int>(added)] = backend.description;
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
        if (auto error = control_.start(config_.daemon.controlSocket)) {
            log_->critical("{}", *error);
            finish();
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

std::variant<int, std::string> Daemon::Impl::addBackend(const Backend& backend)
{
    auto made = backend.make(loop_);
    if (auto* problem = std::get_if<std::string>(&made)) {
        return std::move(*problem);
    }
    const int ifnum = handler_.addInterface(std::get<std::unique_ptr<core::Interface>>(std::move(made)));
    origins_.insert_or_assign(ifnum, backend);
    draining_.erase(ifnum);
    log_->info("interface {}: {}", ifnum, backend.description);
    return ifnum;
}

// The kernel's other IPMI users and the watchdog, on the handler whose
// interfaces are registering; the watchdog binds to its interface (and
// creates its device) when that one becomes usable.
void Daemon::Impl::startServices()
{
    panicEvents_ = std::make_unique<core::services::PanicEvents>(handler_, servicesPanicOp(config_.msghandler.panicOp));
    if (config_.acpiIpmi.enabled) {
        acpi_ = std::make_unique<core::services::AcpiIpmiBridge>(handler_);
    }
    if (auto error = powerCycle_.set(powerCycle_.get())) {
        log_->warn("poweroff_powercycle not persisted for the shutdown hook: {}", error->message);
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
    options.cuse.fixedNumber = watchdogNumber(config_.device);
    options.cuse.ownership =
        cuse::NodeOwnership{config_.device.watchdogMode, config_.device.watchdogUid, config_.device.watchdogGid};
    watchdog_ = std::make_unique<watchdog::WatchdogService>(io_, handler_, std::move(options),
                                                            [this](int result) { onWatchdogReady(result); });
    // preop_panic: the kernel panics with this message; we send its events.
    watchdog_->timer().setPanicListener([this] {
        if (panicEvents_) {
            panicEvents_->report(std::string(core::services::kWatchdogPretimeoutPanic));
        }
    });
}

void Daemon::Impl::onWatchdogReady(int result)
{
    const auto& name = config_.device.watchdogName;
    if (result != 0) {
        fatal("the IPMI watchdog device /dev/" + name + " could not be started: " + std::strerror(-result) +
              " (choose another name with --watchdog-name, or none)");
        return;
    }
    watchdogReady_ = true;
    log_->info("the IPMI watchdog is served at /dev/{}", name);
    if (const auto file = watchdogNodeFile(config_); !file.empty()) {
        std::ofstream(file) << "/dev/" << name << "\n";
    }
    maybeReady();
}

void Daemon::Impl::onInterface(int ifnum, bool added)
{
    if (!added) {
        // Removed (by us after draining): the device is retired separately.
        return;
    }
    pending_.erase(ifnum);
    const auto specs = nodesOf(ifnum);
    for (const auto& spec : specs) {
        if (auto problem = nodeNumberProblem(config_.device, ifnum, spec.index)) {
            onDeviceFailed(ifnum, *problem);
            return;
        }
        if (notifiedReady_ || startupOver_) {
            // A run-time add: runDaemon checked the start-up names already.
            if (auto busy = cuse::checkNameIsFree(sysfs(), spec.name)) {
                onDeviceFailed(ifnum, *busy);
                return;
            }
        }
    }
    auto& nodes = devices_[ifnum];
    for (const auto& spec : specs) {
        auto device = hooks_.devices(spec, [this, ifnum]() -> cuse::OpenResult {
            if (draining_.contains(ifnum) || stopping_) {
                return -ENODEV; // going away: the kernel's answer for a dying interface
            }
            auto file = core::openDeviceFile(handler_, ifnum);
            if (!file) {
                return file.error;
            }
            return std::move(file.value);
        });
        nodes.push_back(
            ServedNode{std::move(device), std::static_pointer_cast<NodeAudit>(spec.observer), spec.policy.text()});
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
        auto* device = devices_[ifnum][i].device.get();
        const auto error =
            device->start([this, ifnum](const std::optional<std::string>& err) { onDeviceReady(ifnum, err); },
                          [this, ifnum, name = specs[i].name](const std::string& reason) {
                              onDeviceFailed(ifnum, fmt::format("/dev/{} went away: {}", name, reason));
                          });
        if (error) {
            onDeviceFailed(ifnum, *error);
            return;
        }
    }
}

std::vector<NodeSpec> Daemon::Impl::nodesOf(int ifnum)
{
    const auto& device = config_.device;
    std::vector<NodeSpec> specs;
    specs.push_back(NodeSpec{ifnum, 0, device.nameFor(ifnum), cuse::NodeOwnership{device.mode, device.uid, device.gid},
                             cuse::NodePolicy::full(), nullptr});
    const unsigned further = device.nodeCount(ifnum);
    for (unsigned k = 1; k <= further; ++k) {
        const NodeConfig& n = *device.nodeOf(ifnum, k);
        specs.push_back(NodeSpec{ifnum, k, n.name, cuse::NodeOwnership{n.mode, n.uid, n.gid}, n.policy, nullptr});
    }
    if (audit_.scope() != AuditScope::Off || further > 0) {
        // Each node's gate counts (status) and audits; an interface served
        // by its own node only and no audit keeps the kernel's bare path.
        for (auto& spec : specs) {
            spec.observer = std::make_shared<NodeAudit>(audit_);
        }
    }
    return specs;
}

void Daemon::Impl::onDeviceReady(int ifnum, const std::optional<std::string>& error)
{
    if (error) {
        onDeviceFailed(ifnum, *error);
        return;
    }
    const auto it = devices_.find(ifnum);
    if (it == devices_.end()) {
        return;
    }
    std::string paths;
    for (const auto& node : it->second) {
        if (!node.device->ready()) {
            return; // the interface is served once all its nodes are
        }
        paths += (paths.empty() ? "/dev/" : ", /dev/") + node.device->name();
    }
    log_->info("interface {} is served at {}", ifnum, paths);
    updateCdi(); // a run-time add: listed before its add is answered
    resolveAdd(ifnum, paths, true);
    maybeReady();
}

// At start-up a device that fails ends the program, as before; later (a
// run-time add, or a lost session) only its interface goes.
void Daemon::Impl::onDeviceFailed(int ifnum, const std::string& error)
{
    if (!notifiedReady_ && !startupOver_) {
        fatal(error);
        return;
    }
    log_->error("interface {}: {}", ifnum, error);
    resolveAdd(ifnum, error, false);
    retireInterface(ifnum, [] {});
}

void Daemon::Impl::resolveAdd(int ifnum, const std::string& outcome, bool ok)
{
    auto it = addWaiters_.find(ifnum);
    if (it == addWaiters_.end()) {
        return;
    }
    auto waiter = std::move(it->second);
    addWaiters_.erase(it);
    waiter.timeout->cancel();
    waiter.batch->part("interface " + std::to_string(ifnum) + (ok ? " added: " : " failed: ") + waiter.description +
                           (ok ? ", " : ": ") + outcome,
                       ok);
}

void Daemon::Impl::onStartupTimeout()
{
    for (const auto& [ifnum, description] : pending_) {
        log_->error("interface {} ({}) did not answer Get Device ID within {} ms; not served", ifnum, description,
                    config_.daemon.startupTimeout.count());
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

// READY=1 once every usable interface has a verified node, none is still
// registering, and the watchdog device (if any) exists.
void Daemon::Impl::maybeReady()
{
    if (notifiedReady_ || stopping_ || (!pending_.empty() && !startupOver_) || devices_.empty() ||
        (watchdog_ && !watchdogReady_)) {
        return;
    }
    for (const auto& [ifnum, nodes] : devices_) {
        for (const auto& node : nodes) {
            if (!node.device->ready()) {
                return;
            }
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
    std::size_t served = 0;
    for (const auto& [ifnum, nodes] : devices_) {
        served += nodes.size();
    }
    log_->info("ready: {} device(s){}", served,
               watchdog_ ? ", watchdog /dev/" + config_.device.watchdogName : std::string{});
    updateCdi();
    if (hooks_.onReady) {
        hooks_.onReady();
    }
}

// The kernel unregisters at once and the requests in flight die with their
// users; we let them reach their answers first (bounded by stopDrain) and
// answer what is left with 0xFF, so a client waiting on one is answered
// rather than left to its own timeout.
void Daemon::Impl::retireInterface(int ifnum, std::function<void()> done)
{
    if (draining_.contains(ifnum)) {
        done();
        return;
    }
    draining_.insert(ifnum);
    drainStep(ifnum, loop_.now() + config_.daemon.stopDrain, std::move(done));
}

void Daemon::Impl::drainStep(int ifnum, core::Clock::time_point deadline, std::function<void()> done)
{
    const auto status = handler_.interfaceStatus(ifnum);
    if (status && status->outstandingRequests > 0 && loop_.now() < deadline) {
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, kDrainPoll);
        timer->async_wait(lifetime_.guard(
            [this, timer, ifnum, deadline, done = std::move(done)](const boost::system::error_code& ec) mutable {
                if (!ec) {
                    drainStep(ifnum, deadline, std::move(done));
                }
            }));
        return;
    }
    if (status && status->outstandingRequests > 0) {
        const int answered = handler_.failOutstanding(ifnum);
        log_->warn("interface {}: {} request(s) still unanswered after {} ms; answered them with 0xFF", ifnum, answered,
                   config_.daemon.stopDrain.count());
    }
    handler_.removeInterface(ifnum);
    pending_.erase(ifnum);
    origins_.erase(ifnum);
    draining_.erase(ifnum);
    auto extracted = devices_.extract(ifnum);
    if (extracted.empty()) {
        done();
        return;
    }
    updateCdi();
    std::vector<std::weak_ptr<PublishedDevice>> going;
    for (auto& node : extracted.mapped()) {
        std::shared_ptr<PublishedDevice> device = std::move(node.device);
        retiring_.push_back(device);
        going.push_back(device);
    }
    auto grace = std::make_shared<boost::asio::steady_timer>(io_, config_.daemon.stopGrace);
    grace->async_wait([this, grace, going, done = std::move(done)](const boost::system::error_code& ec) {
        if (ec) {
            return; // finish() took care of them
        }
        bool anyLeft = false;
        for (const auto& weak : going) {
            if (auto gone = weak.lock()) {
                anyLeft = true;
                gone->stop();
                std::erase(retiring_, gone);
            }
        }
        if (anyLeft) {
            done();
        }
    });
}

void Daemon::Impl::onSignal(int signo, int count)
{
    if (count > 1) {
        log_->warn("signal {} again: stopping now", signo);
        finish();
        return;
    }
    log_->info("signal {}: stopping", signo);
    stop(0);
}

void Daemon::Impl::fatal(const std::string& message)
{
    log_->critical("{}", message);
    stop(1);
}

void Daemon::Impl::stop(int code)
{
    if (stopping_) {
        return;
    }
    stopping_ = true;
    exitCode_ = code;
    sd_notify(0, "STOPPING=1");
    removeCdi(); // the nodes are going: no new container should be given them
    startupTimer_.cancel();
    silenceTimer_.cancel();
    std::vector<int> all;
    for (const auto& [ifnum, backend] : origins_) {
        all.push_back(ifnum);
    }
    if (all.empty()) {
        finish();
        return;
    }
    auto left = std::make_shared<std::size_t>(all.size());
    for (const int ifnum : all) {
        retireInterface(ifnum, [this, left] {
            if (--*left == 0) {
                finish();
            }
        });
    }
}

// The interfaces go before the watchdog: unbound, its device's last close
// cannot reach the BMC, so a running timer keeps running (the kernel's
// "Unexpected close, not stopping watchdog!").
void Daemon::Impl::finish()
{
    stopping_ = true;
    startupTimer_.cancel();
    silenceTimer_.cancel();
    handler_.removeWatcher(watcher_);
    for (const int ifnum : handler_.interfaces()) {
        handler_.removeInterface(ifnum);
    }
    for (auto& [ifnum, waiter] : addWaiters_) {
        waiter.timeout->cancel();
        waiter.batch->part("interface " + std::to_string(ifnum) + " failed: the daemon is stopping", false);
    }
    addWaiters_.clear();
    if (watchdog_) {
        std::error_code ignored;
        std::filesystem::remove(watchdogNodeFile(config_), ignored);
    }
    watchdog_.reset();
    acpi_.reset();
    panicEvents_.reset();
    for (auto& [ifnum, nodes] : devices_) {
        for (auto& node : nodes) {
            node.device->stop();
        }
    }
    devices_.clear();
    for (auto& device : retiring_) {
        device->stop();
    }
    retiring_.clear();
    removeCdi();
    control_.stop();
    signals_.cancel();
    io_.stop();
}

// The spec lists what is served now; a failure to write it costs the
// containers their CDI names, not the host its devices, so it is logged.
void Daemon::Impl::updateCdi()
{
    if (!config_.device.cdi || !notifiedReady_ || stopping_) {
        return;
    }
    std::vector<cdi::PublishedNode> nodes;
    for (const auto& [ifnum, served] : devices_) {
        for (const auto& s : served) {
            auto node = s.device->node();
            if (!node) {
                continue;
            }
            if (auto problem = cdi::deviceNameProblem(node->name)) {
                log_->warn("/dev/{} is left out of the CDI spec: {}", node->name, *problem);
                continue;
            }
            nodes.push_back(std::move(*node));
        }
    }
    if (cdiWritten_ && nodes == cdiNodes_) {
        return;
    }
    if (nodes.empty()) {
        removeCdi();
        return;
    }
    if (auto error = cdi::writeSpec(config_.device.cdiDir, config_.device.cdiKind, nodes)) {
        log_->error("{}", *error);
        return;
    }
    cdiWritten_ = true;
    cdiNodes_ = std::move(nodes);
    log_->info("CDI spec {} lists {} device(s) of kind {}",
               (config_.device.cdiDir / cdi::specFileName(config_.device.cdiKind)).string(), cdiNodes_.size(),
               config_.device.cdiKind);
}

void Daemon::Impl::removeCdi()
{
    if (!cdiWritten_) {
        return;
    }
    cdiWritten_ = false;
    cdiNodes_.clear();
    if (auto error = cdi::removeSpec(config_.device.cdiDir, config_.device.cdiKind)) {
        log_->error("{}", *error);
    }
}

// ---- the public face -----------------------------------------------------

Daemon::Daemon(Config config, BackendPlan plan, DaemonHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(plan), std::move(hooks)))
{
}

Daemon::~Daemon() = default;

int Daemon::run()
{
    return impl_->run();
}

void Daemon::requestStop()
{
    boost::asio::post(impl_->io(), [impl = impl_.get()] { impl->stop(0); });
}

boost::asio::io_context& Daemon::io()
{
    return impl_->io();
}

core::MessageHandler& Daemon::handler()
{
    return impl_->handler();
}

} // namespace ipmi::daemon
