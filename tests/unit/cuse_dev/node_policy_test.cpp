// The node policies: every entry of the `monitor` preset (the IPMI 2.0 and
// DCMI 1.5 numbers written out here, not taken from the table under test),
// representative writes it refuses, how Master Write-Read is judged, and
// the textual form with its error messages.
#include "cuse_dev/node_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace ipmi::cuse::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Entry
{
    std::uint8_t netfn;
    std::uint8_t cmd;
    std::optional<std::uint8_t> body;
    const char* name;
};

// The monitor preset as documented in node_presets.cpp.
const std::vector<Entry>& monitorEntries()
{
    static const std::vector<Entry> entries{
        {0x06, 0x01, {}, "Get Device ID"},
        {0x06, 0x08, {}, "Get Device GUID"},
        {0x06, 0x04, {}, "Get Self Test Results"},
        {0x06, 0x37, {}, "Get System GUID"},
        {0x06, 0x42, {}, "Get Channel Info"},
        {0x06, 0x41, {}, "Get Channel Access"},
        {0x06, 0x25, {}, "Get Watchdog Timer"},
        {0x06, 0x59, {}, "Get System Info Parameters"},
        {0x00, 0x00, {}, "Get Chassis Capabilities"},
        {0x00, 0x01, {}, "Get Chassis Status"},
        {0x00, 0x07, {}, "Get System Restart Cause"},
        {0x00, 0x0F, {}, "Get POH Counter"},
        {0x04, 0x20, {}, "Get Device SDR Info"},
        {0x04, 0x21, {}, "Get Device SDR"},
        {0x04, 0x22, {}, "Reserve Device SDR Repository"},
        {0x04, 0x23, {}, "Get Sensor Reading Factors"},
        {0x04, 0x25, {}, "Get Sensor Hysteresis"},
        {0x04, 0x27, {}, "Get Sensor Thresholds"},
        {0x04, 0x29, {}, "Get Sensor Event Enable"},
        {0x04, 0x2B, {}, "Get Sensor Event Status"},
        {0x04, 0x2D, {}, "Get Sensor Reading"},
        {0x04, 0x2F, {}, "Get Sensor Type"},
        {0x0A, 0x10, {}, "Get FRU Inventory Area Info"},
        {0x0A, 0x11, {}, "Read FRU Data"},
        {0x0A, 0x20, {}, "Get SDR Repository Info"},
        {0x0A, 0x21, {}, "Get SDR Repository Allocation Info"},
        {0x0A, 0x22, {}, "Reserve SDR Repository"},
        {0x0A, 0x23, {}, "Get SDR"},
        {0x0A, 0x40, {}, "Get SEL Info"},
        {0x0A, 0x41, {}, "Get SEL Allocation Info"},
        {0x0A, 0x42, {}, "Reserve SEL"},
        {0x0A, 0x43, {}, "Get SEL Entry"},
        {0x0A, 0x48, {}, "Get SEL Time"},
        {0x2C, 0x00, 0x00, "Get PICMG Properties"},
        {0x2C, 0x00, 0x03, "VITA Get VSO Capabilities"},
        {0x2C, 0x01, 0xDC, "DCMI Get DCMI Capabilities Info"},
        {0x2C, 0x02, 0xDC, "DCMI Get Power Reading"},
        {0x2C, 0x03, 0xDC, "DCMI Get Power Limit"},
        {0x2C, 0x06, 0xDC, "DCMI Get Asset Tag"},
        {0x2C, 0x07, 0xDC, "DCMI Get DCMI Sensor Info"},
        {0x2C, 0x09, 0xDC, "DCMI Get Management Controller Identifier String"},
        {0x2C, 0x0C, 0xDC, "DCMI Get Thermal Limit"},
        {0x2C, 0x10, 0xDC, "DCMI Get Temperature Readings"},
        {0x2C, 0x13, 0xDC, "DCMI Get DCMI Configuration Parameters"},
    };
    return entries;
}

Bytes dataFor(const Entry& e)
{
    return e.body ? Bytes{*e.body, 0x01} : Bytes{};
}

