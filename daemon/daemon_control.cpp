// The control verbs as the running daemon executes them (the grammar is in
// control_commands.hpp): status, version, poweroff-powercycle, panic-event,
// acpi-ipmi, fault (the simulated BMC only), hotmod and ssif (adding and
// removing interfaces while running).
// GCC 12 with -fsanitize=address reports a -Wmaybe-uninitialized false
// positive in std::variant's move constructor as inlined into
// parseControlCommand's result; the pragma must precede <variant>.
#if !defined(__clang__) // clang has no such warning (nor the false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "daemon/asio.hpp"

#include "daemon/daemon_impl.hpp"
#include "daemon/status.hpp"
#include "daemon/version.hpp"

#include <fmt/format.h>

#include <cstring>

namespace ipmi::daemon {

void ControlBatch::part(const std::string& line, bool ok)
{
    if (!ok && !error) {
        error = line;
    }
    lines += line + "\n";
    --waiting;
    finishIfDone();
}

void ControlBatch::finishIfDone()
{
    if (waiting > 0 || !reply) {
        return;
    }
    auto send = std::move(reply);
    reply = nullptr;
    send(error ? "error " + *error + "\n" + lines : lines);
}

void Daemon::Impl::controlCommand(const std::string& line, Reply reply)
{
    auto parsed = parseControlCommand(line);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        reply("error " + *error + "\n");
        return;
    }
    std::visit([this, &reply](auto& c) { execute(c, std::move(reply)); }, std::get<ControlCommand>(parsed));
}

void Daemon::Impl::execute(const StatusCommand& c, const Reply& reply)
{
    const auto deviceOf = [this](int ifnum) {
        const auto it = devices_.find(ifnum);
        if (it == devices_.end() || it->second.empty() || !it->second.front().device->ready()) {
            return DeviceSummary{};
        }
        const auto& own = *it->second.front().device;
        DeviceSummary summary{own.name(), own.counters(), {}};
        for (const auto& node : it->second) {
            NodeSummary n{node.device->name(), node.policy, node.device->counters(), std::nullopt};
            if (node.audit) {
                n.gate = node.audit->counters();
            }
            summary.nodes.push_back(std::move(n));
        }
        return summary;
    };
    const auto originOf = [this](int ifnum) {
        const auto it = origins_.find(ifnum);
        if (it == origins_.end()) {
            return InterfaceOrigin{};
        }
        const auto& b = it->second;
        return InterfaceOrigin{true,
                               b.simulated,
                               si::discovery::toString(b.target.space),
                               b.target.space == si::discovery::AddrSpace::Smbus ? b.target.i2cAddress()
                                                                                 : b.target.address,
                               b.target.i2cAdapter,
                               b.ssifAdapter};
    };
    std::optional<WatchdogSummary> watchdog;
    if (watchdog_) {
        auto& timer = watchdog_->timer();
        const auto& p = timer.params();
        watchdog = WatchdogSummary{"/dev/" + config_.device.watchdogName,
                                   watchdog_->ifnum(),
                                   watchdog_->device().isOpen(),
                                   timer.state() != watchdog::Action::None,
                                   std::string(watchdog::toString(p.action)),
                                   std::string(watchdog::toString(p.preaction)),
                                   std::string(watchdog::toString(p.preop)),
                                   p.timeout,
                                   p.pretimeout,
                                   p.nowayout,
                                   timer.panicked()};
    }
    const auto snapshot = takeStatusSnapshot(handler_, deviceOf, originOf, std::move(watchdog), loop_.now());
    reply(formatStatus(snapshot, c.format));
}

void Daemon::Impl::execute(const VersionCommand&, const Reply& reply)
{
    reply(std::string(kVersionLine) + "\n");
}

