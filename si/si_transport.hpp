// The Transport that drives one KCS/BT/SMIC state machine: it starts a
// request, calls event() as the result asks (at once, after a short delay,
// after a tick), hands the response back, and keeps stepping after a
// transaction until the machine is idle again (BT's long-busy and
// capabilities states need that). Idle, it does nothing at all until a new
// request or an attention nudge arrives. Starting requests and reading
// results is SiStepper's, the same for both; they differ in threading and
// pacing.
//
// Two ways to run it:
// - LoopSiTransport steps on the loop thread with loop timers: for the
//   simulated registers, whose accesses cost nothing and never block. Its
//   waits are paced like the worker's but never spin: a learned sleep, then
//   sleeps that double up to a tick; and the BMC's poke (nudge) ends a wait
//   at once.
// - WorkerSiTransport steps on its own thread for real port/memory
//   registers (the kernel's kipmid), paced by a PollPacer: spins through a
//   byte handshake, up to kipmid_max_busy_us, sleeps through the BMC's
//   execution of a command and looks at its learned pace, then backs off;
//   parks on a condition variable when idle (no CPU); posts results to the
//   loop through EventLoop::post. While the host watches for attention a
//   loop timer has the idle worker read the status register every
//   kWatchInterval, as the kernel's timer does while need_watch is set:
//   reading the attention bit costs the BMC nothing, where a Get Message
//   Flags poll is a transaction that a silent BMC holds for seconds ahead
//   of the users'. The timer is the loop's, not a timed wait of the
//   worker's: a timed park armed and cancelled a kernel timer around every
//   transaction, about 0.9 us each under icount (benchmarks/README.md).
#pragma once

#include "core/event_loop.hpp"
#include "si/poll_pacer.hpp"
#include "si/register_io.hpp"
#include "si/si_stepper.hpp"
#include "si/state_machine.hpp"
#include "si/transport.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace ipmi::si {

class LoopSiTransport : public Transport
{
  public:
    LoopSiTransport(core::EventLoop& loop, std::unique_ptr<RegisterIo> io, std::unique_ptr<StateMachine> sm,
                    core::InterfaceInfo info, bool reportsAttention);
    ~LoopSiTransport() override;
    LoopSiTransport(const LoopSiTransport&) = delete;
    LoopSiTransport& operator=(const LoopSiTransport&) = delete;

    [[nodiscard]] const core::InterfaceInfo& info() const override { return info_; }
    void start(TransportSink& sink) override;
    void startTransaction(core::SmiBytes request) override;
    [[nodiscard]] bool reportsAttention() const override { return reportsAttention_; }
    void shutdown() override;

    // The BMC may want attention: look at the status when next idle.
    void nudge();
    [[nodiscard]] StateMachine& stateMachine() { return *sm_; }

  private:
    void schedule(core::Clock::duration delay);
    void step();
    bool tryStart();
    void complete(core::SmiBytes response, std::optional<std::string> hosed = std::nullopt);

    core::EventLoop& loop_;
    std::unique_ptr<RegisterIo> io_;
    std::unique_ptr<StateMachine> sm_;
    core::InterfaceInfo info_;
    bool reportsAttention_;
    PollPacer pacer_{PollPacing{.kipmid = true, .maxBusy = {}, .onLoop = true}};
    std::unique_ptr<core::Timer> timer_;
    TransportSink* sink_ = nullptr;
    bool running_ = false;
    bool inStep_ = false;
    SiStepper stepper_;
    core::Clock::time_point lastEvent_{};
};

class WorkerSiTransport : public Transport
{
  public:
    // force_kipmid and kipmid_max_busy_us; see PollPacer.
    using Polling = PollPacing;

    WorkerSiTransport(core::EventLoop& loop, std::unique_ptr<RegisterIo> io, std::unique_ptr<StateMachine> sm,
                      core::InterfaceInfo info, Polling polling);
    ~WorkerSiTransport() override;
    WorkerSiTransport(const WorkerSiTransport&) = delete;
    WorkerSiTransport& operator=(const WorkerSiTransport&) = delete;

    [[nodiscard]] const core::InterfaceInfo& info() const override { return info_; }
    void start(TransportSink& sink) override;
    void startTransaction(core::SmiBytes request) override;
    [[nodiscard]] bool reportsAttention() const override { return true; }
    void watchAttention(bool on) override;
    void shutdown() override;

    // The kernel's SI_TIMEOUT_JIFFIES (10 ms), its timer's period while the
    // message handler needs a watch.
    static constexpr core::Clock::duration kWatchInterval = std::chrono::milliseconds(10);

  private:
    struct Gate
    {
        TransportSink* sink = nullptr; // loop thread only
    };

    void run();
    // Waits up to `d` (or until told to stop or given work); false if stopping.
    bool pause(core::Clock::duration d);
    void postDone(core::SmiBytes response, std::optional<std::string> hosed = std::nullopt);
    void postAttention();
    void armWatch();

    core::EventLoop& loop_;
    std::unique_ptr<RegisterIo> io_;
    std::unique_ptr<StateMachine> sm_;
    core::InterfaceInfo info_;
    Polling polling_;
    std::shared_ptr<Gate> gate_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<core::SmiBytes> request_; // guarded by mutex_
    bool stop_ = false;                     // guarded by mutex_
    bool watchDue_ = false;                 // guarded by mutex_: an idle step is asked for
    std::unique_ptr<core::Timer> watchTimer_;
    std::thread worker_;
};

} // namespace ipmi::si
