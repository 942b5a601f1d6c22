// Chassis commands and the power state machine; sensors, thresholds, event
// enables and threshold events from readings that move under advance().
#include "bmc_fixture.hpp"

namespace ipmi::sim::testing {
namespace {

class ChassisTest : public BmcTest
{};

TEST_F(ChassisTest, StatusCapabilitiesAndControl)
{
    EXPECT_EQ(call(0x00, 0x00), (Bytes{0x00, 0x04, 0x20, 0x20, 0x20, 0x20}));
    EXPECT_EQ(call(0x00, 0x01), (Bytes{0x00, 0x41, 0x00, 0x40}));
    EXPECT_EQ(call(0x00, 0x02, {0x00}), (Bytes{0x00})); // power down
    EXPECT_FALSE(bmc_.chassisPowerOn());
    EXPECT_EQ(call(0x00, 0x01), (Bytes{0x00, 0x40, 0x00, 0x40}));
    EXPECT_EQ(call(0x06, 0x07), (Bytes{0x00, 0x05, 0x00})); // ACPI S5
    EXPECT_EQ(call(0x00, 0x02, {0x02}), (Bytes{0xD5}));     // no cycle while off
    EXPECT_EQ(call(0x00, 0x02, {0x03}), (Bytes{0xD5}));
    EXPECT_EQ(call(0x00, 0x02, {0x01}), (Bytes{0x00})); // power up
    EXPECT_EQ(call(0x00, 0x01), (Bytes{0x00, 0x41, 0x10, 0x40}));
    EXPECT_EQ(call(0x00, 0x07), (Bytes{0x00, 0x01, 0x0F}));
    EXPECT_EQ(call(0x00, 0x02, {0x03}), (Bytes{0x00})); // hard reset
    EXPECT_EQ(bmc_.chassisResets(), 1U);
    EXPECT_EQ(call(0x00, 0x02, {0x02}), (Bytes{0x00})); // power cycle
    EXPECT_FALSE(bmc_.chassisPowerOn());
    ASSERT_TRUE(bmc_.nextDeadline());
    EXPECT_EQ(*bmc_.nextDeadline(), t0 + 1s);
    advanceBy(999ms);
    EXPECT_FALSE(bmc_.chassisPowerOn());
    advanceBy(1ms);
    EXPECT_TRUE(bmc_.chassisPowerOn());
    EXPECT_EQ(call(0x00, 0x02, {0x06}), (Bytes{0xCC}));
    EXPECT_EQ(call(0x00, 0x02), (Bytes{0xC7}));
}

TEST_F(ChassisTest, IdentifyAndRestorePolicy)
{
    EXPECT_EQ(call(0x00, 0x04, {0x05}), (Bytes{0x00}));
    EXPECT_EQ(call(0x00, 0x01)[3], 0x50);
    advanceBy(5s);
    EXPECT_EQ(call(0x00, 0x01)[3], 0x40);
    EXPECT_EQ(call(0x00, 0x04, {0x00, 0x01}), (Bytes{0x00}));
    EXPECT_EQ(call(0x00, 0x01)[3], 0x60);
    EXPECT_EQ(call(0x00, 0x04, {0x00}), (Bytes{0x00}));
    EXPECT_EQ(call(0x00, 0x01)[3], 0x40);
    EXPECT_EQ(call(0x00, 0x04), (Bytes{0x00})); // default 15 s
    advanceBy(14s);
    EXPECT_EQ(call(0x00, 0x01)[3], 0x50);
    advanceBy(1s);
    EXPECT_EQ(call(0x00, 0x01)[3], 0x40);

    EXPECT_EQ(call(0x00, 0x06, {0x00}), (Bytes{0x00, 0x07}));
    EXPECT_EQ(call(0x00, 0x01)[1], 0x01);
    EXPECT_EQ(call(0x00, 0x06, {0x03}), (Bytes{0x00, 0x07})); // no change
    EXPECT_EQ(call(0x00, 0x01)[1], 0x01);
    EXPECT_EQ(call(0x00, 0x06, {0x04}), (Bytes{0xCC}));
}

TEST_F(ChassisTest, BootOptions)
{
    EXPECT_EQ(call(0x00, 0x09, {0x05, 0x00, 0x00}), (Bytes{0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00}));
    // PXE boot override, valid, once.
    EXPECT_EQ(call(0x00, 0x08, {0x05, 0x80, 0x04, 0x00, 0x00, 0x00}), (Bytes{0x00}));
    EXPECT_EQ(call(0x00, 0x09, {0x05, 0x00, 0x00}), (Bytes{0x00, 0x01, 0x05, 0x80, 0x04, 0x00, 0x00, 0x00}));
    EXPECT_EQ(call(0x00, 0x08, {0x05, 0x80}), (Bytes{0xC7}));
    EXPECT_EQ(call(0x00, 0x09, {0x30, 0x00, 0x00}), (Bytes{0x80}));
    EXPECT_EQ(call(0x00, 0x08, {0x00, 0x01}), (Bytes{0x00}));
    EXPECT_EQ(call(0x00, 0x08, {0x00, 0x01}), (Bytes{0x81})); // already in progress
    EXPECT_EQ(call(0x00, 0x08, {0x00, 0x00}), (Bytes{0x00}));
    EXPECT_EQ(call(0x00, 0x08, {0x04, 0x01, 0x01}), (Bytes{0x00}));
    EXPECT_EQ(call(0x00, 0x09, {0x04, 0x00, 0x00}), (Bytes{0x00, 0x01, 0x04, 0x00, 0x01}));
    // A chassis-control reset consumes the override.
    EXPECT_EQ(call(0x00, 0x02, {0x03}), (Bytes{0x00}));
    EXPECT_EQ(call(0x00, 0x09, {0x05, 0x00, 0x00})[3], 0x00);
}

class SensorTest : public BmcTest
{
  protected:
    // Events land in the SEL; returns the SEL records after `from`.
    std::vector<Bytes> selRecords()
    {
        std::vector<Bytes> out;
        std::uint16_t id = 0;
        while (id != 0xFFFF && out.size() < 100) {
            Bytes r = call(
                0x0A, 0x43,
                {0x00, 0x00, static_cast<std::uint8_t>(id & 0xFF), static_cast<std::uint8_t>(id >> 8), 0x00, 0xFF});
            if (r.size() != 19) {
                break;
            }
            id = static_cast<std::uint16_t>(r[1] | (r[2] << 8));
            out.emplace_back(r.begin() + 3, r.end());
        }
        return out;
    }
};

TEST_F(SensorTest, ReadingThresholdsAndErrors)
{
    EXPECT_EQ(call(0x04, 0x2D, {0x01}), (Bytes{0x00, 45, 0xC0, 0x00}));
    EXPECT_EQ(call(0x04, 0x2D, {0x10}), (Bytes{0x00, 200, 0xC0, 0x00}));
    EXPECT_EQ(call(0x04, 0x2D, {0x77}), (Bytes{0xCB}));
    EXPECT_EQ(call(0x04, 0x2F, {0x20}), (Bytes{0x00, 0x04, 0x01}));
    EXPECT_EQ(call(0x04, 0x27, {0x01}), (Bytes{0x00, 0x38, 0, 0, 0, 80, 90, 100}));
    EXPECT_EQ(call(0x04, 0x27, {0x20}), (Bytes{0x00, 0x07, 30, 20, 10, 0, 0, 0}));
    EXPECT_EQ(call(0x04, 0x26, {0x01, 0x01, 40, 0, 0, 0, 0, 0}), (Bytes{0xCC})); // no LNC on CPU Temp
    EXPECT_EQ(call(0x04, 0x26, {0x01, 0x08, 0, 0, 0, 44, 0, 0}), (Bytes{0x00}));
    // 45 >= new UNC 44: status bit 3.
    EXPECT_EQ(call(0x04, 0x2D, {0x01}), (Bytes{0x00, 45, 0xC0, 0x08}));
    EXPECT_EQ(call(0x04, 0x27, {0x01}), (Bytes{0x00, 0x38, 0, 0, 0, 44, 90, 100}));
    EXPECT_EQ(call(0x04, 0x26, {0x01, 0x08}), (Bytes{0xC7}));
    EXPECT_EQ(call(0x04, 0x25, {0x01, 0xFF}), (Bytes{0x00, 2, 2}));
    EXPECT_EQ(call(0x04, 0x24, {0x01, 0xFF, 3, 4}), (Bytes{0x00}));
    EXPECT_EQ(call(0x04, 0x25, {0x01, 0xFF}), (Bytes{0x00, 3, 4}));
}

TEST_F(SensorTest, ThresholdCrossingGeneratesEventsWithHysteresis)
{
    std::size_t before = selRecords().size();
    bmc_.setSensorRaw(0x01, 80); // UNC asserts
    auto records = selRecords();
    ASSERT_EQ(records.size(), before + 1);
    EXPECT_EQ(Bytes(records.back().begin() + 7, records.back().end()),
              (Bytes{0x20, 0x00, 0x04, 0x01, 0x01, 0x01, 0x57, 80, 80}));
    bmc_.setSensorRaw(0x01, 79); // within the 2-count hysteresis: nothing
    EXPECT_EQ(selRecords().size(), before + 1);
    bmc_.setSensorRaw(0x01, 77); // deassertion
    records = selRecords();
    ASSERT_EQ(records.size(), before + 2);
    EXPECT_EQ(records.back()[12], 0x81);
    EXPECT_EQ(records.back()[13], 0x57);

    // Disable UNC-going-high assertions; UC still reports.
    EXPECT_EQ(call(0x04, 0x28, {0x01, 0xC0 | 0x20, 0x80, 0x00}), (Bytes{0x00}));
    EXPECT_EQ(call(0x04, 0x29, {0x01}), (Bytes{0x00, 0xC0, 0x00, 0x0A, 0x80, 0x0A}));
    bmc_.setSensorRaw(0x01, 95);
    records = selRecords();
    ASSERT_EQ(records.size(), before + 3);
    EXPECT_EQ(records.back()[13], 0x59); // UC going high
    // All events off.
    EXPECT_EQ(call(0x04, 0x28, {0x01, 0x40}), (Bytes{0x00}));
    bmc_.setSensorRaw(0x01, 101);
    EXPECT_EQ(selRecords().size(), before + 3);
    EXPECT_EQ(call(0x04, 0x2D, {0x01}), (Bytes{0x00, 101, 0x40, 0x38}));
    EXPECT_EQ(call(0x04, 0x28, {0x01, 0xF0}), (Bytes{0xCC}));
}

TEST(SensorMotionTest, MovingFanCrossesLowerThresholdAndRaisesAttention)
{
    BmcConfig config = BmcConfig::defaults();
    for (SensorConfig& s : config.sensors) {
        s.motion.kind = SensorMotion::Kind::Constant;
    }
    SensorConfig& fan = config.sensors[4];
    fan.initialRaw = 34;
    fan.motion = {SensorMotion::Kind::Triangle, 2, std::chrono::milliseconds{1000}, 26, 40};
    Bmc bmc(config, t0);
    std::optional<Bytes> rsp;
    auto run = [&bmc, &rsp](Bytes req) {
        rsp.reset();
        bmc.handleRequest(req, [&rsp](Bytes r) { rsp = std::move(r); });
        return *rsp;
    };
    run({0x18, 0x2E, 0x0C}); // event buffer on
    ASSERT_TRUE(bmc.nextDeadline());
    EXPECT_EQ(*bmc.nextDeadline(), t0 + 1s);
    bmc.advance(t0 + 1s); // 36
    EXPECT_EQ(run({0x10, 0x2D, 0x20}), (Bytes{0x14, 0x2D, 0x00, 36, 0xC0, 0x00}));
    EXPECT_FALSE(bmc.attention());
    bmc.advance(t0 + 4s); // 38, 40 (top), 38
    EXPECT_EQ(run({0x10, 0x2D, 0x20})[3], 38);
    EXPECT_FALSE(bmc.attention());
    bmc.advance(t0 + 8s); // 36, 34, 32, 30: LNC asserts (at or below 30)
    EXPECT_EQ(run({0x10, 0x2D, 0x20})[3], 30);
    EXPECT_TRUE(bmc.attention());
    Bytes event = run({0x18, 0x35});
    ASSERT_EQ(event.size(), 19U);
    EXPECT_EQ(Bytes(event.begin() + 10, event.end()), (Bytes{0x20, 0x00, 0x04, 0x04, 0x20, 0x01, 0x50, 30, 30}));
}

} // namespace
} // namespace ipmi::sim::testing
