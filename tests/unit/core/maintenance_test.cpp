// Maintenance mode: GET returns the configured mode, SET validates, and AUTO
// is entered for 30 s (from the last such command) by Cold/Warm Reset or any
// Firmware-netfn request to the BMC; while on, events are not polled. The
// same commands over IPMB make the default IPMB retry time 3000 ms.
#include "tests/unit/core/core_fixture.hpp"

#include <cerrno>

namespace ipmi::core::testing {
namespace {

class MaintenanceTest : public CoreTest
{
  protected:
    int getMode(IpmiFile& f)
    {
        int mode = -100;
        EXPECT_EQ(ioctl(f, IPMICTL_GET_MAINTENANCE_MODE_CMD, &mode), 0);
        return mode;
    }
    IoctlResult setMode(IpmiFile& f, int mode) { return ioctl(f, IPMICTL_SET_MAINTENANCE_MODE_CMD, &mode); }
};

TEST_F(MaintenanceTest, GetAndSetConfiguredMode)
{
    auto f = open();
    EXPECT_EQ(getMode(*f), IPMI_MAINTENANCE_MODE_AUTO);
    EXPECT_EQ(setMode(*f, 3), -EINVAL);
    EXPECT_EQ(setMode(*f, -1), -EINVAL);
    EXPECT_EQ(setMode(*f, IPMI_MAINTENANCE_MODE_ON), 0);
    EXPECT_TRUE(bmc->maintenance());
    EXPECT_EQ(getMode(*f), IPMI_MAINTENANCE_MODE_ON);
    EXPECT_EQ(setMode(*f, IPMI_MAINTENANCE_MODE_OFF), 0);
    EXPECT_FALSE(bmc->maintenance());
    auto g = open();
    EXPECT_EQ(getMode(*g), IPMI_MAINTENANCE_MODE_OFF); // per interface
}

TEST_F(MaintenanceTest, ColdResetEntersAutoMaintenanceForThirtySeconds)
{
    auto f = open();
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x02), 0); // Cold Reset
    EXPECT_TRUE(bmc->maintenance());
    EXPECT_EQ(getMode(*f), IPMI_MAINTENANCE_MODE_AUTO); // still the configured mode
    EXPECT_TRUE(mh->interfaceStatus(ifnum)->maintenanceActive);
    bmc->respondCc(0);
    loop.advance(milliseconds(10000));
    EXPECT_EQ(send(*f, siAddr(), 2, 0x08, 0x7F), 0); // any Firmware request re-arms
    bmc->respondCc(0);
    loop.advance(milliseconds(29999));
    EXPECT_TRUE(bmc->maintenance());
    loop.advance(milliseconds(1));
    EXPECT_FALSE(bmc->maintenance());
    EXPECT_FALSE(mh->interfaceStatus(ifnum)->maintenanceActive);
}

TEST_F(MaintenanceTest, WarmResetAndModeOffAndOn)
{
    auto f = open();
    EXPECT_EQ(setMode(*f, IPMI_MAINTENANCE_MODE_OFF), 0);
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x03), 0); // Warm Reset
    bmc->respondCc(0);
    EXPECT_FALSE(bmc->maintenance()); // OFF forbids it
    // back to AUTO while the 30 s are still running: on
    EXPECT_EQ(setMode(*f, IPMI_MAINTENANCE_MODE_AUTO), 0);
    EXPECT_TRUE(bmc->maintenance());
    loop.advance(milliseconds(30000));
    EXPECT_FALSE(bmc->maintenance());
    EXPECT_EQ(setMode(*f, IPMI_MAINTENANCE_MODE_ON), 0);
    loop.advance(milliseconds(60000));
    EXPECT_TRUE(bmc->maintenance()); // ON does not time out
    // an ordinary command does nothing
    EXPECT_EQ(setMode(*f, IPMI_MAINTENANCE_MODE_AUTO), 0);
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x01), 0);
    EXPECT_FALSE(bmc->maintenance());
}

TEST_F(MaintenanceTest, NoEventPollingDuringMaintenance)
{
    auto f = open();
    int on = 1;
    EXPECT_EQ(ioctl(*f, IPMICTL_SET_GETS_EVENTS_CMD, &on), 0);
    EXPECT_EQ(send(*f, siAddr(), 1, 0x06, 0x02), 0);
    bmc->respondCc(0);
    loop.advance(milliseconds(30000));
    EXPECT_EQ(bmc->eventRequests(), 0);
    loop.advance(milliseconds(1000));
    EXPECT_EQ(bmc->eventRequests(), 1);
}

TEST_F(MaintenanceTest, IpmbResetMakesTheDefaultRetryTimeLonger)
{
    auto f = open();
    const auto t0 = loop.now();
    EXPECT_EQ(send(*f, ipmbAddr(0, 0x52), 1, 0x06, 0x02), 0); // Cold Reset over IPMB
    bmc->respondCc(0);
    EXPECT_FALSE(bmc->maintenance()); // not the local BMC's maintenance
    loop.advance(milliseconds(2999));
    EXPECT_FALSE(bmc->pending());
    loop.advance(milliseconds(1));
    EXPECT_TRUE(bmc->pending()); // retried after 3000 ms, not 2000
    EXPECT_EQ(loop.now() - t0, milliseconds(3000));
}

} // namespace
} // namespace ipmi::core::testing
