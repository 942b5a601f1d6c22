// WorkerSiTransport: the kernel's kipmid in a thread. The worker owns the
// state machine and the registers; the loop thread only hands it requests
// (under the mutex) and receives results through EventLoop::post, behind a
// gate that shutdown() closes, so nothing reaches the sink afterwards.
#include "si/si_transport.hpp"

#include <sys/prctl.h>

#include <utility>

namespace ipmi::si {

WorkerSiTransport::WorkerSiTransport(core::EventLoop& loop, std::unique_ptr<RegisterIo> io,
                                     std::unique_ptr<StateMachine> sm, core::InterfaceInfo info, Polling polling)
    : loop_(loop), io_(std::move(io)), sm_(std::move(sm)), info_(std::move(info)), polling_(polling),
      gate_(std::make_shared<Gate>()), watchTimer_(loop.makeTimer())
{
}

WorkerSiTransport::~WorkerSiTransport()
{
    shutdown();
}

void WorkerSiTransport::start(TransportSink& sink)
{
    if (worker_.joinable()) {
        return;
    }
    gate_->sink = &sink;
    worker_ = std::thread([this] { run(); });
}

void WorkerSiTransport::shutdown()
{
    gate_->sink = nullptr;
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

void WorkerSiTransport::startTransaction(core::SmiBytes request)
{
    {
        const std::lock_guard lock(mutex_);
        request_ = std::move(request);
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
        {
            const std::lock_guard lock(mutex_);
            watchDue_ = true;
        }
        wake_.notify_all();
        armWatch();
    });
}

void WorkerSiTransport::postDone(core::SmiBytes response, std::optional<std::string> hosed)
{
    loop_.post([gate = gate_, response = std::move(response), hosed = std::move(hosed)]() mutable {
        if (gate->sink != nullptr) {
            gate->sink->transactionDone(std::move(response), std::move(hosed));
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
    PollPacer pacer(polling_);
    SiStepper stepper(*sm_);
    bool parked = false; // idle: sleep until a request comes
    auto last = core::Clock::now();

    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (parked && !stepper.pending()) {
                // A due watch asks for an idle step: it reads the status
                // register and posts attention if the bit is set.
                wake_.wait(lock, [this] { return stop_ || request_.has_value() || watchDue_; });
                last = core::Clock::now();
            }
            // Any step reads the status register: the watch is served.
            watchDue_ = false;
            if (stop_) {
                return;
            }
            if (request_) {
                stepper.accept(std::move(*request_));
                request_.reset();
            }
        }
        parked = false;
        core::SmiBytes refusal;
        switch (stepper.tryStart(refusal)) {
        case SiStepper::Start::Nothing:
            break;
        case SiStepper::Start::Started:
            pacer.reset();
            break;
        case SiStepper::Start::Refused:
            postDone(std::move(refusal));
            break;
        }

        const auto now = core::Clock::now();
        const auto elapsed = std::chrono::duration_cast<Microseconds>(now - last);
        last = now;
        SiStepper::Outcome out = stepper.event(elapsed);
        if (out.response) {
            postDone(std::move(*out.response), std::move(out.hosed));
        } else if (out.attention) {
            postAttention();
        }

        // Asked only of a wait: a BMC that answers at once never waits.
        const bool awaiting = out.result == SmResult::CallWithDelay && sm_->awaitingResponse();
        const PollStep step = pacer.next(out.result, now, awaiting);
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
            parked = true;
            break;
        }
    }
}

} // namespace ipmi::si
