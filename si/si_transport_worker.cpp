// WorkerSiTransport: the state machine stepped on the loop while the BMC
// keeps up, and by the worker thread (the kernel's kipmid) through the byte
// handshakes it must spin and the waits of queued requests (see
// si_transport.hpp). One of them owns the machine, its stepper and its
// pacer at a time; ownership changes hands under the mutex, so whatever one
// owner left in them is what the next one sees. The worker hands results to
// the loop through EventLoop::post, behind a gate that shutdown() closes, so
// nothing reaches the sink afterwards.
#include "si/si_transport.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <utility>

namespace ipmi::si {

namespace {
// Inline steps before yielding to the rest of the loop, so that one long
// transfer cannot starve everything else on the thread.
constexpr unsigned kMaxInlineSteps = 4096;
} // namespace

WorkerSiTransport::WorkerSiTransport(core::EventLoop& loop, std::unique_ptr<RegisterIo> io,
                                     std::unique_ptr<StateMachine> sm, core::InterfaceInfo info, Polling polling)
    : loop_(loop), io_(std::move(io)), sm_(std::move(sm)), info_(std::move(info)), polling_(polling),
      gate_(std::make_shared<Gate>()), stepper_(*sm_), pacer_(polling), stepTimer_(loop.makeTimer()),
      watchTimer_(loop.makeTimer())
{
}

WorkerSiTransport::~WorkerSiTransport()
{
    shutdown();
}

void WorkerSiTransport::start(TransportSink& sink)
{
    if (gate_->sink != nullptr) {
        return;
    }
    gate_->sink = &sink;
    if (polling_.kipmid) {
        worker_ = std::thread([this] { run(); });
    }
    // Settle first: BT reads its capabilities before the first request.
    if (takeForLoop()) {
        queueLoopStep();
    }
}

void WorkerSiTransport::shutdown()
{
    gate_->sink = nullptr;
    stepTimer_->cancel();
    watchTimer_->cancel();
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (worker_.joinable()) {
        worker_.join();
    }
}

bool WorkerSiTransport::takeForLoop()
{
    const std::lock_guard lock(mutex_);
    if (owner_ != Owner::None) {
        return false;
    }
    owner_ = Owner::Loop;
    lastEvent_ = core::Clock::now(); // idle until now: nothing was waited for
    return true;
}

void WorkerSiTransport::startTransaction(core::SmiBytes request)
{
    if (gate_->sink == nullptr) {
        return;
    }
    {
        // The worker, finishing a transaction, starts this one before it
        // parks (it checks under the lock).
        const std::lock_guard lock(mutex_);
        if (owner_ == Owner::Worker) {
            request_ = std::move(request);
            return;
        }
    }
    // The loop owns the machine, or may take it: only this thread hands it on.
    queuedBehind_ = gate_->delivering;
    const bool taken = takeForLoop();
    stepper_.accept(std::move(request));
    if (taken || (!inLoopStep_ && !stepTimer_->pending())) {
        queueLoopStep();
    }
}

void WorkerSiTransport::deliver(Gate& gate, core::SmiBytes response, std::optional<std::string> hosed)
{
    // A request sent from in here waited in a queue behind this one.
    gate.delivering = true;
    gate.sink->transactionDone(std::move(response), std::move(hosed));
    gate.delivering = false;
}

void WorkerSiTransport::queueLoopStep()
{
    if (loopStepQueued_) {
        return;
    }
    loopStepQueued_ = true;
    // Posted, not stepped here: the sink may be inside a call into us. A
    // front end that answers the sender after running what is posted
    // (CuseDeviceOptions::runPosted) has the request on its way to the BMC
    // by then, as the kernel's sender starts it before returning.
    loop_.post([this, gate = gate_] {
        if (gate->sink != nullptr) {
            loopStepQueued_ = false;
            stepOnLoop();
        }
    });
}

void WorkerSiTransport::stepOnLoop()
{
    const auto gate = gate_;
    inLoopStep_ = true;
    for (unsigned n = 0; n < kMaxInlineSteps; ++n) {
        startOnLoop(*gate);
        if (gate->sink == nullptr) {
            return;
        }
        auto [out, step, awaiting] = stepMachine();
        if (out.response) {
            deliver(*gate, std::move(*out.response), std::move(out.hosed));
        } else if (out.attention) {
            gate->sink->attention();
        }
        if (gate->sink == nullptr) {
            return; // shut down from inside the sink
        }

        switch (step.action) {
        case PollAction::Again:
            continue;
        case PollAction::Park:
            if (startOnLoop(*gate)) {
                if (gate->sink == nullptr) {
                    return;
                }
                continue; // sent from the sink
            }
            {
                const std::lock_guard lock(mutex_);
                owner_ = Owner::None;
            }
            inLoopStep_ = false;
            return;
        case PollAction::Sleep:
            // The BMC executing a command while the loop has nothing else to
            // do, error recovery's tick, or the kernel's timer without
            // kipmid: the loop sleeps on its timer.
            inLoopStep_ = false;
            if ((awaiting && !queuedBehind_) || out.result == SmResult::CallWithTickDelay || !polling_.kipmid) {
                stepTimer_->start(step.wait, [this] { stepOnLoop(); });
            } else {
                handToWorker(step.wait); // a byte handshake slow enough to be slept, or a queue
            }
            return;
        case PollAction::Spin:
            inLoopStep_ = false;
            handToWorker(core::Clock::duration::zero());
            return;
        }
    }
    inLoopStep_ = false;
    queueLoopStep();
}

SiStepper::Start WorkerSiTransport::startAccepted(core::SmiBytes& refusal)
{
    const SiStepper::Start start = stepper_.tryStart(refusal);
    if (start == SiStepper::Start::Started) {
        pacer_.reset(); // new work: the next wait starts afresh
    }
    return start;
}

bool WorkerSiTransport::startOnLoop(Gate& gate)
{
    core::SmiBytes refusal;
    const SiStepper::Start start = startAccepted(refusal);
    if (start == SiStepper::Start::Refused) {
        deliver(gate, std::move(refusal), std::nullopt); // may send the next one
    }
    return start != SiStepper::Start::Nothing;
}

WorkerSiTransport::Stepped WorkerSiTransport::stepMachine()
{
    const auto now = core::Clock::now();
    const auto elapsed = std::chrono::duration_cast<Microseconds>(now - lastEvent_);
    lastEvent_ = now;
    Stepped stepped{stepper_.event(std::max(elapsed, Microseconds{0})), {}, false};
    // Asked only of a wait: a BMC that answers at once never waits.
    stepped.awaiting = stepped.out.result == SmResult::CallWithDelay && sm_->awaitingResponse();
    stepped.step = pacer_.next(stepped.out.result, now, stepped.awaiting);
    return stepped;
}

void WorkerSiTransport::handToWorker(core::Clock::duration firstSleep)
{
    {
        const std::lock_guard lock(mutex_);
        owner_ = Owner::Worker;
        handoffSleep_ = firstSleep;
    }
    wake_.notify_all();
}

void WorkerSiTransport::watchAttention(bool on)
{
    if (!on) {
        watchTimer_->cancel();
    } else if (!watchTimer_->pending()) {
        armWatch();
    }
}

void WorkerSiTransport::armWatch()
{
    watchTimer_->start(kWatchInterval, [this] {
        // A machine in a transaction reads its status at every step anyway.
        if (takeForLoop()) {
            stepOnLoop(); // an idle step: the status register, attention if its bit is set
        }
        if (gate_->sink != nullptr) {
            armWatch();
        }
    });
}

void WorkerSiTransport::postDone(core::SmiBytes response, std::optional<std::string> hosed)
{
    loop_.post([gate = gate_, response = std::move(response), hosed = std::move(hosed)]() mutable {
        if (gate->sink != nullptr) {
            deliver(*gate, std::move(response), std::move(hosed));
        }
    });
}

void WorkerSiTransport::postAttention()
{
    loop_.post([gate = gate_] {
        if (gate->sink != nullptr) {
            gate->sink->attention();
        }
    });
}

bool WorkerSiTransport::pause(core::Clock::duration d)
{
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, d, [this] { return stop_; });
}

