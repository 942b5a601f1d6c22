// A small IpmiFile for the marshalling tests: it reaches user memory in the
// same order and with the same errno as ipmi_devintf.c (struct, address,
// data, write-back; EINVAL/EMSGSIZE/EAGAIN/EBUSY/ENOENT/ENOTTY) and keeps
// just enough state (a receive queue, the sent requests, the per-file and
// per-interface settings) for tests to see what went through. It honours the
// unfetched contract: nothing changes when a copy is refused.
#pragma once

#include "core/ipmi_file.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace ipmi::cuse::testing {

struct FakeMessage
{
    int recvType = 1;
    std::vector<std::uint8_t> addr; // exactly ipmi_addr_length() bytes
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::vector<std::uint8_t> data;
};

struct SentRequest
{
    std::vector<std::uint8_t> addr;
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::vector<std::uint8_t> data;
    std::optional<std::pair<int, unsigned>> timing; // SETTIME's retries, retry_time_ms
};

struct Registration
{
    unsigned netfn;
    unsigned cmd;
    unsigned chans;
};

class FakeIpmiFile : public core::IpmiFile
{
  public:
    core::IoctlResult ioctl(std::uint32_t cmd, std::uint64_t arg, core::UserMemory& mem, bool compat32) override;
    [[nodiscard]] bool readable() const override { return !queue.empty(); }
    [[nodiscard]] bool awaitingAnswers() const override { return !sent.empty(); }
    void setWakeup(std::function<void()> onReadable) override { wakeup = std::move(onReadable); }
    [[nodiscard]] std::optional<core::ReceivePeek> peekReceive() const override;

    void deliver(FakeMessage m);

    std::deque<FakeMessage> queue;
    std::vector<SentRequest> sent;
    std::size_t maxSent = 100; // EBUSY beyond, like max_msgs_per_user
    int getsEvents = 0;
    unsigned myAddress = 0x20;
    unsigned myLun = 2;
    int retries = -1;
    unsigned retryTimeMs = 0;
    std::array<std::uint8_t, 16> channelAddress{};
    std::array<std::uint8_t, 16> channelLun{};
    int maintenanceMode = 0;
    std::vector<Registration> registrations;
    std::function<void()> wakeup;
    int runs = 0; // ioctl() calls, including refused ones

  private:
    core::IoctlResult send(std::uint64_t arg, core::UserMemory& mem, bool compatLayout, bool settime);
    core::IoctlResult receive(std::uint64_t arg, core::UserMemory& mem, bool compatLayout, bool trunc);
    core::IoctlResult channelValue(std::uint64_t arg, core::UserMemory& mem, bool set, bool lun);
    core::IoctlResult registerCmd(unsigned netfn, unsigned cmd, unsigned chans);
    core::IoctlResult unregisterCmd(unsigned netfn, unsigned cmd, unsigned chans);
};

} // namespace ipmi::cuse::testing
