// The open file behind the marshalling tests: core's own DeviceFile over a
// real MessageHandler whose interface (core/testing's ScriptedInterface)
// answers as a BMC would, so the copies the marshaller predicts are checked
// against the copies core really makes. What the tests read back (what was
// sent, what is queued) goes through the same file.
#pragma once

#include "core/device_file.hpp"
#include "core/message_handler.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/scripted_interface.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace ipmi::cuse::testing {

// A message as the tests queue it on the file.
struct QueuedMessage
{
    int recvType = 1;
    std::vector<std::uint8_t> addr; // exactly ipmi_addr_length() bytes
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::vector<std::uint8_t> data;
};

// A request that reached the BMC, with the address and msgid its answer
// came back with.
struct SentRequest
{
    std::vector<std::uint8_t> addr;
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::vector<std::uint8_t> data;
};

class RealIpmiFile final : public core::IpmiFile
{
  public:
    // `maxMsgsPerUser`: max_msgs_per_user (EBUSY beyond).
    explicit RealIpmiFile(int maxMsgsPerUser = 100);
    ~RealIpmiFile() override;

    core::IoctlResult ioctl(std::uint32_t cmd, std::uint64_t arg, core::UserMemory& mem, bool compat32) override;
    [[nodiscard]] bool readable() const override { return file_->readable(); }
    [[nodiscard]] bool awaitingAnswers() const override { return file_->awaitingAnswers(); }
    void setWakeup(std::function<void()> onReadable) override { file_->setWakeup(std::move(onReadable)); }
    [[nodiscard]] std::optional<core::ReceivePeek> peekReceive() const override { return file_->peekReceive(); }
    void setGate(std::unique_ptr<core::RequestGate> gate) override { file_->setGate(std::move(gate)); }

    // Queues a message as the message handler would.
    void deliver(const QueuedMessage& m);
    [[nodiscard]] std::size_t queued() const { return file_->queued(); }
    // Takes every queued message off (another reader); their recv types.
    std::vector<int> drain();
    // Every request sent so far, each answered by the BMC (and its answer
    // taken off the queue) to learn its address and msgid.
    const std::vector<SentRequest>& sent();
    // Whether an event from the BMC reaches this file (taken off again).
    bool receivesEvents();
    // A plain ioctl run directly on the file (readings for assertions).
    long direct(std::uint32_t cmd, void* arg);
    // How many requests reached the BMC so far (answered or not).
    [[nodiscard]] std::size_t requestsToBmc() const { return bmc_->requests().size(); }
    [[nodiscard]] core::testing::ScriptedInterface& bmc() { return *bmc_; }

    int runs = 0; // ioctl() calls, including refused ones

  private:
    core::testing::FakeEventLoop loop_;
    std::unique_ptr<core::MessageHandler> handler_;
    core::testing::ScriptedInterface* bmc_ = nullptr;
    std::unique_ptr<core::DeviceFile> file_;
    std::vector<SentRequest> sent_;
};

} // namespace ipmi::cuse::testing
