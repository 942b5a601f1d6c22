// The command policy of one device node: which requests a node lets through
// to the BMC. The kernel's /dev/ipmiN lets everything through (preset
// `full`); a policy-bound node (e.g. /dev/ipmi0-monitor, preset `monitor`)
// answers the rest itself with completion code D4h, "insufficient privilege
// level", as a BMC answers a session whose privilege is too low, so
// unmodified tools print their usual message and nothing waits.
//
// A policy is a preset and/or allow rules, plus optional deny rules. A
// request is allowed if an allow rule (or the preset) matches it and no
// deny rule does: a deny always wins, so the order of rules never matters
// and `monitor;deny=0x04:0x2d` means what it says.
//
// What a request is judged by (requestCommand):
// - its netfn/cmd/LUN as the user gave them, whatever the address: an IPMB
//   or LAN address (which the message handler wraps in Send Message) is
//   judged by the command it carries, as that is what the remote controller
//   will run. A Send Message the user wraps itself (double bridging) is
//   judged as Send Message: its inner layout depends on the medium of a
//   channel of the controller it is sent to, which is unknown here, so what
//   it carries cannot be read safely.
// - Master Write-Read (App 52h), to any address: on a public bus (IPMB) with
//   at least a request header in its write data, by the IPMI request inside
//   (netfn/LUN at write data[0], cmd at write data[4], defining body at
//   write data[5]); anything else (a private bus, or a write too short to
//   be a request) is a raw bus access, allowed only by `full` or an explicit
//   `allow=raw-master-write-read`.
// - under the group extension netfn (2Ch), also by the defining body, the
//   first data byte (DCMI: DCh): a rule may name it.
//
// Textual form (configuration file and command line):
//   policy := part (';' part)*
//   part   := 'full' | 'monitor'                 a preset (at most one)
//           | 'allow=' item (',' item)*          allow rules
//           | 'deny=' item (',' item)*           deny rules
//   item   := NETFN ':' CMD [':' BODY] ['@' LUN]
//           | 'raw-master-write-read'            (allow only)
//   NETFN, CMD, BODY: 0x-prefixed hex or decimal, or '*' for any;
//   NETFN <= 0x3f, BODY only with netfn 0x2c; LUN 0-3 (default: any).
// Examples: `monitor`, `full;deny=0x00:0x02`,
//   `allow=0x06:0x01,0x0a:*;deny=0x0a:0x47`, `monitor;allow=0x2c:0x05:0xdc`.
// Spaces around tokens are ignored.
//
// The `monitor` preset (node_presets.cpp) holds the reads that monitoring
// agents (ipmitool sdr/sensor/sel/fru, FreeIPMI ipmi-sensors/ipmi-sel/
// bmc-info/ipmi-dcmi, prometheus ipmi_exporter) use, by the IPMI 2.0 and
// DCMI 1.5 command tables.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ipmi::cuse {

// The command a request asks the BMC to run, as a policy judges it.
struct CommandKey
{
    std::uint8_t netfn = 0;
    std::uint8_t cmd = 0;
    std::uint8_t lun = 0;
    std::optional<std::uint8_t> body; // the first data byte, if any
};

// One allow or deny rule; an unset field matches anything.
struct CommandRule
{
    std::optional<std::uint8_t> netfn;
    std::optional<std::uint8_t> cmd;
    std::optional<std::uint8_t> body; // group extension netfn only
    std::optional<std::uint8_t> lun;

    [[nodiscard]] bool matches(const CommandKey& key) const;
    friend bool operator==(const CommandRule&, const CommandRule&) = default;
};

class NodePolicy
{
  public:
    enum class Preset : std::uint8_t
    {
        None,
        Full,    // everything the kernel allows
        Monitor, // the reads of monitoring agents
    };

    // Default: full, the kernel's node.
    NodePolicy() = default;
    [[nodiscard]] static NodePolicy full() { return NodePolicy{}; }
    [[nodiscard]] static NodePolicy monitor();
    // The textual form above; on error a message naming what is wrong.
    [[nodiscard]] static std::variant<NodePolicy, std::string> parse(std::string_view text);
    // The textual form of this policy; parse(text()) gives it back.
    [[nodiscard]] std::string text() const;

    // True when nothing can be refused (full, nothing denied): the node is
    // the kernel's, and no gate is installed on its files.
    [[nodiscard]] bool unrestricted() const;

    // The verdict on a request (see "What a request is judged by").
    [[nodiscard]] bool allowsRequest(std::uint8_t netfn, std::uint8_t cmd, std::uint8_t lun,
                                     std::span<const std::uint8_t> data) const;
    [[nodiscard]] bool allows(const CommandKey& key) const;

    [[nodiscard]] Preset preset() const { return preset_; }
    [[nodiscard]] const std::vector<CommandRule>& allowRules() const { return allow_; }
    [[nodiscard]] const std::vector<CommandRule>& denyRules() const { return deny_; }
    [[nodiscard]] bool allowsRawMasterWriteRead() const { return preset_ == Preset::Full || rawMasterWriteRead_; }

    friend bool operator==(const NodePolicy&, const NodePolicy&) = default;

  private:
    Preset preset_ = Preset::Full;
    std::vector<CommandRule> allow_;
    std::vector<CommandRule> deny_;
    bool rawMasterWriteRead_ = false;
};

// The rules of the `monitor` preset (node_presets.cpp).
[[nodiscard]] std::span<const CommandRule> monitorRules();

// What a Master Write-Read's request data carries: the IPMI request inside
// its write data when it is sent on a public bus, else nullopt (a raw bus
// access). Exposed for tests and for the audit record.
[[nodiscard]] std::optional<CommandKey> masterWriteReadCarries(std::span<const std::uint8_t> data);

} // namespace ipmi::cuse
