// The running daemon as an object: the message handler and its interfaces,
// one published device per usable interface, the kernel's other users, the
// watchdog device, the control socket and the stop signals, all on one Asio
// loop. runDaemon() (daemon.hpp) does the checks before it and runs one; unit
// tests run one in-process with the simulated BMC, a control socket in a
// temporary directory and their own DeviceFactory (no /dev/cuse needed).
//
// Start-up: every planned backend is added; each interface that answers Get
// Device ID gets its device; READY=1 (and hooks.onReady) once every device
// is verified and the watchdog device, if any, exists; then the CDI spec of
// the nodes (cdi_spec.hpp), kept up to date as interfaces come and go and
// removed on stop.
//
// Run time: the control verbs (control_commands.hpp) — status counters,
// fault injection on the simulated BMC, hotmod and ssif adding and removing
// interfaces (each added one gets its own device, like the kernel creating
// ipmiN; a removed one loses it).
//
// Stop (SIGTERM/SIGINT or requestStop()): new opens are refused; each
// interface is drained — requests already in flight (an IPMB request
// waiting for its retries, say) run to their answer, for at most
// config.daemon.stopDrain — then removed (MessageHandler::removeInterface);
// its device stays for config.daemon.stopGrace so clients can collect what
// is queued for them, then goes; then the loop ends. A second signal stops
// at once. A running BMC watchdog timer keeps running (the kernel's
// "unexpected close").
#pragma once

#include "daemon/asio.hpp"

#include "core/message_handler.hpp"
#include "daemon/backends/backends.hpp"
#include "daemon/config.hpp"
#include "daemon/device_publisher.hpp"

#include <functional>
#include <memory>

namespace ipmi::daemon {

struct DaemonHooks
{
    DeviceFactory devices;         // empty: CUSE devices
    std::function<void()> onReady; // with READY=1
    // Hardware for run-time hotmod adds; empty: siBackend(). Tests put a
    // simulated interface here.
    std::function<Backend(const Config&, const si::discovery::DiscoveredInterface&)> hotmodBackend;
    // The same for `ssif add`; empty: ssifBackend().
    std::function<Backend(const Config&, const ssif::SsifParams&)> ssifBackend;
};

class Daemon
{
  public:
    Daemon(Config config, BackendPlan plan, DaemonHooks hooks = {});
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Starts everything and runs the loop until stopped: 0 clean stop,
    // 1 could not run or a fatal error.
    [[nodiscard]] int run();
    // A clean stop, as SIGTERM asks for; callable from any thread.
    void requestStop();

    [[nodiscard]] boost::asio::io_context& io();
    // Loop thread only.
    [[nodiscard]] core::MessageHandler& handler();

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace ipmi::daemon