TEST(MonitorPolicy, AllowsEveryEntryOnEveryLun)
{
    const auto monitor = NodePolicy::monitor();
    for (const auto& e : monitorEntries()) {
        for (std::uint8_t lun = 0; lun < 4; ++lun) {
            EXPECT_TRUE(monitor.allowsRequest(e.netfn, e.cmd, lun, dataFor(e))) << e.name << " LUN " << int{lun};
        }
    }
}

TEST(MonitorPolicy, HoldsNothingElse)
{
    ASSERT_EQ(monitorRules().size(), monitorEntries().size());
    for (const auto& r : monitorRules()) {
        bool listed = false;
        for (const auto& e : monitorEntries()) {
            listed = listed || (r.netfn == e.netfn && r.cmd == e.cmd && r.body == e.body && !r.lun);
        }
        EXPECT_TRUE(listed) << int{*r.netfn} << ":" << int{*r.cmd};
    }
    EXPECT_FALSE(NodePolicy::monitor().unrestricted());
    EXPECT_TRUE(NodePolicy::full().unrestricted());
}

TEST(MonitorPolicy, RefusesWrites)
{
    const auto monitor = NodePolicy::monitor();
    const std::vector<std::tuple<std::uint8_t, std::uint8_t, Bytes, const char*>> writes{
        {0x00, 0x02, {0x00}, "Chassis Control (power down)"},
        {0x00, 0x04, {}, "Chassis Identify"},
        {0x00, 0x08, {0x05}, "Set System Boot Options"},
        {0x06, 0x02, {}, "Cold Reset"},
        {0x06, 0x03, {}, "Warm Reset"},
        {0x06, 0x47, {0x02, 0x02}, "Set User Password"},
        {0x06, 0x45, {0x02}, "Set User Name"},
        {0x06, 0x40, {0x01}, "Set Channel Access"},
        {0x06, 0x24, {0x44, 0x00}, "Set Watchdog Timer"},
        {0x06, 0x22, {}, "Reset Watchdog Timer"},
        {0x06, 0x2E, {0x0F}, "Set BMC Global Enables"},
        {0x0C, 0x01, {0x01, 0x03}, "Set LAN Configuration Parameters"},
        {0x0C, 0x02, {0x01, 0x03}, "Get LAN Configuration Parameters (kept out)"},
        {0x0A, 0x49, {0, 0, 0, 0}, "Set SEL Time"},
        {0x0A, 0x47, {0, 0, 'C', 'L', 'R', 0xAA}, "Clear SEL"},
        {0x0A, 0x44, {}, "Add SEL Entry"},
        {0x0A, 0x12, {0x00}, "Write FRU Data"},
        {0x04, 0x02, {}, "Platform Event"},
        {0x04, 0x26, {}, "Set Sensor Thresholds"},
        {0x08, 0x00, {}, "a Firmware netfn request"},
        {0x2C, 0x04, {0xDC}, "DCMI Set Power Limit"},
        {0x2C, 0x08, {0xDC}, "DCMI Set Asset Tag"},
        {0x2C, 0x02, {0x00}, "PICMG command 02h (not DCMI's Get Power Reading)"},
        {0x2C, 0x02, {}, "a group extension request without its defining body"},
        {0x2E, 0x01, {0x57, 0x01, 0x00}, "an OEM group request"},
        {0x30, 0x01, {}, "an OEM netfn request"},
        {0x06, 0x34, {0x00, 0x20, 0x00, 0xE0, 0x81, 0x00, 0x02, 0x00}, "a Send Message the user wraps itself"},
        {0x07, 0x01, {0x00}, "a response the user sends"},
    };
    for (const auto& [netfn, cmd, data, name] : writes) {
        EXPECT_FALSE(monitor.allowsRequest(netfn, cmd, 0, data)) << name;
    }
}

// A Master Write-Read to bus `bus` carrying [netfn<<2|lun][chk][rqSA][seq][cmd][data...][chk].
Bytes masterWriteRead(std::uint8_t bus, std::uint8_t netfn, std::uint8_t cmd, const Bytes& payload = {})
{
    Bytes b{bus, 0x40, 0x10, static_cast<std::uint8_t>(netfn << 2), 0x00, 0x81, 0x04, cmd};
    for (const auto byte : payload) {
        b.push_back(byte);
    }
    b.push_back(0x00); // the checksum (not checked by the policy)
    return b;
}

