// SmbusRunner: see smbus_runner.hpp.
#include "ssif/smbus_runner.hpp"

#include <cerrno>

namespace ipmi::ssif {

SmbusRunner::SmbusRunner(core::EventLoop& loop, std::unique_ptr<Smbus> bus) : loop_(loop), bus_(std::move(bus))
{
    ::sem_init(&jobsReady_, 0, 0);
    if (bus_->blocking()) {
        worker_ = std::thread([this] { workerMain(); });
    }
}

SmbusRunner::~SmbusRunner()
{
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    ::sem_post(&jobsReady_);
    if (worker_.joinable()) {
        worker_.join(); // at most one transfer (milliseconds) to finish
    }
    ::sem_destroy(&jobsReady_);
    bus_->setAlertHandler({});
    lifetime_.end();
}

void SmbusRunner::write(std::uint8_t command, Bytes data, Done done)
{
    submit(Job{Kind::Write, command, std::move(data), false, 0, std::move(done), {}});
}

void SmbusRunner::read(std::uint8_t command, Done done)
{
    submit(Job{Kind::Read, command, {}, false, 0, std::move(done), {}});
}

void SmbusRunner::setPec(bool enabled, Done done)
{
    submit(Job{Kind::SetPec, 0, {}, enabled, 0, std::move(done), {}});
}

void SmbusRunner::writeThenRead(std::uint8_t command, Bytes data, std::uint8_t readCommand, WriteReadDone done)
{
    submit(Job{Kind::WriteRead, command, std::move(data), false, readCommand, {}, std::move(done)});
}

void SmbusRunner::setAlertHandler(std::function<void()> onAlert)
{
    if (!onAlert) {
        bus_->setAlertHandler({});
        return;
    }
    bus_->setAlertHandler([this, handler = lifetime_.guard(std::move(onAlert))] {
        // The bus may call from any thread; hop to the loop.
        loop_.post(handler);
    });
}

void SmbusRunner::submit(Job job)
{
    if (!bus_->blocking()) {
        Outcome outcome = run(job);
        complete(std::move(job), std::move(outcome));
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    ::sem_post(&jobsReady_);
}

SmbusRunner::Outcome SmbusRunner::run(Job& job)
{
    const auto began = std::chrono::steady_clock::now();
    Outcome outcome;
    switch (job.kind) {
    case Kind::Write:
        outcome.error = bus_->writeBlock(job.command, job.data);
        break;
    case Kind::Read:
        outcome.error = bus_->readBlock(job.command, outcome.data);
        break;
    case Kind::SetPec:
        outcome.error = bus_->setPec(job.flag);
        break;
    case Kind::WriteRead:
        outcome.error = bus_->writeBlock(job.command, job.data);
        if (outcome.error == 0) {
            outcome.readError = bus_->readBlock(job.readCommand, outcome.data);
        }
        break;
    }
    const auto spent = std::chrono::steady_clock::now() - began;
    busNanos_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count(), std::memory_order_relaxed);
    return outcome;
}

void SmbusRunner::complete(Job job, Outcome outcome)
{
    loop_.post(lifetime_.guard([done = std::move(job.done), writeReadDone = std::move(job.writeReadDone),
                                outcome = std::move(outcome)]() mutable {
        if (writeReadDone) {
            writeReadDone(outcome.error, outcome.readError, std::move(outcome.data));
        } else {
            done(outcome.error, std::move(outcome.data));
        }
    }));
}

void SmbusRunner::workerMain()
{
    for (;;) {
        if (::sem_wait(&jobsReady_) != 0) {
            if (errno == EINTR) {
                continue; // a signal handler ran on this thread
            }
            return; // EINVAL: the semaphore is gone, which only the destructor does
        }
        Job job;
        {
            const std::lock_guard lock(mutex_);
            if (stopping_) {
                return;
            }
            if (jobs_.empty()) {
                continue; // every post has its job; never pop an empty queue all the same
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        Outcome outcome = run(job);
        complete(std::move(job), std::move(outcome));
    }
}

} // namespace ipmi::ssif
