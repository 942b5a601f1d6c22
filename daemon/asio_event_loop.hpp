// EventLoop over one Boost.Asio io_context: the daemon's binding of the loop
// seam. Timers are steady_timers. post() queues the work here and asio::posts
// a handler that runs it, so each piece keeps its place among the loop's other
// handlers, and runPosted() can run it sooner.
#pragma once

#include "core/event_loop.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace ipmi::daemon {

class AsioEventLoop : public core::EventLoop
{
  public:
    explicit AsioEventLoop(boost::asio::io_context& io);
    ~AsioEventLoop() override;
    AsioEventLoop(const AsioEventLoop&) = delete;
    AsioEventLoop& operator=(const AsioEventLoop&) = delete;

    [[nodiscard]] core::Clock::time_point now() const override { return core::Clock::now(); }
    [[nodiscard]] std::unique_ptr<core::Timer> makeTimer() override;
    void post(std::function<void()> fn) override;
    void runPosted() override;
    [[nodiscard]] boost::asio::io_context& context() { return io_; }

  private:
    struct PostedWork;
    boost::asio::io_context& io_;
    // Shared with the queued handlers, which may outlive the loop object.
    std::shared_ptr<PostedWork> posted_;
};

} // namespace ipmi::daemon
