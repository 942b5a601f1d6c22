// WorkerSiTransport: the kernel's kipmid in a thread. The worker owns the
// state machine and the registers; the loop thread only hands it requests
// (under the mutex) and receives results through EventLoop::post, behind a
// gate that shutdown() closes, so nothing reaches the sink afterwards.
#include "si/si_transport.hpp"

#include <utility>

namespace ipmi::si {

namespace {
constexpr std::uint8_t kNotInMyState = 0xD5;
// Pauses, as the kernel's kipmid takes them: 100 us between polls while
// busy-waiting without a limit, one tick once past the limit or when
// polling is tick-paced.
constexpr std::chrono::microseconds kShortPause{100};
constexpr std::chrono::microseconds kTick{1000};
} // namespace

WorkerSiTransport::WorkerSiTransport(core::EventLoop& loop, std::unique_ptr<RegisterIo> io,
                                     std::unique_ptr<StateMachine> sm, core::InterfaceInfo info, Polling polling)
    : loop_(loop), io_(std::move(io)), sm_(std::move(sm)), info_(std::move(info)), polling_(polling),
      gate_(std::make_shared<Gate>())
{
}

WorkerSiTransport::~WorkerSiTransport() { shutdown(); }

void WorkerSiTransport::start(core::TransportSink& sink)
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

void WorkerSiTransport::postDone(core::SmiBytes response)
{
    loop_.post([gate = gate_, response = std::move(response)]() mutable {
        if (gate->sink != nullptr) {
            gate->sink->transactionDone(std::move(response));
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

bool WorkerSiTransport::pause(std::chrono::microseconds d)
{
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, d, [this] { return stop_; });
}

void WorkerSiTransport::run()
{
    using SteadyClock = std::chrono::steady_clock;
    std::optional<core::SmiBytes> pending;
    std::optional<core::SmiBytes> active;
    bool settled = false; // idle: sleep until a request comes
    auto last = SteadyClock::now();
    bool busy = false; // inside a busy-wait window ending at busyUntil
    SteadyClock::time_point busyUntil{};

    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (settled && !pending) {
                wake_.wait(lock, [this] { return stop_ || request_.has_value(); });
                last = SteadyClock::now();
            }
            if (stop_) {
                return;
            }
            if (request_) {
                pending = std::move(request_);
                request_.reset();
            }
        }
        settled = false;
        if (pending && !active) {
            const std::uint8_t cc = sm_->start(*pending);
            if (cc == 0) {
                active = std::move(pending);
                pending.reset();
            } else if (cc != kNotInMyState) {
                postDone(errorResponse(*pending, cc));
                pending.reset();
            }
        }

        const auto now = SteadyClock::now();
        const auto elapsed = std::chrono::duration_cast<Microseconds>(now - last);
        last = now;
        const SmResult result = sm_->event(elapsed);

        if (result != SmResult::CallWithDelay) {
            busy = false;
        }
        switch (result) {
        case SmResult::CallWithoutDelay:
            break;
        case SmResult::CallWithDelay:
            if (!polling_.kipmid) {
                if (!pause(kTick)) {
                    return;
                }
            } else if (polling_.maxBusy.count() == 0) {
                if (!pause(kShortPause)) {
                    return;
                }
            } else {
                if (!busy) {
                    busy = true;
                    busyUntil = now + polling_.maxBusy;
                }
                if (now < busyUntil) {
                    std::this_thread::yield(); // spin: the answer is usually microseconds away
                } else if (!pause(kTick)) {
                    return;
                }
            }
            break;
        case SmResult::CallWithTickDelay:
            if (!pause(kTick)) {
                return;
            }
            break;
        case SmResult::TransactionComplete:
            if (active) {
                postDone(sm_->result());
                active.reset();
            }
            break;
        case SmResult::Hosed:
            if (active) {
                postDone(errorResponse(*active, 0xFF));
                active.reset();
            }
            break;
        case SmResult::Attn:
            if (!active) {
                postAttention();
            }
            settled = true;
            break;
        case SmResult::Idle:
            settled = true;
            break;
        }
    }
}

} // namespace ipmi::si
