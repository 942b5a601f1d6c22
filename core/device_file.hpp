// The open-file class behind core/ipmi_file.hpp: one open /dev/ipmiN, the
// userspace ipmi_devintf.c. It is an ordinary message-handler user whose
// received messages wait in a queue until RECEIVE_MSG(_TRUNC) takes them.
// Every user-memory access goes through UserMemory; a failed copy (-EFAULT,
// or kNeedUserMemory from the CUSE front end) aborts the ioctl with that
// value, with the queue as it was, so the front end can fetch the missing
// buffer and run the ioctl again.
//
// device_file.cpp holds the ioctl dispatch, device_file_transfer.cpp SEND
// and RECEIVE (native and 32-bit compat layouts).
#pragma once

#include "abi/ipmi.hpp"
#include "core/ipmi_file.hpp"
#include "core/message_handler.hpp"

#include <deque>
#include <memory>

namespace ipmi::core {

class DeviceFile final : public IpmiFile, public UserHandler
{
  public:
    DeviceFile() = default;
    ~DeviceFile() override;
    DeviceFile(const DeviceFile&) = delete;
    DeviceFile& operator=(const DeviceFile&) = delete;

    // Called once by openDeviceFile.
    void attach(std::unique_ptr<User> user) { user_ = std::move(user); }

    long ioctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem, bool compat32) override;
    [[nodiscard]] bool readable() const override { return !queue_.empty(); }
    [[nodiscard]] bool awaitingAnswers() const override;
    void setWakeup(std::function<void()> onReadable) override { wakeup_ = std::move(onReadable); }
    [[nodiscard]] std::optional<ReceivePeek> peekReceive() const override;

    void onMessage(ReceivedMessage msg) override;

    // The layout-independent contents of ipmi_req / ipmi_recv.
    struct Transfer
    {
        int recvType = 0;
        std::uint64_t addr = 0;
        std::uint32_t addrLen = 0;
        long msgid = 0;
        std::uint8_t netfn = 0;
        std::uint8_t cmd = 0;
        std::uint16_t dataLen = 0;
        std::uint64_t data = 0;
    };

  private:
    long sendIoctl(std::uint64_t arg, UserMemory& mem, bool compat32, bool settime);
    long receiveIoctl(std::uint64_t arg, UserMemory& mem, bool compat32, bool trunc);
    long handleSend(const Transfer& req, int retries, unsigned retryTimeMs, UserMemory& mem);
    // handle_recv; `writeBack` copies the updated struct out (0 or error).
    template <typename WriteBack>
    long handleReceive(Transfer& rsp, bool trunc, UserMemory& mem, WriteBack&& writeBack);
    long addressIoctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem);
    long commandIoctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem);

    std::unique_ptr<User> user_;
    std::deque<ReceivedMessage> queue_;
    int defaultRetries_ = -1;
    unsigned defaultRetryTimeMs_ = 0;
    std::function<void()> wakeup_;
};

// One open /dev/ipmiN on interface `ifnum` (ipmi_open: a file, then its
// user from createUser, with createUser's errors).
[[nodiscard]] Result<DeviceFile> openDeviceFile(MessageHandler& handler, int ifnum);

} // namespace ipmi::core
