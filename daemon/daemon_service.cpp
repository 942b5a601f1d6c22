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
#include "daemon/logging.hpp"

#include <systemd/sd-daemon.h>

#include <cstring>

namespace ipmi::daemon {

namespace {

constexpr std::chrono::milliseconds kDrainPoll{10};

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
    : config_(std::move(config)), plan_(std::move(plan)), hooks_(std::move(hooks)), loop_(io_),
      handler_(loop_, config_.msghandler.params),
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
    for (auto& [ifnum, device] : devices_) {
        device->stop();
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
    acpi_ = std::make_unique<core::services::AcpiIpmiBridge>(handler_);
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
    maybeReady();
}

void Daemon::Impl::onInterface(int ifnum, bool added)
{
    if (!added) {
        // Removed (by us after draining): the device is retired separately.
        return;
    }
    pending_.erase(ifnum);
    const std::string name = config_.device.nameFor(ifnum);
    if (notifiedReady_ || startupOver_) {
        // A run-time add: runDaemon checked the start-up names already.
        if (auto busy = cuse::checkNameIsFree(sysfs(), name)) {
            onDeviceFailed(ifnum, *busy);
            return;
        }
    }
    auto device = hooks_.devices(ifnum, name, [this, ifnum]() -> cuse::OpenResult {
        if (draining_.contains(ifnum) || stopping_) {
            return -ENODEV; // going away: the kernel's answer for a dying interface
        }
        auto file = core::openDeviceFile(handler_, ifnum);
        if (!file) {
            return file.error;
        }
        return std::move(file.value);
    });
    auto* raw = device.get();
    devices_[ifnum] = std::move(device);
    const auto error =
        raw->start([this, ifnum](const std::optional<std::string>& err) { onDeviceReady(ifnum, err); },
                   [this, ifnum](const std::string& reason) {
                       onDeviceFailed(ifnum, "/dev/" + config_.device.nameFor(ifnum) + " went away: " + reason);
                   });
    if (error) {
        onDeviceFailed(ifnum, *error);
    }
}

void Daemon::Impl::onDeviceReady(int ifnum, const std::optional<std::string>& error)
{
    if (error) {
        onDeviceFailed(ifnum, *error);
        return;
    }
    log_->info("interface {} is served at /dev/{}", ifnum, config_.device.nameFor(ifnum));
    resolveAdd(ifnum, "/dev/" + config_.device.nameFor(ifnum), true);
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
    auto node = devices_.extract(ifnum);
    if (node.empty()) {
        done();
        return;
    }
    std::shared_ptr<PublishedDevice> device = std::move(node.mapped());
    retiring_.push_back(device);
    auto grace = std::make_shared<boost::asio::steady_timer>(io_, config_.daemon.stopGrace);
    std::weak_ptr<PublishedDevice> weak = device;
    grace->async_wait([this, grace, weak, done = std::move(done)](const boost::system::error_code& ec) {
        auto gone = weak.lock();
        if (ec || !gone) {
            return; // finish() took care of it
        }
        gone->stop();
        std::erase(retiring_, gone);
        done();
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
    watchdog_.reset();
    acpi_.reset();
    panicEvents_.reset();
    for (auto& [ifnum, device] : devices_) {
        device->stop();
    }
    devices_.clear();
    for (auto& device : retiring_) {
        device->stop();
    }
    retiring_.clear();
    control_.stop();
    signals_.cancel();
    io_.stop();
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
