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
//   sleeps that double up to a tick; and the BMC's poke (nudge), its
//   interrupt, ends a wait at once. A BMC with no interrupt wired pokes in
//   vain: the waits take their paced looks, and while the host watches for
//   attention a loop timer looks at the idle machine's status every
//   kWatchInterval, as for the worker.
// - WorkerSiTransport, for real port/memory registers, steps on the loop
//   while the BMC keeps up, as the kernel runs its state machine in the
//   sender's context and its interrupt handler: the steps of a transaction
//   that make progress, and the wait for a lone request's response, slept on
//   a loop timer and looked at on the learned pace (a PollPacer). What the
//   loop may not do is spin. A byte handshake the BMC does not finish at
//   once goes to the transport's worker thread (the kernel's kipmid), which
//   spins up to kipmid_max_busy_us, backs off past that, finishes the
//   transaction, posts the result through EventLoop::post and parks (no
//   CPU); the next transaction starts on the loop again. So does the wait
//   for the response of a request that waited in the queue behind the last
//   one: the loop then has the other callers' traffic to serve, and waiting
//   on its timers between their requests made 30 callers of a slow BMC
//   5-8 % slower than the worker's sleeps. A BMC that turns bytes around at
//   once never wakes the worker: the hand-off to a thread and back was
//   36-40 % of what a Get Device ID costs us beyond the CUSE floor
//   (benchmarks/README.md, issue 22). force_kipmid=0 (no polling thread)
//   keeps everything on the loop, paced by the kernel's 250-us timer. While
//   the host watches for attention, a loop timer reads the status register
//   of an idle machine every kWatchInterval, as the kernel's timer does
//   while need_watch is set: reading the attention bit costs the BMC
//   nothing, where a Get Message Flags poll is a transaction that a silent
//   BMC holds for seconds ahead of the users'.
#pragma once

#include "core/event_loop.hpp"
#include "si/poll_pacer.hpp"
#include "si/register_io.hpp"
#include "si/si_stepper.hpp"
#include "si/state_machine.hpp"
#include "si/transport.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace ipmi::si {

// The kernel's SI_TIMEOUT_JIFFIES (10 ms), its timer's period while the
// message handler needs a watch and no interrupt tells it of attention.
inline constexpr core::Clock::duration kWatchInterval = std::chrono::milliseconds(10);

class LoopSiTransport : public Transport
{
  public:
    // `interruptWired`: whether the BMC's nudges reach the transport now
    // (empty: always).
    LoopSiTransport(core::EventLoop& loop, std::unique_ptr<RegisterIo> io, std::unique_ptr<StateMachine> sm,
                    core::InterfaceInfo info, bool reportsAttention, std::function<bool()> interruptWired = {});
    ~LoopSiTransport() override;
    LoopSiTransport(const LoopSiTransport&) = delete;
    LoopSiTransport& operator=(const LoopSiTransport&) = delete;

    [[nodiscard]] const core::InterfaceInfo& info() const override { return info_; }
    void start(TransportSink& sink) override;
    void startTransaction(core::SmiBytes request) override;
    [[nodiscard]] bool reportsAttention() const override { return reportsAttention_; }
    void watchAttention(bool on) override;
    void shutdown() override;

    // The BMC's interrupt: it may want attention, or a response may be in
    // the registers. Look at the status now.
    void nudge();
    [[nodiscard]] StateMachine& stateMachine() { return *sm_; }

  private:
    void schedule(core::Clock::duration delay);
    void step();
    [[nodiscard]] bool interruptWired() const { return !interruptWired_ || interruptWired_(); }
    void armWatch();
    bool tryStart();
    void complete(core::SmiBytes response, std::optional<std::string> hosed = std::nullopt);

    core::EventLoop& loop_;
    std::unique_ptr<RegisterIo> io_;
    std::unique_ptr<StateMachine> sm_;
    core::InterfaceInfo info_;
    bool reportsAttention_;
    std::function<bool()> interruptWired_;
    PollPacer pacer_{PollPacing{.kipmid = true, .maxBusy = {}, .onLoop = true}};
    std::unique_ptr<core::Timer> timer_;
    std::unique_ptr<core::Timer> watchTimer_;
    bool watching_ = false;
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

  private:
    // Who steps the machine. Nobody: the loop may take it. The worker keeps
    // it until the machine is idle again.
    enum class Owner : std::uint8_t
    {
        None,
        Loop,
        Worker,
    };
    struct Gate
    {
        TransportSink* sink = nullptr; // loop thread only
        bool delivering = false;       // the sink is handling a completion
    };

    // Loop thread.
    bool takeForLoop();
    static void deliver(Gate& gate, core::SmiBytes response, std::optional<std::string> hosed);
    void queueLoopStep();
    void stepOnLoop();
    // Starts the accepted request if the machine takes it (or answers a
    // refusal); false if nothing started.
    bool startOnLoop(Gate& gate);
    // Owner's, either thread: start what was accepted, if the machine takes it.
    SiStepper::Start startAccepted(core::SmiBytes& refusal);
    // Owner's, either thread: one event() of the machine, timed since the
    // last, and the pacer's step after it.
    struct Stepped
    {
        SiStepper::Outcome out;
        PollStep step;
        bool awaiting = false; // the wait is for the BMC's response
    };
    Stepped stepMachine();
    void handToWorker(core::Clock::duration firstSleep);
    void armWatch();
    // Worker thread.
    void run();
    // Waits up to `d` (or until told to stop); false if stopping.
    bool pause(core::Clock::duration d);
    void postDone(core::SmiBytes response, std::optional<std::string> hosed = std::nullopt);
    void postAttention();

    core::EventLoop& loop_;
    std::unique_ptr<RegisterIo> io_;
    std::unique_ptr<StateMachine> sm_;
    core::InterfaceInfo info_;
    Polling polling_;
    std::shared_ptr<Gate> gate_;
    // The owner's (the loop's while nobody owns the machine).
    SiStepper stepper_;
    PollPacer pacer_;
    core::Clock::time_point lastEvent_{};
    // Loop thread only.
    std::unique_ptr<core::Timer> stepTimer_;
    std::unique_ptr<core::Timer> watchTimer_;
    bool loopStepQueued_ = false;
    bool inLoopStep_ = false;
    bool queuedBehind_ = false; // the transaction under way was sent from the last one's completion
    // Guarded by mutex_.
    std::mutex mutex_;
    std::condition_variable wake_;
    Owner owner_ = Owner::None;
    std::optional<core::SmiBytes> request_; // sent while the worker owns the machine
    core::Clock::duration handoffSleep_{};  // the pacer's sleep the worker starts with
    bool stop_ = false;
    std::thread worker_;
};

} // namespace ipmi::si
