// Runs SMBus transfers for one SSIF interface without blocking the loop:
// a blocking bus (hardware) gets its own worker thread, the mirror of the
// kernel's kssif thread; a non-blocking one (the simulation) runs the
// transfer on the loop thread. Either way the completion arrives later
// through EventLoop::post, never from inside the call that queued it, so the
// protocol code never re-enters itself. Completions stop with the runner:
// none runs after its destructor returns.
#pragma once

#include "base/lifetime.hpp"
#include "core/event_loop.hpp"
#include "ssif/smbus.hpp"

#include <semaphore.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace ipmi::ssif {

class SmbusRunner
{
  public:
    // `error` is 0 or an errno; `data` is the block read (empty for writes).
    using Done = std::function<void(int error, Bytes data)>;
    // For writeThenRead: `readError` is meaningful only when writeError == 0.
    using WriteReadDone = std::function<void(int writeError, int readError, Bytes data)>;

    SmbusRunner(core::EventLoop& loop, std::unique_ptr<Smbus> bus);
    ~SmbusRunner();
    SmbusRunner(const SmbusRunner&) = delete;
    SmbusRunner& operator=(const SmbusRunner&) = delete;

    void write(std::uint8_t command, Bytes data, Done done);
    void read(std::uint8_t command, Done done);
    void setPec(bool enabled, Done done);
    // A block write and, if it went through, the block read of
    // `readCommand` straight after it, in one trip to the worker: a BMC that
    // answers at once costs one hand-off per transaction instead of two.
    void writeThenRead(std::uint8_t command, Bytes data, std::uint8_t readCommand, WriteReadDone done);

    // The alert, delivered on the loop thread.
    void setAlertHandler(std::function<void()> onAlert);
    [[nodiscard]] bool supportsAlerts() const { return bus_->supportsAlerts(); }
    [[nodiscard]] bool alertAsserted() const { return bus_->supportsAlerts() && bus_->alertAsserted(); }
    [[nodiscard]] std::string describe() const { return bus_->describe(); }
    // Total time spent inside the Smbus calls so far (real clock, whichever
    // thread ran them): subtracting two readings around a transaction tells
    // the bus's share of it from the hand-offs and waits around it.
    [[nodiscard]] std::chrono::nanoseconds busTime() const
    {
        return std::chrono::nanoseconds(busNanos_.load(std::memory_order_relaxed));
    }

  private:
    enum class Kind : std::uint8_t
    {
        Write,
        Read,
        SetPec,
        WriteRead,
    };
    struct Job
    {
        Kind kind = Kind::Read;
        std::uint8_t command = 0;
        Bytes data;
        bool flag = false;
        std::uint8_t readCommand = 0;
        Done done;
        WriteReadDone writeReadDone;
    };
    struct Outcome
    {
        int error = 0;
        int readError = 0;
        Bytes data;
    };

    void submit(Job job);
    Outcome run(Job& job);
    void workerMain();
    void complete(Job job, Outcome outcome);

    core::EventLoop& loop_;
    std::unique_ptr<Smbus> bus_;
    base::Lifetime lifetime_;
    std::atomic<std::int64_t> busNanos_{0};
    std::mutex mutex_; // guards jobs_ and stopping_
    // One post per job (and one to stop). A semaphore rather than a
    // condition variable: glibc leaves a mutex re-taken after a condition
    // wait marked contended, so every job cost the worker an extra futex
    // wake on its way out; sem_post wakes only when the worker sleeps.
    sem_t jobsReady_{};
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::thread worker_;
};

} // namespace ipmi::ssif
