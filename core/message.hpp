// What the message handler hands to its users: one received message (a
// response, an event, an incoming command, a response-to-a-response), the
// kernel's struct ipmi_recv_msg as a user sees it, plus the per-user message
// charge that makes unread messages count against max_msgs_per_user (the
// 2025 "Rework user message limit handling": a message stays charged to its
// user until the user has consumed it, e.g. read it from /dev/ipmiN).
//
// Also the address rules every path shares (ipmi_validate_addr,
// ipmi_addr_equal) so the open file and in-process users validate alike.
#pragma once

#include "abi/ipmi.hpp"

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

namespace ipmi::core {

// One unit of a user's message allowance. Move-only; releasing it (on
// destruction) gives the unit back.
class MessageCharge
{
  public:
    MessageCharge() = default;
    explicit MessageCharge(std::shared_ptr<int> counter) : counter_(std::move(counter)) {}
    ~MessageCharge() { release(); }
    MessageCharge(MessageCharge&& other) noexcept : counter_(std::move(other.counter_)) {}
    MessageCharge& operator=(MessageCharge&& other) noexcept
    {
        if (this != &other) {
            release();
            counter_ = std::move(other.counter_);
        }
        return *this;
    }
    MessageCharge(const MessageCharge&) = delete;
    MessageCharge& operator=(const MessageCharge&) = delete;

    void release()
    {
        if (counter_) {
            --*counter_;
            counter_.reset();
        }
    }
    [[nodiscard]] bool charged() const { return counter_ != nullptr; }

  private:
    std::shared_ptr<int> counter_;
};

struct ReceivedMessage
{
    int recvType = abi::IPMI_RESPONSE_RECV_TYPE; // IPMI_*_RECV_TYPE
    // The whole ipmi_addr as the kernel keeps it; the first
    // ipmi_addr_length(addr.addr_type) bytes are what a reader gets.
    abi::ipmi_addr addr{};
    long msgid = 0;
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::vector<std::uint8_t> data;
    MessageCharge charge;
};

// An address ipmi_validate_addr() accepted. User::request takes one, so a
// request's address is checked once: by /dev/ipmiN against the caller's
// addr_len where the kernel checks it (before the data is copied in), else
// by User::request itself.
class CheckedAddress
{
  public:
    [[nodiscard]] const abi::ipmi_addr& get() const { return addr_; }

  private:
    explicit CheckedAddress(const abi::ipmi_addr& addr) : addr_(addr) {}
    friend std::optional<CheckedAddress> checkAddress(const abi::ipmi_addr& addr, unsigned int len);

    abi::ipmi_addr addr_;
};

// ipmi_validate_addr(); `len` is the caller's addr_len. nullopt is -EINVAL,
// whatever the rule the address broke.
[[nodiscard]] std::optional<CheckedAddress> checkAddress(const abi::ipmi_addr& addr, unsigned int len);

// ipmi_addr_equal(): the fields that identify a remote peer per type.
[[nodiscard]] bool addressEqual(const abi::ipmi_addr& a, const abi::ipmi_addr& b);

// Typed views of an ipmi_addr (all address structs fit in its 40 bytes and
// share its leading addr_type/channel fields).
template <typename T>
[[nodiscard]] T addressAs(const abi::ipmi_addr& addr)
{
    static_assert(sizeof(T) <= sizeof(abi::ipmi_addr));
    T out{};
    std::memcpy(&out, &addr, sizeof(T));
    return out;
}

template <typename T>
void storeAddress(abi::ipmi_addr& addr, const T& typed)
{
    static_assert(sizeof(T) <= sizeof(abi::ipmi_addr));
    std::memcpy(&addr, &typed, sizeof(T));
}

// A system-interface address {0x0C, channel 15, lun}.
[[nodiscard]] abi::ipmi_addr systemInterfaceAddress(std::uint8_t lun);

// The IPMB checksum: two's complement of the byte sum.
[[nodiscard]] std::uint8_t ipmbChecksum(const std::uint8_t* data, std::size_t len);

} // namespace ipmi::core
