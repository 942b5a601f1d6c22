// The FUSE "unrestricted ioctl" retry protocol for /dev/ipmiN, as plain
// functions over byte buffers, so it is testable without /dev/cuse. The
// device uses it for callers it cannot reach in place (caller_memory.hpp).
//
// How CUSE delivers an unrestricted ioctl (fs/fuse/ioctl.c): the first call
// carries no user memory at all. The server answers "retry, and this time
// copy in these user ranges and give me room to store into these"; the
// kernel copies the in-ranges from the caller (EFAULT to the caller if one
// faults, before the server sees anything) and calls again with their bytes
// concatenated. The final answer is a result plus some bytes, which the
// kernel stores into the out-ranges in order: the bytes are always a prefix of
// the out-ranges' concatenation, and any caller memory past that prefix is
// left alone.
//
// marshalIoctl() runs core::IpmiFile::ioctl against a UserMemory made of the
// fetched in-ranges (reads) and the declared out-ranges (writes, accepted only
// in order, so the kernel's copy-out reproduces them exactly). An access
// outside them makes the file answer "unfetched" with nothing changed;
// the missing range and everything the decoded struct predicts (the address,
// the data, the write-back: core/devintf_copies.hpp, the description the
// file itself follows) are then asked for in one retry, so a typical
// SEND or RECEIVE costs three FUSE round trips. Out-ranges are also fetched
// as in-ranges ("probes"): a caller buffer that faults then fails in the
// kernel before a message is consumed, as ipmi_devintf puts the message back
// on EFAULT.
//
// A 32-bit caller's ranges are never asked for beyond 4 GiB (the kernel
// would fail the ioctl with EIO): a pointer there, which only the native
// layout under FUSE_IOCTL_COMPAT can carry, faults (EFAULT) when the file
// comes to it, as the kernel's copy would.
//
// One known departure: a SEND whose address is invalid (EINVAL) and whose
// data pointer faults gets EFAULT here, because address and data are fetched
// together to save a round trip; the kernel checks the address first.
#pragma once

#include "core/ipmi_file.hpp"
#include "cuse/ioctl_request.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

namespace ipmi::cuse {

// The ranges one FUSE_IOCTL_RETRY asked for. The next call of the same ioctl
// brings the in-ranges' bytes concatenated, and room for the out-ranges.
struct RetryPlan
{
    std::vector<UserRange> in;
    std::vector<UserRange> out;
    friend bool operator==(const RetryPlan&, const RetryPlan&) = default;
};

// FUSE_IOCTL_MAX_IOV: the kernel refuses more iovecs than this in one retry.
inline constexpr std::size_t kMaxIoctlIovecs = 256;

// Ask the kernel to fetch/store these ranges and call again.
struct IoctlRetry
{
    RetryPlan plan;
};

// Finish the ioctl: `result` is returned to the caller (negative = -errno),
// `out` is stored into the out-ranges first, even with a negative result
// (RECEIVE_MSG_TRUNC returns EMSGSIZE with the truncated message copied out).
struct IoctlReply
{
    long result = 0;
    std::vector<std::uint8_t> out;
};

using IoctlOutcome = std::variant<IoctlRetry, IoctlReply>;

// One step of the protocol. `previous` is the plan of the retry that produced
// `call` (nullptr on the first call); a call that does not match it (sizes
// differ) starts over from the first stage. Never throws for any input.
[[nodiscard]] IoctlOutcome marshalIoctl(core::IpmiFile& file, const IoctlCall& call, const RetryPlan* previous);

} // namespace ipmi::cuse
