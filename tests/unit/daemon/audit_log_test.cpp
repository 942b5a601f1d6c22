#include "abi/ipmi.hpp"
#include "daemon/audit_log.hpp"
#include "tests/unit/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ipmi::daemon {
namespace {

using namespace std::chrono_literals;

AuditRecord chassisOff(const std::string& node = "ipmi0-monitor")
{
    AuditRecord r;
    r.node = node;
    r.pid = 4242;
    r.uid = 1000;
    r.gid = 110;
    r.comm = "ipmitool";
    r.netfn = 0x00;
    r.cmd = 0x02;
    r.addrType = abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    r.channel = 0xf;
    r.event = AuditRecord::Event::Refused;
    r.changesState = true;
    r.completionCode = 0xd4;
    return r;
}

std::string field(const AuditEntry& e, const std::string& name)
{
    for (const auto& [key, value] : e.fields) {
        if (key == name) {
            return value;
        }
    }
    return "<absent>";
}

struct Recorder
{
    std::vector<AuditEntry> entries;
    std::chrono::steady_clock::time_point now{};
    AuditLog log(AuditScope scope, AuditLimits limits = {})
    {
        return AuditLog(
            scope, limits, [this](const AuditEntry& e) { entries.push_back(e); }, [this] { return now; });
    }
};

TEST(AuditLog, ARefusalCarriesTheCallerTheCommandAndTheCompletionCode)
{
    const AuditEntry e = AuditLog::entryOf(chassisOff(), 0);
    EXPECT_EQ(e.priority, 5);
    EXPECT_EQ(e.message, "ipmi0-monitor: uid 1000 gid 110 pid 4242 (ipmitool) netfn 0x00 cmd 0x02 to the BMC: "
                         "refused, completion code 0xd4");
    EXPECT_EQ(field(e, "IPMI_NODE"), "ipmi0-monitor");
    EXPECT_EQ(field(e, "IPMI_EVENT"), "refused");
    EXPECT_EQ(field(e, "IPMI_CALLER_PID"), "4242");
    EXPECT_EQ(field(e, "IPMI_CALLER_UID"), "1000");
    EXPECT_EQ(field(e, "IPMI_CALLER_GID"), "110");
    EXPECT_EQ(field(e, "IPMI_CALLER_COMM"), "ipmitool");
    EXPECT_EQ(field(e, "IPMI_NETFN"), "0x00");
    EXPECT_EQ(field(e, "IPMI_CMD"), "0x02");
    EXPECT_EQ(field(e, "IPMI_COMPLETION_CODE"), "0xd4");
    EXPECT_EQ(field(e, "IPMI_CHANGES_STATE"), "1");
    EXPECT_EQ(field(e, "IPMI_SLAVE_ADDR"), "<absent>");
}

TEST(AuditLog, ABridgedRequestNamesWhereItWent)
{
    AuditRecord r = chassisOff();
    r.addrType = abi::IPMI_IPMB_ADDR_TYPE;
    r.channel = 0;
    r.slaveAddr = 0x72;
    r.event = AuditRecord::Event::Answered;
    r.completionCode = 0x00;
    const AuditEntry e = AuditLog::entryOf(r, 0);
    EXPECT_NE(e.message.find("to IPMB 0x72 on channel 0: answered, completion code 0x00"), std::string::npos)
        << e.message;
    EXPECT_EQ(field(e, "IPMI_SLAVE_ADDR"), "0x72");
    EXPECT_EQ(field(e, "IPMI_EVENT"), "answered");
}

TEST(AuditLog, ScopeChangesKeepsRefusalsAndChangesOnly)
{
    Recorder rec;
    AuditLog log = rec.log(AuditScope::Changes);
    AuditRecord read = chassisOff();
    read.event = AuditRecord::Event::Sent;
    read.changesState = false;
    read.completionCode.reset();
    log.record(read);
    EXPECT_TRUE(rec.entries.empty());
    log.record(chassisOff());
    AuditRecord change = chassisOff();
    change.event = AuditRecord::Event::Sent;
    change.completionCode.reset();
    log.record(change);
    ASSERT_EQ(rec.entries.size(), 2U);
    EXPECT_EQ(field(rec.entries[1], "IPMI_EVENT"), "sent");
}

TEST(AuditLog, ScopeAllKeepsReadsAtInfoAndOffKeepsNothing)
{
    Recorder rec;
    AuditLog all = rec.log(AuditScope::All);
    AuditRecord read = chassisOff();
    read.event = AuditRecord::Event::Sent;
    read.changesState = false;
    all.record(read);
    ASSERT_EQ(rec.entries.size(), 1U);
    EXPECT_EQ(rec.entries[0].priority, 6);
    AuditLog off = rec.log(AuditScope::Off);
    off.record(chassisOff());
    EXPECT_EQ(rec.entries.size(), 1U);
    EXPECT_FALSE(off.wants(true, true));
}

TEST(AuditLog, ALoopingClientIsRateLimitedPerNodeAndTheGapIsReported)
{
    Recorder rec;
    AuditLog log = rec.log(AuditScope::Changes, AuditLimits{3, 1.0});
    for (int i = 0; i < 10; ++i) {
        log.record(chassisOff());
    }
    EXPECT_EQ(rec.entries.size(), 3U);
    EXPECT_EQ(log.suppressed(), 7U);
    // Another node has a bucket of its own.
    log.record(chassisOff("ipmi0"));
    EXPECT_EQ(rec.entries.size(), 4U);
    // A second later one token is back; the record says what was dropped.
    rec.now += 1s;
    log.record(chassisOff());
    ASSERT_EQ(rec.entries.size(), 5U);
    EXPECT_EQ(field(rec.entries[4], "IPMI_AUDIT_SUPPRESSED"), "7");
    EXPECT_NE(rec.entries[4].message.find("(7 earlier records of this node not logged: rate limit)"),
              std::string::npos);
    log.record(chassisOff());
    EXPECT_EQ(rec.entries.size(), 5U);
}

TEST(AuditLog, ProcessNameReadsCommAndSaysSoWhenTheProcessIsGone)
{
    const ipmi::testing::TempDir dir;
    dir.write("77/comm", "ipmi_exporter\n");
    EXPECT_EQ(processName(77, dir.path().string()), "ipmi_exporter");
    EXPECT_EQ(processName(78, dir.path().string()), "?");
}

TEST(AuditLog, ScopesAreSpelledOffChangesAll)
{
    EXPECT_EQ(parseAuditScope("off"), AuditScope::Off);
    EXPECT_EQ(parseAuditScope("changes"), AuditScope::Changes);
    EXPECT_EQ(parseAuditScope("all"), AuditScope::All);
    EXPECT_EQ(parseAuditScope("some"), std::nullopt);
}

} // namespace
} // namespace ipmi::daemon
