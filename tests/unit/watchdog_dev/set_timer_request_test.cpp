// Set Watchdog Timer bytes for each parameter combination, as the kernel's
// __ipmi_set_timeout builds them.
#include "watchdog_dev/set_timer_request.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ipmi::watchdog {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes build(const TimerSettings& s)
{
    const auto a = buildSetWatchdogTimer(s);
    return Bytes(a.begin(), a.end());
}

TEST(SetWatchdogTimer, StoppedTimerSendsActionNoneAndNoPretimeout)
{
    EXPECT_EQ(build({Action::None, PreAction::None, 0, 10, true}), (Bytes{0x04, 0x00, 0x00, 0x00, 0x64, 0x00}));
    // A configured pretimeout and preaction are left out while stopped.
    EXPECT_EQ(build({Action::None, PreAction::Int, 5, 10, true}), (Bytes{0x04, 0x00, 0x00, 0x00, 0x64, 0x00}));
    EXPECT_FALSE(setStopsTimer({Action::None, PreAction::None, 0, 10, false}));
}

TEST(SetWatchdogTimer, EachActionWhileRunning)
{
    EXPECT_EQ(build({Action::Reset, PreAction::None, 0, 10, true}), (Bytes{0x44, 0x01, 0x00, 0x00, 0x64, 0x00}));
    EXPECT_EQ(build({Action::PowerOff, PreAction::None, 0, 10, true}), (Bytes{0x44, 0x02, 0x00, 0x00, 0x64, 0x00}));
    EXPECT_EQ(build({Action::PowerCycle, PreAction::None, 0, 10, true}), (Bytes{0x44, 0x03, 0x00, 0x00, 0x64, 0x00}));
}

TEST(SetWatchdogTimer, EachPreactionWithAPretimeout)
{
    EXPECT_EQ(build({Action::Reset, PreAction::None, 5, 10, true}), (Bytes{0x44, 0x01, 0x05, 0x00, 0x64, 0x00}));
    EXPECT_EQ(build({Action::Reset, PreAction::Smi, 5, 10, true}), (Bytes{0x44, 0x11, 0x05, 0x00, 0x64, 0x00}));
    EXPECT_EQ(build({Action::Reset, PreAction::Nmi, 5, 10, true}), (Bytes{0x44, 0x21, 0x05, 0x00, 0x64, 0x00}));
    EXPECT_EQ(build({Action::PowerCycle, PreAction::Int, 9, 10, true}), (Bytes{0x44, 0x33, 0x09, 0x00, 0x64, 0x00}));
    // Pretimeout 0: no interrupt bits even with a preaction configured.
    EXPECT_EQ(build({Action::Reset, PreAction::Int, 0, 10, true}), (Bytes{0x44, 0x01, 0x00, 0x00, 0x64, 0x00}));
}

TEST(SetWatchdogTimer, Ipmi10HasNoDontStopBitAndNeedsAReset)
{
    const TimerSettings s{Action::Reset, PreAction::Int, 2, 10, false};
    EXPECT_EQ(build(s), (Bytes{0x04, 0x31, 0x02, 0x00, 0x64, 0x00}));
    EXPECT_TRUE(setStopsTimer(s));
    EXPECT_FALSE(setStopsTimer({Action::Reset, PreAction::Int, 2, 10, true}));
}

TEST(SetWatchdogTimer, CountdownIsLsbFirstIn100msAndWrapsLikeTheKernel)
{
    EXPECT_EQ(build({Action::Reset, PreAction::None, 0, 255, true})[4], 0xF6);
    EXPECT_EQ(build({Action::Reset, PreAction::None, 0, 255, true})[5], 0x09);
    EXPECT_EQ(build({Action::Reset, PreAction::None, 0, 6553, true}), (Bytes{0x44, 0x01, 0x00, 0x00, 0xFA, 0xFF}));
    EXPECT_EQ(build({Action::Reset, PreAction::None, 0, 6554, true}), (Bytes{0x44, 0x01, 0x00, 0x00, 0x04, 0x00}));
    EXPECT_EQ(build({Action::Reset, PreAction::None, 0, -1, true}), (Bytes{0x44, 0x01, 0x00, 0x00, 0xF6, 0xFF}));
    EXPECT_EQ(build({Action::Reset, PreAction::None, 0, 0, true}), (Bytes{0x44, 0x01, 0x00, 0x00, 0x00, 0x00}));
    EXPECT_EQ(build({Action::Reset, PreAction::Int, 300, 10, true})[2], 44);
    EXPECT_EQ(build({Action::Reset, PreAction::Int, -1, 10, true})[1], 0x01);
    EXPECT_EQ(build({Action::Reset, PreAction::Int, -1, 10, true})[2], 0x00);
}

} // namespace
} // namespace ipmi::watchdog
