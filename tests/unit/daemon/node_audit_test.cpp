#include "abi/ipmi.hpp"
#include "daemon/node_audit.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ipmi::daemon {
namespace {

const std::string kNode = "ipmi0-monitor";

struct Audited
{
    std::vector<AuditEntry> entries;
    int lookups = 0;
    AuditLog log;
    NodeAudit audit;

    explicit Audited(AuditScope scope)
        : log(scope, AuditLimits{1000, 1000.0}, [this](const AuditEntry& e) { entries.push_back(e); }),
          audit(log, [this](pid_t pid) {
              ++lookups;
              return "tool" + std::to_string(pid);
          })
    {
    }
};

cuse::GateDecision decision(bool allowed, bool readOnly, std::uint8_t netfn, std::uint8_t cmd)
{
    return cuse::GateDecision{kNode,
                              cuse::Caller{77, 1000, 110},
                              abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
                              false,
                              abi::IPMI_BMC_CHANNEL,
                              5,
                              netfn,
                              cmd,
                              0,
                              allowed,
                              readOnly,
                              std::nullopt};
}

cuse::GateAnswer answer(std::uint8_t netfn, std::uint8_t cmd, std::uint8_t cc, bool followed, bool readOnly)
{
    return cuse::GateAnswer{kNode,
                            abi::IPMI_RESPONSE_RECV_TYPE,
                            abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
                            5,
                            netfn,
                            cmd,
                            cc,
                            followed,
                            cuse::Caller{77, 1000, 110},
                            readOnly};
}

TEST(NodeAudit, ARefusalIsRecordedOnceWithD4AndCounted)
{
    Audited a(AuditScope::Changes);
    EXPECT_FALSE(a.audit.decided(decision(false, false, 0x00, 0x02)));
    a.audit.answered(answer(0x01, 0x02, 0xd4, false, false)); // the refusal's own answer
    ASSERT_EQ(a.entries.size(), 1U);
    EXPECT_EQ(a.entries[0].message, "ipmi0-monitor: uid 1000 gid 110 pid 77 (tool77) netfn 0x00 cmd 0x02 to the "
                                    "BMC: refused, completion code 0xd4");
    EXPECT_EQ(a.audit.counters().requests, 1U);
    EXPECT_EQ(a.audit.counters().refusals, 1U);
}

TEST(NodeAudit, AChangeIsRecordedWhenSentAndWithItsCompletionCodeWhenAnswered)
{
    Audited a(AuditScope::Changes);
    EXPECT_TRUE(a.audit.decided(decision(true, false, 0x00, 0x02)));
    a.audit.answered(answer(0x01, 0x02, 0x00, true, false));
    ASSERT_EQ(a.entries.size(), 2U);
    EXPECT_NE(a.entries[0].message.find("netfn 0x00 cmd 0x02 to the BMC: sent"), std::string::npos)
        << a.entries[0].message;
    EXPECT_NE(a.entries[1].message.find("netfn 0x00 cmd 0x02 to the BMC: answered, completion code 0x00"),
              std::string::npos)
        << a.entries[1].message;
    EXPECT_EQ(a.lookups, 1) << "the caller's name is read from /proc once";
    EXPECT_EQ(a.audit.counters().refusals, 0U);
}

TEST(NodeAudit, ReadsAreCountedButRecordedOnlyWithScopeAll)
{
    Audited changes(AuditScope::Changes);
    EXPECT_FALSE(changes.audit.decided(decision(true, true, 0x06, 0x01)));
    changes.audit.answered(answer(0x07, 0x01, 0x00, false, true));
    EXPECT_TRUE(changes.entries.empty());
    EXPECT_EQ(changes.audit.counters().requests, 1U);

    Audited all(AuditScope::All);
    EXPECT_TRUE(all.audit.decided(decision(true, true, 0x06, 0x01)));
    EXPECT_TRUE(all.entries.empty()) << "a read is recorded with its answer only";
    all.audit.answered(answer(0x07, 0x01, 0x00, true, true));
    ASSERT_EQ(all.entries.size(), 1U);
    EXPECT_EQ(all.entries[0].priority, 6);
}

TEST(NodeAudit, ABridgedRefusalNamesTheResponder)
{
    Audited a(AuditScope::Changes);
    cuse::GateDecision bridged = decision(false, false, 0x00, 0x02);
    bridged.addrType = abi::IPMI_IPMB_ADDR_TYPE;
    bridged.channel = 0;
    bridged.slaveAddr = 0x72;
    a.audit.decided(bridged);
    ASSERT_EQ(a.entries.size(), 1U);
    EXPECT_NE(a.entries[0].message.find("to IPMB 0x72 on channel 0: refused, completion code 0xd4"), std::string::npos)
        << a.entries[0].message;
}

TEST(NodeAudit, ARefusedIoctlIsRecordedWithItsNumber)
{
    Audited a(AuditScope::Changes);
    a.audit.ioctlRefused(cuse::GateIoctlRefusal{kNode, cuse::Caller{77, 1000, 110}, 0x8004690e});
    ASSERT_EQ(a.entries.size(), 1U);
    EXPECT_EQ(a.entries[0].message, "ipmi0-monitor: uid 1000 gid 110 pid 77 (tool77) ioctl 0x8004690e: refused, EPERM");
    EXPECT_EQ(a.audit.counters().refusedIoctls, 1U);
}

TEST(NodeAudit, ScopeOffRecordsNothingButStillCounts)
{
    Audited a(AuditScope::Off);
    EXPECT_FALSE(a.audit.decided(decision(false, false, 0x00, 0x02)));
    EXPECT_TRUE(a.entries.empty());
    EXPECT_EQ(a.audit.counters().refusals, 1U);
}

} // namespace
} // namespace ipmi::daemon
