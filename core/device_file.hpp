// The open-file class behind core/ipmi_file.hpp: one open /dev/ipmiN, the
// userspace ipmi_devintf.c. It is an ordinary message-handler user whose
// received messages wait in a queue until RECEIVE_MSG(_TRUNC) takes them.
// Every user-memory access goes through UserMemory; a failed copy (a fault,
// or a range the CUSE front end has not fetched) aborts the ioctl with that
// result, with the queue as it was, so the front end can fetch the missing
// buffer and run the ioctl again.
//
// device_file.cpp holds the ioctl dispatch, device_file_transfer.cpp SEND
// and RECEIVE (native and 32-bit compat layouts); what each ioctl copies is
// devintf_copies.hpp's.
#pragma once

#include "abi/ipmi.hpp"
#include "core/devintf_copies.hpp"
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

    IoctlResult ioctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem, bool compat32) override;
    [[nodiscard]] bool readable() const override { return !queue_.empty(); }
    [[nodiscard]] std::size_t queued() const { return queue_.size(); }
    [[nodiscard]] bool awaitingAnswers() const override;
    void setWakeup(std::function<void()> onReadable) override { wakeup_ = std::move(onReadable); }
    [[nodiscard]] std::optional<ReceivePeek> peekReceive() const override;
    void setGate(std::unique_ptr<RequestGate> gate) override { gate_ = std::move(gate); }

    void onMessage(ReceivedMessage msg) override;

    using Transfer = IoctlTransfer;

  private:
    IoctlResult sendIoctl(std::uint64_t arg, UserMemory& mem, const IoctlShape& shape);
    IoctlResult receiveIoctl(std::uint64_t arg, UserMemory& mem, const IoctlShape& shape);
    IoctlResult handleSend(const Transfer& req, int retries, unsigned retryTimeMs, UserMemory& mem);
    // handle_recv; `writeBack` copies the updated struct out (0 or error).
    template <typename WriteBack>
    IoctlResult handleReceive(Transfer& rsp, bool trunc, UserMemory& mem, WriteBack&& writeBack);
    IoctlResult addressIoctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem);
    IoctlResult commandIoctl(std::uint32_t cmd, std::uint64_t arg, UserMemory& mem);
    // The gate's word on a SET_MY_(CHANNEL_)ADDRESS/LUN to `value`: asked
    // only when the value would change (request_gate.hpp).
    int judgeAddressing(std::uint32_t cmd, unsigned channel, std::uint8_t value, bool lun);

    std::unique_ptr<User> user_;
    std::deque<ReceivedMessage> queue_;
    int defaultRetries_ = -1;
    unsigned defaultRetryTimeMs_ = 0;
    std::function<void()> wakeup_;
    std::unique_ptr<RequestGate> gate_; // null: the kernel's file
};

// One open /dev/ipmiN on interface `ifnum` (ipmi_open: a file, then its
// user from createUser, with createUser's errors).
[[nodiscard]] Result<DeviceFile> openDeviceFile(MessageHandler& handler, int ifnum);

} // namespace ipmi::core
