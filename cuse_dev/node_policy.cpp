// Judging one request against a node's policy: see node_policy.hpp.
#include "cuse_dev/node_policy.hpp"

#include "abi/ipmi_commands.hpp"

#include <algorithm>

namespace ipmi::cuse {

namespace {

using namespace ipmi::abi;

// Master Write-Read's request data (IPMI 2.0 22.11): the bus byte (bit 0
// set: a private bus), the slave address, the read count, then the bytes
// written. On a public bus those bytes are an IPMB request without its
// first byte (the responder's address is the slave address):
// [netfn<<2|lun][checksum][requester][seq<<2|lun][cmd][data...][checksum].
constexpr std::size_t kMwrWriteData = 3;
constexpr std::uint8_t kMwrPrivateBus = 0x01;
constexpr std::size_t kIpmbNetfnLun = 0;
constexpr std::size_t kIpmbCmd = 4;
constexpr std::size_t kIpmbFirstData = 5;
constexpr std::size_t kIpmbShortest = 6; // header, cmd and trailing checksum

bool anyMatches(std::span<const CommandRule> rules, const CommandKey& key)
{
    return std::any_of(rules.begin(), rules.end(), [&key](const CommandRule& r) { return r.matches(key); });
}

} // namespace

bool CommandRule::matches(const CommandKey& key) const
{
    return (!netfn || *netfn == key.netfn) && (!cmd || *cmd == key.cmd) && (!lun || *lun == key.lun) &&
           (!body || body == key.body);
}

NodePolicy NodePolicy::monitor()
{
    NodePolicy p;
    p.preset_ = Preset::Monitor;
    return p;
}

bool NodePolicy::unrestricted() const
{
    if (!deny_.empty()) {
        return false;
    }
    return preset_ == Preset::Full ||
           (rawMasterWriteRead_ && std::find(allow_.begin(), allow_.end(), CommandRule{}) != allow_.end());
}

bool NodePolicy::allows(const CommandKey& key) const
{
    if (anyMatches(deny_, key)) {
        return false;
    }
    if (preset_ == Preset::Full || (preset_ == Preset::Monitor && anyMatches(monitorRules(), key))) {
        return true;
    }
    return anyMatches(allow_, key);
}

bool NodePolicy::allowsRequest(std::uint8_t netfn, std::uint8_t cmd, std::uint8_t lun,
                               std::span<const std::uint8_t> data) const
{
    CommandKey key{netfn, cmd, lun, std::nullopt};
    if (!data.empty()) {
        key.body = data[0];
    }
    if (netfn != IPMI_NETFN_APP_REQUEST || cmd != IPMI_MASTER_WRITE_READ_CMD) {
        return allows(key);
    }
    // A rule that denies Master Write-Read itself denies every use of it.
    if (anyMatches(deny_, key)) {
        return false;
    }
    if (const auto carried = masterWriteReadCarries(data)) {
        return allows(*carried);
    }
    return allowsRawMasterWriteRead();
}

std::optional<CommandKey> masterWriteReadCarries(std::span<const std::uint8_t> data)
{
    if (data.size() < kMwrWriteData + kIpmbShortest || (data[0] & kMwrPrivateBus) != 0) {
        return std::nullopt;
    }
    const auto write = data.subspan(kMwrWriteData);
    CommandKey key;
    key.netfn = static_cast<std::uint8_t>(write[kIpmbNetfnLun] >> 2);
    key.lun = static_cast<std::uint8_t>(write[kIpmbNetfnLun] & 0x03);
    key.cmd = write[kIpmbCmd];
    // The last byte is the checksum: a data byte exists only before it.
    if (write.size() > kIpmbShortest) {
        key.body = write[kIpmbFirstData];
    }
    return key;
}

} // namespace ipmi::cuse
