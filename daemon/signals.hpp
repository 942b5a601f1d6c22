// SIGTERM and SIGINT on the loop (boost::asio::signal_set): the first asks
// for a clean stop, a second one for an immediate one. SIGPIPE is ignored so
// a control-socket client that goes away cannot kill the daemon.
#pragma once

#include "daemon/asio.hpp"

#include <functional>

namespace ipmi::daemon {

class StopSignals
{
  public:
    // onSignal(signo, count): count is 1 for the first signal, 2 for the next...
    StopSignals(boost::asio::io_context& io, std::function<void(int signo, int count)> onSignal);
    void cancel();

  private:
    void wait();

    boost::asio::signal_set signals_;
    std::function<void(int, int)> onSignal_;
    int count_ = 0;
};

} // namespace ipmi::daemon