void Daemon::Impl::execute(const PowerCycleCommand& c, const Reply& reply)
{
    if (c.value) {
        if (auto error = powerCycle_.set(*c.value)) {
            log_->warn("poweroff_powercycle {} set but not persisted: {}", *c.value, error->message);
        }
    }
    reply(formatPowerCycleReply(powerCycle_.get()));
}

void Daemon::Impl::execute(const PanicEventCommand& c, Reply reply)
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

void Daemon::Impl::execute(const AcpiIpmiCommand& c, Reply reply)
{
    if (!acpi_) {
        reply(config_.acpiIpmi.enabled ? "error not running\n"
                                       : "error acpi-ipmi: the bridge is off (start the daemon with "
                                         "--acpi_ipmi.enabled)\n");
        return;
    }
    auto shared = std::make_shared<Reply>(std::move(reply));
    const int rv = acpi_->request(c.address, c.buffer, [shared](const core::services::AcpiIpmiBuffer& buffer) {
        (*shared)(core::services::formatAcpiIpmiBuffer(buffer) + "\n");
    });
    if (rv != 0) {
        (*shared)("error acpi-ipmi: " + std::string(std::strerror(-rv)) +
                  (rv == -ENODEV ? " (no interface described by ACPI)" : "") + "\n");
    }
}

void Daemon::Impl::execute(const FaultCommand& c, const Reply& reply)
{
    if (!plan_.bmc) {
        reply("error fault: fault injection acts on the simulated BMC, and this daemon drives real hardware "
              "(start it with --sim)\n");
        return;
    }
    const auto now = loop_.now();
    reply(applyFaultCommand(c, *plan_.bmc, now));
    if (c.op == FaultCommand::Op::Set && c.kind == FaultKind::Silence) {
        // The BMC's clock moves only when something is due: wake it when the
        // silence ends, so the next request sees a BMC that answers again.
        silenceTimer_.expires_at(now + c.duration);
        silenceTimer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec && plan_.bmc) {
                plan_.bmc->advance(loop_.now());
            }
        });
    }
}

// Operations in order, as the kernel applies them; the first that cannot be
// applied stops the rest. An add is answered when its device exists.
void Daemon::Impl::execute(const HotmodCommand& c, Reply reply)
{
    auto batch = std::make_shared<ControlBatch>();
    batch->reply = std::move(reply);
    batch->waiting = 1; // this loop itself
    for (std::size_t i = 0; i < c.operations.size() && !batch->error; ++i) {
        const auto& op = c.operations[i];
        const auto& target = op.target;
        const std::string what = fmt::format("hotmod operation {} ({} {} {} {:#x})", i,
                                             op.action == si::discovery::HotmodAction::Add ? "add" : "remove",
                                             target.typeName(), si::discovery::toString(target.space), target.address);
        if (op.action == si::discovery::HotmodAction::Remove) {
            removeMatching(
                [&op](const Backend& b) {
                    return !b.simulated && b.target.space != si::discovery::AddrSpace::Smbus &&
                           si::discovery::hotmodRemoveMatches(op, b.target);
                },
                what, batch, MissingIs::Success);
            continue;
        }
        // The kernel's duplicate check (ipmi_si_add_smi): one interface per
        // address. Its hotmod write still succeeds (the refusal happens in the
        // new platform device's probe and is only logged), and so does ours.
        const auto dup = std::find_if(origins_.begin(), origins_.end(), [&target](const auto& entry) {
            const auto& b = entry.second;
            return !b.simulated && b.target.space == target.space && b.target.address == target.address;
        });
        if (dup != origins_.end()) {
            ++batch->waiting;
            batch->part(fmt::format("{}: not added, interface {} is already at this address", what, dup->first), true);
            continue;
        }
        Backend backend =
            hooks_.hotmodBackend ? hooks_.hotmodBackend(config_, target) : siBackend(config_, target, origins_.size());
        backend.description = what + ": " + backend.description;
        addRuntime(backend, batch);
    }
    --batch->waiting;
    batch->finishIfDone();
}

