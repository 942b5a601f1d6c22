// Our SSIF driver without CUSE, for benchmarks/vm: the daemon's SsifInterface
// over /dev/i2c-N (LinuxSmbus, its worker thread, the Asio loop), driven by
// a minimal in-process host that sends Get Device ID, waits for the answer
// and sends the next. The figure is what the driver costs per transaction,
// to set against the kernel's ipmi_ssif and against a bare i2c-dev client.
//
//   ssif_loop DEVICE ADDRESS COUNT [DBG]     e.g. ssif_loop /dev/i2c-0 0x10 2000
//
// Prints "ssif-loop n=... us_per_tx=... median_us=... p99_us=... max_us=...
// read_retries=..."; exits 1 when the BMC gives a wrong answer, the
// device cannot be used or nothing comes back within a minute.
#include "daemon/asio_event_loop.hpp"
#include "ssif/linux_smbus.hpp"
#include "ssif/ssif_interface.hpp"

#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace ipmi;
using Clock = std::chrono::steady_clock;

constexpr unsigned kWarmUp = 20;
const core::SmiBytes kGetDeviceId{0x06 << 2, 0x01};

class LoopHost : public core::InterfaceHost
{
  public:
    LoopHost(boost::asio::io_context& io, core::Interface& interface, unsigned count)
        : io_(io), interface_(interface), count_(count)
    {
        latencies_.reserve(count);
    }

    void begin()
    {
        sentAt_ = Clock::now();
        interface_.send(kGetDeviceId);
    }

    void smiResponse(core::SmiBytes response) override
    {
        const auto now = Clock::now();
        if (response.size() < 3 || response[0] != (0x07 << 2) || response[1] != 0x01 || response[2] != 0x00) {
            std::fprintf(stderr, "ssif_loop: transaction %u: unexpected answer (%zu bytes)\n", done_, response.size());
            failed_ = true;
            io_.stop();
            return;
        }
        ++done_;
        if (done_ == kWarmUp) {
            start_ = now; // the probe and first-use costs stay out of the figure
        } else if (done_ > kWarmUp) {
            latencies_.push_back(now - sentAt_);
        }
        if (done_ == kWarmUp + count_) {
            end_ = now;
            io_.stop();
            return;
        }
        sentAt_ = now;
        interface_.send(kGetDeviceId);
    }
    void smiReceived(core::SmiBytes) override {}
    void smiWatchdogPretimeout() override {}

    [[nodiscard]] bool finished() const { return !failed_ && done_ == kWarmUp + count_; }
    [[nodiscard]] Clock::duration total() const { return end_ - start_; }
    [[nodiscard]] std::vector<Clock::duration> sortedLatencies() const
    {
        auto sorted = latencies_;
        std::sort(sorted.begin(), sorted.end());
        return sorted;
    }

  private:
    boost::asio::io_context& io_;
    core::Interface& interface_;
    unsigned count_;
    unsigned done_ = 0;
    bool failed_ = false;
    Clock::time_point sentAt_;
    Clock::time_point start_;
    Clock::time_point end_;
    std::vector<Clock::duration> latencies_;
};

double micros(Clock::duration d)
{
    return std::chrono::duration<double, std::micro>(d).count();
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 4 && argc != 5) {
        std::fprintf(stderr, "usage: %s DEVICE ADDRESS COUNT [DBG]\n", argv[0]);
        return 2;
    }
    const long address = std::strtol(argv[2], nullptr, 0);
    const long count = std::strtol(argv[3], nullptr, 0);
    const long dbg = argc == 5 ? std::strtol(argv[4], nullptr, 0) : 0;
    if (address < 0x03 || address > 0x77 || count < 1 || count > 1000000 || dbg < 0 || dbg > 7) {
        std::fprintf(stderr, "%s: ADDRESS must be 0x03..0x77, COUNT 1..1000000, DBG 0..7\n", argv[0]);
        return 2;
    }
    auto opened = ssif::LinuxSmbus::open(argv[1], static_cast<std::uint8_t>(address));
    if (auto* problem = std::get_if<std::string>(&opened)) {
        std::fprintf(stderr, "%s: %s\n", argv[0], problem->c_str());
        return 1;
    }
    // The driver's log (DBG 4: one timing line per transaction) goes to
    // stderr, the figures to stdout.
    spdlog::set_default_logger(spdlog::stderr_logger_mt("ssif_loop"));
    boost::asio::io_context io;
    daemon::AsioEventLoop loop(io);
    ssif::SsifInterfaceConfig config;
    config.dbg = static_cast<unsigned>(dbg);
    ssif::SsifInterface interface(loop, std::move(std::get<0>(opened)), config);
    LoopHost host(io, interface, static_cast<unsigned>(count));

    boost::asio::steady_timer guard(io, std::chrono::seconds(60) + std::chrono::milliseconds(20 * count));
    guard.async_wait([&io](const boost::system::error_code& error) {
        if (!error) {
            io.stop();
        }
    });
    interface.start(host);
    host.begin(); // waits in the driver until the probe is done
    io.run();
    interface.shutdown();
    if (!host.finished()) {
        std::fprintf(stderr, "%s: no complete run (timed out or a wrong answer)\n", argv[0]);
        return 1;
    }
    const auto sorted = host.sortedLatencies();
    const auto at = [&sorted](double fraction) {
        return sorted[std::min(sorted.size() - 1,
                               static_cast<std::size_t>(fraction * static_cast<double>(sorted.size())))];
    };
    std::printf("ssif-loop n=%ld us_per_tx=%.1f median_us=%.1f p99_us=%.1f max_us=%.1f read_retries=%u\n", count,
                micros(host.total()) / static_cast<double>(count), micros(at(0.5)), micros(at(0.99)),
                micros(sorted.back()), interface.transferCounters().readRetries);
    return 0;
}
