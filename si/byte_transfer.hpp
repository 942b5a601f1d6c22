// The request and the response of one KCS or SMIC transaction. Both
// interfaces move one byte per register access, start the request over from
// its first byte when they recover from an error, and keep draining a BMC
// that answers more than the interface holds (the result then says 0xC6, as
// the kernel's do) — but not for ever: a BMC that sends more than
// kMaxAnswer bytes has overrun(), and the machine recovers as from any
// other protocol error (the kernel drains a read state stuck with OBF set
// without end). BT frames whole messages and keeps its own buffers.
#pragma once

#include "abi/ipmi_msgdefs.hpp"
#include "core/interface.hpp"
#include "si/state_machine.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ipmi::si {

class ByteTransfer
{
  public:
    // Four times IPMI_MAX_MSG_LENGTH: no answer, however miscounted, is
    // that long (the simulated BMC's wrong-length fault pads at most 512
    // bytes), so only a BMC stuck sending is cut off.
    static constexpr std::size_t kMaxAnswer = 4 * 272;

    explicit ByteTransfer(std::size_t maxRead) : maxRead_(maxRead) {}

    void begin(std::span<const std::uint8_t> request)
    {
        write_.assign(request.begin(), request.end());
        rewind();
    }

    // From the request's first byte again, with nothing read.
    void rewind()
    {
        writePos_ = 0;
        read_.clear();
        truncated_ = false;
        drained_ = 0;
    }

    [[nodiscard]] std::size_t writeLeft() const { return write_.size() - writePos_; }
    [[nodiscard]] bool nothingRead() const { return read_.empty(); }
    [[nodiscard]] std::uint8_t nextWriteByte() { return write_[writePos_++]; }

    void store(std::uint8_t byte)
    {
        if (read_.size() >= maxRead_) {
            truncated_ = true;
            ++drained_;
        } else {
            read_.push_back(byte);
        }
    }

    [[nodiscard]] bool overrun() const { return read_.size() + drained_ > kMaxAnswer; }

    // The response read, or 0xFF for the request when too little came back.
    [[nodiscard]] core::SmiBytes result()
    {
        if (read_.size() < 3) {
            return errorResponse(write_, abi::IPMI_ERR_UNSPECIFIED);
        }
        core::SmiBytes response = read_;
        if (truncated_) {
            response[2] = abi::IPMI_ERR_MSG_TRUNCATED;
            truncated_ = false;
        }
        return response;
    }

  private:
    std::size_t maxRead_;
    std::vector<std::uint8_t> write_;
    std::size_t writePos_ = 0;
    std::vector<std::uint8_t> read_;
    bool truncated_ = false;
    std::size_t drained_ = 0; // bytes dropped past maxRead_
};

} // namespace ipmi::si