void Daemon::Impl::execute(const SsifCommand& c, Reply reply)
{
    auto batch = std::make_shared<ControlBatch>();
    batch->reply = std::move(reply);
    batch->waiting = 1;
    const std::string what = fmt::format("ssif {} {} {:#04x}", c.add ? "add" : "remove", c.adapter, c.addr);
    const auto wanted = i2cAdapterNumber(config_, c.adapter);
    auto sameBmc = [&](const Backend& b) {
        if (b.simulated || b.target.space != si::discovery::AddrSpace::Smbus || b.target.i2cAddress() != c.addr) {
            return false;
        }
        if (wanted && b.target.i2cAdapter) {
            return *wanted == *b.target.i2cAdapter;
        }
        return ssif::adapterNameMatches(b.ssifAdapter, c.adapter);
    };
    if (!c.add) {
        removeMatching(sameBmc, what, batch, MissingIs::Error);
    } else if (const auto dup = std::find_if(origins_.begin(), origins_.end(),
                                             [&](const auto& entry) { return sameBmc(entry.second); });
               dup != origins_.end()) {
        ++batch->waiting;
        batch->part(fmt::format("{}: interface {} is already this BMC", what, dup->first), false);
    } else {
        ssif::SsifParams p;
        p.addr = c.addr;
        p.adapter = c.adapter;
        p.addrSource = core::AddrSource::Hotmod;
        Backend backend = hooks_.ssifBackend ? hooks_.ssifBackend(config_, p) : ssifBackend(config_, p);
        backend.description = what + ": " + backend.description;
        addRuntime(backend, batch);
    }
    --batch->waiting;
    batch->finishIfDone();
}

void Daemon::Impl::removeMatching(const std::function<bool(const Backend&)>& match, const std::string& what,
                                  const std::shared_ptr<ControlBatch>& batch, MissingIs missing)
{
    std::vector<int> found;
    for (const auto& [ifnum, backend] : origins_) {
        if (match(backend) && !draining_.contains(ifnum)) {
            found.push_back(ifnum);
        }
    }
    if (found.empty()) {
        ++batch->waiting;
        // ipmi_si's hotmod remove of an absent interface succeeds silently;
        // deleting an absent I2C client (ipmi_ssif) is an error.
        batch->part(what + ": no such interface", missing == MissingIs::Success);
        return;
    }
    for (const int ifnum : found) {
        ++batch->waiting;
        resolveAdd(ifnum, "removed before it was ready", false);
        const std::string line = fmt::format("interface {} removed: {}", ifnum, what);
        retireInterface(ifnum, [batch, line] { batch->part(line, true); });
    }
}

void Daemon::Impl::addRuntime(const Backend& backend, const std::shared_ptr<ControlBatch>& batch)
{
    ++batch->waiting;
    if (auto refusal = kernelOwnershipRefusal(config_, backend)) {
        batch->part(*refusal, false);
        return;
    }
    if (stopping_) {
        batch->part(backend.description + ": the daemon is stopping", false);
        return;
    }
    const auto added = addBackend(backend);
    if (const auto* error = std::get_if<std::string>(&added)) {
        batch->part(backend.description + ": " + *error, false);
        return;
    }
    const int ifnum = std::get<int>(added);
    // A number freed by a failed registration may come back: its old waiter lost.
    resolveAdd(ifnum, "did not answer Get Device ID", false);
    auto timeout = std::make_shared<boost::asio::steady_timer>(io_, config_.daemon.startupTimeout);
    addWaiters_[ifnum] = AddWaiter{batch, backend.description, timeout};
    timeout->async_wait(lifetime_.guard([this, ifnum](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        resolveAdd(
            ifnum,
            fmt::format("did not answer Get Device ID within {} ms; not served", config_.daemon.startupTimeout.count()),
            false);
        retireInterface(ifnum, [] {});
    }));
}

} // namespace ipmi::daemon
