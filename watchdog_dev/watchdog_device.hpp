// The Linux watchdog API of ipmi_watchdog's misc device, frontend-free: one
// exclusive open file with ipmi_open/ipmi_close/ipmi_write/ipmi_read/
// ipmi_poll/ipmi_ioctl semantics and errno. The CUSE glue only moves bytes
// between /dev/cuse and these calls; unit tests call them directly.
//
// Calls that reach the BMC complete through a callback once it has answered
// (the CUSE reply is deferred until then), so the loop never blocks.
// Callbacks may run before the call returns. All calls on the loop thread.
#pragma once

#include "watchdog_dev/ioctl_codec.hpp"
#include "watchdog_dev/watchdog_timer.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <span>

namespace ipmi::watchdog {

class WatchdogDevice
{
  public:
    using ResultDone = std::function<void(long result)>;
    using IoctlDone = std::function<void(IoctlReply reply)>;

    explicit WatchdogDevice(WatchdogTimer& timer);
    ~WatchdogDevice();
    WatchdogDevice(const WatchdogDevice&) = delete;
    WatchdogDevice& operator=(const WatchdogDevice&) = delete;

    // 0, or -EBUSY while another open file exists. Does not start the timer:
    // the first heartbeat will.
    [[nodiscard]] int open();
    // The last close of the open file. With the magic 'V' seen (and
    // nowayout off) the timer stops; otherwise "Unexpected close" and one
    // heartbeat, which starts a timer that never got one. The device can be
    // opened again once done has run.
    void release(std::function<void()> done);
    [[nodiscard]] bool isOpen() const { return open_; }

    // write(): 0 for an empty buffer; else magic-close bookkeeping, a
    // heartbeat, and data.size() or the heartbeat's -errno.
    void write(std::span<const std::uint8_t> data, ResultDone done);

    // read(): 0 for count 0; 1 (one 0x00 byte) once per pre-timeout with
    // preop_give_data; -EAGAIN with nonblock and nothing pending; otherwise
    // waits. Returns a ticket for interruptRead (0 if done already ran).
    std::uint64_t read(std::size_t count, bool nonblock, ResultDone done);
    // A signal interrupted a waiting read: it completes with -EINTR.
    void interruptRead(std::uint64_t ticket);
    // The single byte a successful read returns (the flag is cleared before
    // the kernel copies it, so it is always 0).
    static constexpr std::uint8_t kReadByte = 0x00;

    // poll(): EPOLLIN|EPOLLRDNORM iff true; never writable.
    [[nodiscard]] bool readable() const { return dataToRead_; }
    // Runs when readable() becomes true (for poll notification).
    void setReadableListener(std::function<void()> onReadable) { onReadable_ = std::move(onReadable); }

    // ioctl(): `in` holds ioctlShape(cmd)->in bytes read from arg.
    void ioctl(std::uint32_t cmd, std::span<const std::uint8_t> in, IoctlDone done);

  private:
    struct PendingRead
    {
        std::uint64_t ticket;
        ResultDone done;
    };
    void giveData();
    // WDIOC_SETOPTIONS: DISABLECARD, then ENABLECARD; results only logged.
    void setOptions(int options, const std::function<void()>& done);

    WatchdogTimer& timer_;
    bool open_ = false;
    bool expectClose_ = false;
    bool dataToRead_ = false;
    std::uint64_t nextTicket_ = 1;
    std::deque<PendingRead> readers_;
    std::function<void()> onReadable_;
};

} // namespace ipmi::watchdog
