// Runs asynchronous jobs one at a time, in submission order: the userspace
// form of ipmi_watchdog's ipmi_watchdog_mutex. A job receives a Finish to
// call exactly once when it is done (possibly before it returns); the next
// job starts then. Nothing here blocks: a job waiting for the BMC simply has
// not called Finish yet.
#pragma once

#include "base/pump_guard.hpp"

#include <deque>
#include <functional>
#include <utility>

namespace ipmi::watchdog {

class Sequencer
{
  public:
    using Finish = std::function<void()>;
    using Job = std::function<void(Finish)>;

    void submit(Job job)
    {
        queue_.push_back(std::move(job));
        pump();
    }
    [[nodiscard]] bool busy() const { return busy_; }
    [[nodiscard]] std::size_t queued() const { return queue_.size(); }

  private:
    void pump()
    {
        // A job that finishes synchronously returns here instead of recursing.
        pump_.run([this] {
            while (!busy_ && !queue_.empty()) {
                Job job = std::move(queue_.front());
                queue_.pop_front();
                busy_ = true;
                job([this] {
                    busy_ = false;
                    pump();
                });
            }
        });
    }

    std::deque<Job> queue_;
    bool busy_ = false;
    base::PumpGuard pump_;
};

} // namespace ipmi::watchdog
