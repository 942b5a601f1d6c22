// Stop signals on the loop: see signals.hpp.
#include "daemon/signals.hpp"

#include <csignal>

namespace ipmi::daemon {

StopSignals::StopSignals(boost::asio::io_context& io, std::function<void(int signo, int count)> onSignal)
    : signals_(io, SIGTERM, SIGINT), onSignal_(std::move(onSignal))
{
    std::signal(SIGPIPE, SIG_IGN);
    wait();
}

void StopSignals::cancel()
{
    boost::system::error_code ec;
    signals_.cancel(ec);
}

void StopSignals::wait()
{
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
        if (ec) {
            return;
        }
        onSignal_(signo, ++count_);
        wait();
    });
}

} // namespace ipmi::daemon