void WorkerSiTransport::run()
{
    // The pacer sleeps to within its last stretch (kMinStretch, 50 us) of
    // the BMC's answer; the default timer slack alone is 50 us late.
    ::prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    bool parked = true; // until the loop hands the machine over
    core::Clock::duration firstSleep{};

    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (parked) {
                wake_.wait(lock, [this] { return stop_ || owner_ == Owner::Worker; });
            }
            if (stop_) {
                return;
            }
            if (request_) {
                stepper_.accept(std::move(*request_));
                request_.reset();
            }
            firstSleep = std::exchange(handoffSleep_, core::Clock::duration::zero());
        }
        parked = false;
        // The pacer's step that the loop handed over: its sleep first.
        if (firstSleep > core::Clock::duration::zero() && !pause(firstSleep)) {
            return;
        }
        core::SmiBytes refusal;
        if (startAccepted(refusal) == SiStepper::Start::Refused) {
            postDone(std::move(refusal));
        }
        auto [out, step, awaiting] = stepMachine();
        if (out.response) {
            postDone(std::move(*out.response), std::move(out.hosed));
        } else if (out.attention) {
            postAttention();
        }
        switch (step.action) {
        case PollAction::Again:
            break;
        case PollAction::Spin:
            // The answer is usually microseconds away; let the BMC side
            // (and, on one CPU, everyone else) run meanwhile.
            std::this_thread::yield();
            break;
        case PollAction::Sleep:
            if (!pause(step.wait)) {
                return;
            }
            break;
        case PollAction::Park:
            if (stepper_.pending()) {
                break;
            }
            const std::lock_guard lock(mutex_);
            if (!request_) {
                owner_ = Owner::None; // the next transaction starts on the loop
                parked = true;
            }
            break;
        }
    }
}

} // namespace ipmi::si