TEST(MonitorPolicy, MasterWriteReadIsJudgedByTheRequestItCarries)
{
    const auto monitor = NodePolicy::monitor();
    EXPECT_TRUE(monitor.allowsRequest(0x06, 0x52, 0, masterWriteRead(0x00, 0x06, 0x01)));
    EXPECT_FALSE(monitor.allowsRequest(0x06, 0x52, 0, masterWriteRead(0x00, 0x00, 0x02, {0x00})));
    EXPECT_TRUE(monitor.allowsRequest(0x06, 0x52, 0, masterWriteRead(0x02, 0x2C, 0x02, {0xDC, 0x01})));
    EXPECT_FALSE(monitor.allowsRequest(0x06, 0x52, 0, masterWriteRead(0x02, 0x2C, 0x04, {0xDC})));
    const auto key = masterWriteReadCarries(masterWriteRead(0x10, 0x2C, 0x02, {0xDC, 0x01}));
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key->netfn, 0x2C);
    EXPECT_EQ(key->cmd, 0x02);
    EXPECT_EQ(key->body, 0xDC);
    // Without data bytes there is no defining body: the last byte is the checksum.
    EXPECT_FALSE(masterWriteReadCarries(masterWriteRead(0x00, 0x06, 0x01))->body.has_value());
}

TEST(MonitorPolicy, RawMasterWriteReadNeedsAnExplicitAllow)
{
    const Bytes privateWrite{0x03, 0xA0, 0x00, 0x00, 0x12, 0x34};
    const Bytes privateRead{0x03, 0xA0, 0x10};
    const Bytes shortPublicWrite{0x00, 0x40, 0x00, 0x18, 0x00, 0x81, 0x04, 0x01}; // no trailing checksum
    const auto monitor = NodePolicy::monitor();
    for (const auto& raw : {privateWrite, privateRead, shortPublicWrite}) {
        EXPECT_FALSE(monitor.allowsRequest(0x06, 0x52, 0, raw));
        EXPECT_TRUE(NodePolicy::full().allowsRequest(0x06, 0x52, 0, raw));
    }
    const auto raw = std::get<NodePolicy>(NodePolicy::parse("monitor;allow=raw-master-write-read"));
    EXPECT_TRUE(raw.allowsRequest(0x06, 0x52, 0, privateWrite));
    EXPECT_FALSE(raw.allowsRequest(0x06, 0x52, 0, masterWriteRead(0x00, 0x00, 0x02, {0x00})));
    // Allowing Master Write-Read as a command does not allow raw access.
    const auto asCommand = std::get<NodePolicy>(NodePolicy::parse("monitor;allow=0x06:0x52"));
    EXPECT_FALSE(asCommand.allowsRequest(0x06, 0x52, 0, privateWrite));
    // Denying it refuses every use, even under full.
    const auto denied = std::get<NodePolicy>(NodePolicy::parse("full;deny=0x06:0x52"));
    EXPECT_FALSE(denied.allowsRequest(0x06, 0x52, 0, privateWrite));
    EXPECT_FALSE(denied.allowsRequest(0x06, 0x52, 0, masterWriteRead(0x00, 0x06, 0x01)));
    EXPECT_TRUE(denied.allowsRequest(0x00, 0x02, 0, {}));
}

TEST(FullPolicy, AllowsEverything)
{
    const auto full = NodePolicy::full();
    for (unsigned netfn = 0; netfn <= 0x3F; ++netfn) {
        for (unsigned cmd = 0; cmd <= 0xFF; cmd += 0x11) {
            EXPECT_TRUE(full.allowsRequest(static_cast<std::uint8_t>(netfn), static_cast<std::uint8_t>(cmd), 0, {}));
        }
    }
}

