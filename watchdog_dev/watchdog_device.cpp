// The watchdog's file operations (see watchdog_device.hpp), errno by errno
// as drivers/char/ipmi/ipmi_watchdog.c answers them.
#include "watchdog_dev/watchdog_device.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace ipmi::watchdog {

WatchdogDevice::WatchdogDevice(WatchdogTimer& timer) : timer_(timer)
{
    timer_.setGiveDataListener([this] { giveData(); });
}

WatchdogDevice::~WatchdogDevice()
{
    timer_.setGiveDataListener({});
}

int WatchdogDevice::open()
{
    if (open_) {
        return -EBUSY;
    }
    open_ = true;
    // Don't start the timer now; the first heartbeat will.
    timer_.setStartOnHeartbeat(true);
    return 0;
}

void WatchdogDevice::release(std::function<void()> done)
{
    // No read can wait past the last close in the kernel (it holds the
    // file); a CUSE peer that still has one gets an answer, not silence.
    while (!readers_.empty()) {
        auto reader = std::move(readers_.front());
        readers_.pop_front();
        reader.done(-EBADF);
    }
    const bool magic = expectClose_;
    timer_.exclusive([this, magic, done = std::move(done)](const Sequencer::Finish& finish) {
        auto closed = [this, done, finish](int) {
            open_ = false;
            expectClose_ = false;
            done();
            finish();
        };
        if (timer_.panicked()) {
            spdlog::critical("IPMI Watchdog: closed after a panic: the timer keeps running");
            closed(-EIO);
        } else if (magic) {
            timer_.setState(Action::None);
            timer_.setTimeout(HeartbeatMode::None, closed);
        } else {
            spdlog::critical("IPMI Watchdog: Unexpected close, not stopping watchdog!");
            timer_.heartbeat(closed);
        }
    });
}

void WatchdogDevice::write(std::span<const std::uint8_t> data, ResultDone done)
{
    if (data.empty()) {
        done(0);
        return;
    }
    if (!timer_.params().nowayout) {
        // Only the last write before close counts ("in case it was set long ago").
        expectClose_ = std::find(data.begin(), data.end(), 'V') != data.end();
    }
    const auto length = static_cast<long>(data.size());
    timer_.exclusive([this, length, done = std::move(done)](const Sequencer::Finish& finish) {
        timer_.heartbeat([length, done, finish](int rv) {
            done(rv != 0 ? rv : length);
            finish();
        });
    });
}

std::uint64_t WatchdogDevice::read(std::size_t count, bool nonblock, ResultDone done)
{
    if (count == 0) {
        done(0);
        return 0;
    }
    if (dataToRead_) {
        dataToRead_ = false;
        done(1);
        return 0;
    }
    if (nonblock) {
        done(-EAGAIN);
        return 0;
    }
    const std::uint64_t ticket = nextTicket_++;
    readers_.push_back(PendingRead{ticket, std::move(done)});
    return ticket;
}

void WatchdogDevice::interruptRead(std::uint64_t ticket)
{
    const auto it =
        std::find_if(readers_.begin(), readers_.end(), [ticket](const PendingRead& r) { return r.ticket == ticket; });
    if (it == readers_.end()) {
        return; // already answered
    }
    auto reader = std::move(*it);
    readers_.erase(it);
    reader.done(-EINTR);
}

void WatchdogDevice::giveData()
{
    // The first waiting reader takes the byte; the others keep waiting, as
    // they loop back to sleep in the kernel.
    if (!readers_.empty()) {
        auto reader = std::move(readers_.front());
        readers_.pop_front();
        reader.done(1);
        return;
    }
    const bool wasReadable = dataToRead_;
    dataToRead_ = true;
    if (!wasReadable && onReadable_) {
        onReadable_();
    }
}

void WatchdogDevice::ioctl(std::uint32_t cmd, std::span<const std::uint8_t> in, IoctlDone done)
{
    const auto shape = ioctlShape(cmd);
    if (!shape) {
        done(IoctlReply{-ENOTTY, {}});
        return;
    }
    std::optional<int> value;
    if (shape->in != 0) {
        value = decodeInt(in);
        if (!value) {
            done(IoctlReply{-EFAULT, {}}); // copy_from_user failed
            return;
        }
    }
    // Every ioctl runs under the watchdog mutex, also the ones that only read.
    timer_.exclusive([this, cmd, value, done = std::move(done)](const Sequencer::Finish& finish) {
        auto reply = [done, finish](long rv, std::vector<std::uint8_t> out = {}) {
            done(IoctlReply{rv, std::move(out)});
            finish();
        };
        const bool changesTimer = cmd == abi::WDIOC_SETTIMEOUT || cmd == abi::WDIOC_SETPRETIMEOUT;
        if (changesTimer && timer_.panicked()) {
            reply(-EIO); // a panicked system keeps panic_wdt_timeout
            return;
        }
        switch (cmd) {
        case abi::WDIOC_GETSUPPORT:
            reply(0, encodeWatchdogInfo());
            return;
        case abi::WDIOC_SETTIMEOUT:
            timer_.storeTimeout(*value);
            timer_.setTimeout(HeartbeatMode::IfNecessary, [reply](int rv) { reply(rv); });
            return;
        case abi::WDIOC_GETTIMEOUT:
            reply(0, encodeInt(timer_.params().timeout));
            return;
        case abi::WDIOC_SETPRETIMEOUT:
            timer_.storePretimeout(*value);
            timer_.setTimeout(HeartbeatMode::IfNecessary, [reply](int rv) { reply(rv); });
            return;
        case abi::WDIOC_GETPRETIMEOUT:
            reply(0, encodeInt(timer_.params().pretimeout));
            return;
        case abi::WDIOC_KEEPALIVE:
            timer_.heartbeat([reply](int rv) { reply(rv); });
            return;
        case abi::WDIOC_SETOPTIONS:
            setOptions(*value, [reply] { reply(0); }); // errors are only logged
            return;
        case abi::WDIOC_GETSTATUS:
            reply(0, encodeInt(0));
            return;
        default:
            reply(-ENOTTY);
            return;
        }
    });
}

void WatchdogDevice::setOptions(int options, const std::function<void()>& done)
{
    if (timer_.panicked()) {
        done(); // a panicked system neither stops nor restarts its timer
        return;
    }
    auto enable = [this, options, done] {
        if ((options & abi::WDIOS_ENABLECARD) == 0) {
            done();
            return;
        }
        timer_.setState(timer_.params().action);
        timer_.setTimeout(HeartbeatMode::Force, [done](int) { done(); });
    };
    if ((options & abi::WDIOS_DISABLECARD) == 0) {
        enable();
        return;
    }
    timer_.setState(Action::None);
    timer_.setTimeout(HeartbeatMode::None, [this, enable](int) {
        timer_.setStartOnHeartbeat(false);
        enable();
    });
}

} // namespace ipmi::watchdog
