// SmbusRunner: see smbus_runner.hpp.
#include "ssif/smbus_runner.hpp"

namespace ipmi::ssif {

SmbusRunner::SmbusRunner(core::EventLoop& loop, std::unique_ptr<Smbus> bus)
    : loop_(loop)
    , bus_(std::move(bus))
{
    if (bus_->blocking())
    {
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
    wake_.notify_all();
    if (worker_.joinable())
    {
        worker_.join(); // at most one transfer (milliseconds) to finish
    }
    bus_->setAlertHandler({});
    alive_.reset();
}

void SmbusRunner::write(std::uint8_t command, Bytes data, Done done)
{
    submit(Job{Kind::Write, command, std::move(data), false, std::move(done)});
}

void SmbusRunner::read(std::uint8_t command, Done done)
{
    submit(Job{Kind::Read, command, {}, false, std::move(done)});
}

void SmbusRunner::setPec(bool enabled, Done done)
{
    submit(Job{Kind::SetPec, 0, {}, enabled, std::move(done)});
}

void SmbusRunner::setAlertHandler(std::function<void()> onAlert)
{
    if (!onAlert)
    {
        bus_->setAlertHandler({});
        return;
    }
    std::weak_ptr<int> alive = alive_;
    bus_->setAlertHandler([this, alive, handler = std::move(onAlert)] {
        // The bus may call from any thread; hop to the loop.
        loop_.post([alive, handler] {
            if (!alive.expired())
            {
                handler();
            }
        });
    });
}

void SmbusRunner::submit(Job job)
{
    if (!bus_->blocking())
    {
        int error = 0;
        Bytes out;
        run(job, error, out);
        complete(std::move(job), error, std::move(out));
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void SmbusRunner::run(Job& job, int& error, Bytes& out)
{
    switch (job.kind)
    {
        case Kind::Write:
            error = bus_->writeBlock(job.command, job.data);
            break;
        case Kind::Read:
            error = bus_->readBlock(job.command, out);
            break;
        case Kind::SetPec:
            error = bus_->setPec(job.flag);
            break;
    }
}

void SmbusRunner::complete(Job job, int error, Bytes out)
{
    std::weak_ptr<int> alive = alive_;
    loop_.post([alive, done = std::move(job.done), error, out = std::move(out)]() mutable {
        if (!alive.expired())
        {
            done(error, std::move(out));
        }
    });
}

void SmbusRunner::workerMain()
{
    for (;;)
    {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_)
            {
                return;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        int error = 0;
        Bytes out;
        run(job, error, out);
        complete(std::move(job), error, std::move(out));
    }
}

} // namespace ipmi::ssif