NodePolicy parsed(std::string_view text)
{
    auto r = NodePolicy::parse(text);
    if (auto* error = std::get_if<std::string>(&r)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<NodePolicy>(r);
}

TEST(PolicyText, PresetsAndRules)
{
    EXPECT_EQ(parsed("full"), NodePolicy::full());
    EXPECT_EQ(parsed("monitor"), NodePolicy::monitor());
    EXPECT_EQ(parsed(" monitor "), NodePolicy::monitor());

    const auto p = parsed("allow=0x06:0x01, 10:* ,0x2c:0x02:0xdc@0;deny=0x0a:0x47");
    EXPECT_EQ(p.preset(), NodePolicy::Preset::None);
    EXPECT_FALSE(p.unrestricted());
    EXPECT_EQ(p.allowRules(),
              (std::vector<CommandRule>{{0x06, 0x01, {}, {}}, {0x0A, {}, {}, {}}, {0x2C, 0x02, 0xDC, 0}}));
    EXPECT_EQ(p.denyRules(), (std::vector<CommandRule>{{0x0A, 0x47, {}, {}}}));
    EXPECT_TRUE(p.allowsRequest(0x0A, 0x43, 3, {}));
    EXPECT_FALSE(p.allowsRequest(0x0A, 0x47, 0, {}));               // deny wins
    EXPECT_TRUE(p.allowsRequest(0x2C, 0x02, 0, Bytes{0xDC, 0x01})); // LUN 0 only
    EXPECT_FALSE(p.allowsRequest(0x2C, 0x02, 1, Bytes{0xDC, 0x01}));
    EXPECT_FALSE(p.allowsRequest(0x06, 0x02, 0, {}));
    EXPECT_EQ(p.text(), "allow=0x06:0x01,0x0a:*,0x2c:0x02:0xdc@0;deny=0x0a:0x47");
    EXPECT_EQ(parsed(p.text()), p);

    const auto m = parsed("monitor;deny=0x04:0x2d");
    EXPECT_FALSE(m.allowsRequest(0x04, 0x2D, 0, {}));
    EXPECT_TRUE(m.allowsRequest(0x04, 0x27, 0, {}));
    EXPECT_EQ(parsed(m.text()), m);

    const auto f = parsed("full;deny=0x00:0x02");
    EXPECT_FALSE(f.unrestricted());
    EXPECT_FALSE(f.allowsRequest(0x00, 0x02, 0, Bytes{0x00}));
    EXPECT_TRUE(f.allowsRequest(0x06, 0x47, 0, {}));
    EXPECT_TRUE(parsed("allow=*:*,raw-master-write-read").unrestricted());
    EXPECT_FALSE(parsed("allow=*:*").unrestricted()); // raw bus access not named
}

TEST(PolicyText, BadTextIsRefusedWithWhatIsWrong)
{
    const std::vector<std::pair<std::string, std::string>> bad{
        {"", "bad policy '': an empty part"},
        {"monitor;", "an empty part"},
        {"root", "unknown part 'root': expected full, monitor, allow=RULES or deny=RULES"},
        {"monitor;full", "more than one preset ('full' after 'monitor')"},
        {"allow=", "an empty rule in 'allow='"},
        {"allow=0x06:0x01,,0x06:0x02", "an empty rule"},
        {"allow=0x06", "rule '0x06': expected NETFN:CMD[:BODY][@LUN]"},
        {"allow=0x06:0x01:0x00:0x00", "expected NETFN:CMD[:BODY][@LUN]"},
        {"allow=0x40:0x01", "rule '0x40:0x01': netfn 0x40 is out of range (0 to 0x3f)"},
        {"allow=0x06:0x100", "command 0x100 is out of range (0 to 0xff)"},
        {"allow=0x06:zz", "command 'zz' is not a number or '*'"},
        {"allow=0x:0x01", "netfn '0x' is not a number or '*'"},
        {"allow=0x06:0x01@4", "LUN 4 is out of range (0 to 0x3)"},
        {"allow=0x06:0x01@*", "LUN '*' is not a number"},
        {"allow=0x06:0x01:0xdc", "a defining body is only meaningful under netfn 0x2c"},
        {"deny=raw-master-write-read", "raw-master-write-read can only be allowed"},
        {"deny=0x00:0x02", "it allows nothing: name a preset (full, monitor) or allow= rules"},
    };
    for (const auto& [text, message] : bad) {
        const auto r = NodePolicy::parse(text);
        ASSERT_TRUE(std::holds_alternative<std::string>(r)) << text;
        const auto& error = std::get<std::string>(r);
        EXPECT_NE(error.find(message), std::string::npos) << text << " -> " << error;
        EXPECT_NE(error.find("bad policy '" + text + "'"), std::string::npos) << error;
    }
}

} // namespace
} // namespace ipmi::cuse::testing
