// A request's data bytes, held in the buffer its system-interface frame will
// be sent in: the two header bytes (netfn/LUN, command) have room in front,
// so the caller's bytes are copied once, from the caller straight into the
// frame. A bridged request is wrapped in Send Message, a frame of its own.
#pragma once

#include "core/interface.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace ipmi::core {

class RequestBody
{
  public:
    // `size` data bytes, zeroed, to be filled through data().
    explicit RequestBody(std::size_t size = 0) : bytes_(kHeader + size) {}

    [[nodiscard]] static RequestBody copyOf(std::span<const std::uint8_t> data)
    {
        RequestBody body(data.size());
        std::copy(data.begin(), data.end(), body.data().begin());
        return body;
    }

    [[nodiscard]] std::span<std::uint8_t> data() { return std::span(bytes_).subspan(kHeader); }
    [[nodiscard]] std::span<const std::uint8_t> data() const { return std::span(bytes_).subspan(kHeader); }
    [[nodiscard]] std::size_t size() const { return bytes_.size() - kHeader; }

    // [netfn<<2 | lun][cmd][data...], in the same buffer.
    [[nodiscard]] SmiBytes systemInterfaceFrame(std::uint8_t netfnLun, std::uint8_t cmd) &&
    {
        bytes_[0] = netfnLun;
        bytes_[1] = cmd;
        return std::move(bytes_);
    }

  private:
    static constexpr std::size_t kHeader = 2;
    SmiBytes bytes_;
};

} // namespace ipmi::core
