// EventLoop over one Boost.Asio io_context: the daemon's binding of the loop
// seam. Timers are steady_timers; post() is asio::post, safe from workers.
#pragma once

#include "core/event_loop.hpp"

#include <boost/asio/io_context.hpp>

namespace ipmi::core {

class AsioEventLoop : public EventLoop
{
  public:
    explicit AsioEventLoop(boost::asio::io_context& io) : io_(io) {}

    [[nodiscard]] Clock::time_point now() const override { return Clock::now(); }
    [[nodiscard]] std::unique_ptr<Timer> makeTimer() override;
    void post(std::function<void()> fn) override;
    [[nodiscard]] boost::asio::io_context& context() { return io_; }

  private:
    boost::asio::io_context& io_;
};

} // namespace ipmi::core
