// What each IPMICTL ioctl of ipmi_devintf.c copies from and to the caller,
// in what order: the one description that DeviceFile executes and that a
// front end which must name the caller's ranges before the ioctl runs (the
// CUSE retry protocol, cuse_dev/ioctl_marshal.hpp) predicts from.
//
// Plain ioctls read and/or write one fixed-size argument at arg. SEND reads
// its struct, then the address (EINVAL first if addr_len is too long), then
// the data (EMSGSIZE first if data_len is too long; a NULL data pointer means
// no data). RECEIVE reads its struct, then writes the head message's address
// (EINVAL first if the caller's buffer is too short), then its data (a
// non-truncating receive stops with EMSGSIZE after the address if the data
// does not fit), then the updated struct.
#pragma once

#include "core/ipmi_file.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ipmi::core {

enum class IoctlKind : std::uint8_t
{
    Plain,   // a fixed-size argument read and/or written at arg
    Send,    // ipmi_req(_settime): struct, then address and data
    Receive, // ipmi_recv: struct in, then address, data and struct out
};

struct IoctlShape
{
    IoctlKind kind = IoctlKind::Plain;
    bool compatLayout = false; // the 32-bit struct layout
    bool truncating = false;   // RECEIVE_MSG_TRUNC
    std::size_t readSize = 0;  // bytes read at arg
    std::size_t writeSize = 0; // bytes written back at arg on success
    bool settime = false;      // SEND_COMMAND_SETTIME
};

// The shape of an IPMICTL ioctl, or nullopt for anything else (ENOTTY).
// Compat numbers are known only when `compat` is set, as in ipmi_devintf.
[[nodiscard]] std::optional<IoctlShape> ipmiIoctlShape(std::uint32_t cmd, bool compat);

// The layout-independent contents of ipmi_req / ipmi_recv.
struct IoctlTransfer
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

// A SEND's struct (`bytes`: shape.readSize of them); SETTIME's retries and
// retry time replace `retries`/`retryTimeMs`.
[[nodiscard]] IoctlTransfer decodeSend(const IoctlShape& shape, std::span<const std::uint8_t> bytes, int& retries,
                                       unsigned& retryTimeMs);
// A RECEIVE's struct (`bytes`: shape.readSize of them).
[[nodiscard]] IoctlTransfer decodeReceive(const IoctlShape& shape, std::span<const std::uint8_t> bytes);

// A range of the caller's memory.
struct CopyRange
{
    std::uint64_t addr = 0;
    std::size_t len = 0;
};

// What a SEND copies after its struct.
struct SendCopies
{
    bool addressTooLong = false; // EINVAL before anything is read
    CopyRange address;
    bool dataTooLong = false;      // EMSGSIZE after the address validated
    std::optional<CopyRange> data; // none for a NULL data pointer
};
[[nodiscard]] SendCopies sendCopies(const IoctlTransfer& req);

// What a RECEIVE of the head message (`head`) writes.
struct ReceiveCopies
{
    bool addressTooShort = false; // EINVAL before anything is written
    CopyRange address;
    bool dataTooLong = false;      // RECEIVE_MSG: EMSGSIZE after the address
    std::optional<CopyRange> data; // none for a message without data
    bool truncated = false;        // RECEIVE_MSG_TRUNC cut the data: EMSGSIZE at the end
};
[[nodiscard]] ReceiveCopies receiveCopies(const IoctlTransfer& rsp, const ReceivePeek& head, bool trunc);

// Every range an ioctl of `shape` at `arg` will read and write, in order,
// for a front end that must name them in advance. `argBytes`: the argument
// struct if already fetched (empty: only the struct itself is known), `head`:
// the receive queue's head. A SEND's data is predicted only when its address
// is at least a system interface address long (it is read only once the
// address validated).
struct CopyPlan
{
    std::vector<CopyRange> reads;
    std::vector<CopyRange> writes;
};
[[nodiscard]] CopyPlan predictCopies(const IoctlShape& shape, std::uint64_t arg, std::span<const std::uint8_t> argBytes,
                                     const std::optional<ReceivePeek>& head);

} // namespace ipmi::core
