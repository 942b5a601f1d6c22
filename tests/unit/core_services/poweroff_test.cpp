// Power-off: detection in the kernel's order and each method's exact bytes
// through a scripted BMC; the shutdown-hook runner.
#include "core/services/poweroff.hpp"
#include "core/services/poweroff_run.hpp"
#include "tests/unit/core_services/services_fixture.hpp"

namespace ipmi::core::services::testing {
namespace {

using std::chrono::milliseconds;

const Bytes kGetDeviceId{0x18, 0x01};
const Bytes kPicmgGetAddressInfo{0xB0, 0x01, 0x00};

class PowerOffTest : public ServicesTest
{
  protected:
    void SetUp() override
    {
        ServicesTest::SetUp();
        bmc = addInterface();
        answer(0x2C, 0x01, {0xC1}); // not ATCA unless a test says so
    }

    std::unique_ptr<PowerOff> detect(int cycle = 0, int ifnumToUse = -1)
    {
        auto po = std::make_unique<PowerOff>(*mh, PowerOffConfig{ifnumToUse, [this, cycle] {
                                                                     ++cycleReads;
                                                                     return cycle;
                                                                 }});
        po->start([this](const PowerOffDetection& d) { detections.push_back(d); });
        loop.runPosted();
        return po;
    }

    std::optional<PowerOffOutcome> powerOff(PowerOff& po)
    {
        std::optional<PowerOffOutcome> out;
        po.powerOff([&out](PowerOffOutcome o) { out = std::move(o); });
        loop.runPosted();
        return out;
    }

    ScriptedInterface* bmc = nullptr;
    std::vector<PowerOffDetection> detections;
    int cycleReads = 0;
};

TEST_F(PowerOffTest, ChassisDevicePowersDownWithChassisControl)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x80));
    answer(0x00, 0x02, {0x00});
    auto po = detect();
    ASSERT_EQ(detections.size(), 1U);
    EXPECT_EQ(detections[0].method, PowerOffMethod::Chassis);
    EXPECT_EQ(detections[0].ifnum, 0);
    ASSERT_TRUE(detections[0].identity);
    EXPECT_EQ(detections[0].identity->manufacturerId, 0x001234U);
    EXPECT_EQ(detections[0].identity->productId, 0x0042U);
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{kGetDeviceId, kPicmgGetAddressInfo}));
    EXPECT_EQ(cycleReads, 0); // read at power-off time, as the kernel does

    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->method, PowerOffMethod::Chassis);
    EXPECT_TRUE(out->commanded);
    EXPECT_FALSE(out->powerCycled);
    EXPECT_EQ(bmc->requests().back(), (Bytes{0x00, 0x02, 0x00}));
    EXPECT_EQ(bmc->requests().size(), 3U);
    EXPECT_EQ(cycleReads, 1);
}

TEST_F(PowerOffTest, PowerCycleWhenSet)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x80));
    answer(0x00, 0x02, {0x00});
    auto po = detect(1);
    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->commanded);
    EXPECT_TRUE(out->powerCycled);
    EXPECT_EQ(bmc->requests().back(), (Bytes{0x00, 0x02, 0x02}));
    EXPECT_EQ(bmc->requests().size(), 3U);
}

TEST_F(PowerOffTest, RefusedPowerCycleFallsBackToPowerDown)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x80));
    answerWith(0x00, 0x02, [](const Bytes& req) { return req[2] == 0x02 ? Bytes{0xCC} : Bytes{0x00}; });
    auto po = detect(7); // any non-zero value means cycle
    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->commanded);
    EXPECT_FALSE(out->powerCycled);
    const auto& r = bmc->requests();
    ASSERT_EQ(r.size(), 4U);
    EXPECT_EQ(r[2], (Bytes{0x00, 0x02, 0x02}));
    EXPECT_EQ(r[3], (Bytes{0x00, 0x02, 0x00}));
    ASSERT_EQ(out->steps.size(), 2U);
    EXPECT_EQ(out->steps[0].cc, 0xCC);
    EXPECT_EQ(out->steps[1].cc, 0x00);
}

TEST_F(PowerOffTest, RefusedPowerDownIsReportedNotRetried)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x80));
    answer(0x00, 0x02, {0xD5});
    auto po = detect();
    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_FALSE(out->commanded);
    ASSERT_TRUE(out->problem.has_value());
    EXPECT_NE(out->problem->find("0xd5"), std::string::npos) << *out->problem;
    EXPECT_EQ(bmc->requests().size(), 3U);
}

TEST_F(PowerOffTest, AtcaSetsPowerLevelZero)
{
    answer(0x06, 0x01, deviceIdAnswer(0x000157, 0x0001, 0x80)); // chassis bit too: ATCA comes first
    answer(0x2C, 0x01, {0x00, 0x00, 0x82, 0x00, 0x41, 0x00, 0x00, 0x00});
    answer(0x2C, 0x11, {0x00, 0x00});
    auto po = detect();
    ASSERT_EQ(detections.size(), 1U);
    EXPECT_EQ(detections[0].method, PowerOffMethod::Atca);
    EXPECT_FALSE(detections[0].pigeonPoint);
    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->commanded);
    EXPECT_EQ(bmc->requests(),
              (std::vector<Bytes>{kGetDeviceId, kPicmgGetAddressInfo, Bytes{0xB0, 0x11, 0x00, 0x00, 0x00, 0x00}}));
}

TEST_F(PowerOffTest, AtcaOnPigeonPointAlsoSendsGracefulRestartAndTolerates0xFF)
{
    answer(0x06, 0x01, deviceIdAnswer(0x0000A1, 0x0051, 0x00));
    answer(0x2C, 0x01, {0x00, 0x00});
    answer(0x2C, 0x11, {0xFF}); // a BMC cutting power mid-answer
    answer(0x2E, 0x11, {0x00});
    auto po = detect();
    ASSERT_EQ(detections.size(), 1U);
    EXPECT_EQ(detections[0].method, PowerOffMethod::Atca);
    EXPECT_TRUE(detections[0].pigeonPoint);
    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->commanded);
    const auto& r = bmc->requests();
    ASSERT_EQ(r.size(), 4U);
    EXPECT_EQ(r[2], (Bytes{0xB0, 0x11, 0x00, 0x00, 0x00, 0x00}));
    EXPECT_EQ(r[3], (Bytes{0xB8, 0x11, 0x00, 0x40, 0x0A}));
}

TEST_F(PowerOffTest, AtcaRefusedSetPowerLevelSkipsPigeonPointExtra)
{
    answer(0x06, 0x01, deviceIdAnswer(0x0000A1, 0x0051, 0x00));
    answer(0x2C, 0x01, {0x00});
    answer(0x2C, 0x11, {0xC1});
    auto po = detect();
    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_FALSE(out->commanded);
    EXPECT_EQ(bmc->requests().size(), 3U);
}

TEST_F(PowerOffTest, PigeonPointIdentityWithoutAtcaIsPlainChassis)
{
    answer(0x06, 0x01, deviceIdAnswer(0x0000A1, 0x0051, 0x80));
    auto po = detect();
    ASSERT_EQ(detections.size(), 1U);
    EXPECT_EQ(detections[0].method, PowerOffMethod::Chassis);
    EXPECT_FALSE(detections[0].pigeonPoint);
}

TEST_F(PowerOffTest, Cpi1SequenceWithHotswapRequestToTheEventReceiver)
{
    answer(0x06, 0x01, deviceIdAnswer(0x000108, 0x0157, 0x80)); // CPI1 beats the chassis bit
    answer(0x3E, 0xA3, {0x00, 12});                             // slot 12 -> 0xB0 + 24
    answer(0x04, 0x01, {0x00, 0x22, 0x01});                     // event receiver 0x22 LUN 1
    answer(0x06, 0x34, {0x00});                                 // Send Message accepted
    answer(0x3E, 0x84, {0x00});
    answer(0x3E, 0x82, {0x00});
    auto po = detect();
    ASSERT_EQ(detections.size(), 1U);
    EXPECT_EQ(detections[0].method, PowerOffMethod::Cpi1);

    std::optional<PowerOffOutcome> out;
    po->powerOff([&out](PowerOffOutcome o) { out = std::move(o); });
    loop.runPosted();
    EXPECT_FALSE(out); // waiting for the hot-swap answer over IPMB
    const auto& r = bmc->requests();
    ASSERT_EQ(r.size(), 5U);
    EXPECT_EQ(r[2], (Bytes{0xF8, 0xA3}));
    EXPECT_EQ(r[3], (Bytes{0x10, 0x01}));
    const unsigned seq = r[4][7] >> 2;
    EXPECT_EQ(r[4], ipmbFrame(0x22, 0x3E, 1, static_cast<std::uint8_t>(seq), 0x80, {0xC8}));

    bmc->receive(ipmbReplyTo(r[4], {0x00}));
    loop.runPosted();
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->commanded);
    ASSERT_EQ(r.size(), 7U);
    EXPECT_EQ(r[5], (Bytes{0xF8, 0x84, 0x01}));
    EXPECT_EQ(r[6], (Bytes{0xF8, 0x82, 0x01}));
}

TEST_F(PowerOffTest, Cpi1GoesOnWhenTheHotswapRequestTimesOut)
{
    answer(0x06, 0x01, deviceIdAnswer(0x000108, 0x0157, 0x00));
    answer(0x3E, 0xA3, {0x00, 3}); // slot 3 -> 0xAE + 6
    answer(0x04, 0x01, {0x00, 0x22, 0x00});
    answer(0x06, 0x34, {0x00});
    answer(0x3E, 0x84, {0x00});
    answer(0x3E, 0x82, {0x00});
    auto po = detect();
    std::optional<PowerOffOutcome> out;
    po->powerOff([&out](PowerOffOutcome o) { out = std::move(o); });
    loop.runPosted();
    ASSERT_GE(bmc->requests().size(), 5U);
    EXPECT_EQ(bmc->requests()[4][9], 0xB4);
    // Default retries (4) x default retry time (2 s), then 0xC3.
    loop.advance(milliseconds(9000));
    EXPECT_FALSE(out);
    loop.advance(milliseconds(2000));
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->commanded);
    EXPECT_EQ(bmc->requests().back(), (Bytes{0xF8, 0x82, 0x01}));
    ASSERT_GE(out->steps.size(), 3U);
    EXPECT_EQ(out->steps[2].cc, 0xC3);
}

TEST_F(PowerOffTest, Cpi1StopsWhenResetStateIsRefused)
{
    answer(0x06, 0x01, deviceIdAnswer(0x000108, 0x0157, 0x00));
    answer(0x3E, 0xA3, {0xC1});
    auto po = detect();
    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_FALSE(out->commanded);
    EXPECT_EQ(bmc->requests().size(), 3U); // only Get Slot
}

TEST_F(PowerOffTest, NothingDetectedGivesUp)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x3F)); // no chassis bit
    auto po = detect();
    ASSERT_EQ(detections.size(), 1U);
    EXPECT_EQ(detections[0].method, PowerOffMethod::None);
    auto out = powerOff(*po);
    ASSERT_TRUE(out);
    EXPECT_FALSE(out->commanded);
    EXPECT_TRUE(out->problem.has_value());
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{kGetDeviceId, kPicmgGetAddressInfo}));
}

TEST_F(PowerOffTest, ShortOrFailedDeviceIdGivesUpBeforeProbingAtca)
{
    answer(0x06, 0x01, {0x00, 0x20, 0x01, 0x02, 0x03, 0x02, 0x80, 0x00, 0x00, 0x00, 0x00}); // 11 bytes
    auto po = detect();
    ASSERT_EQ(detections.size(), 1U);
    EXPECT_EQ(detections[0].method, PowerOffMethod::None);
    ASSERT_TRUE(detections[0].problem.has_value());
    EXPECT_NE(detections[0].problem->find("too short"), std::string::npos);
    EXPECT_EQ(bmc->requests(), (std::vector<Bytes>{kGetDeviceId}));
}

TEST_F(PowerOffTest, IfnumToUsePicksTheInterface)
{
    int second = -1;
    auto* other = addInterface(ScriptedInterface::defaultInfo(), &second);
    ASSERT_EQ(second, 1);
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x80));
    auto po = detect(0, 1);
    ASSERT_EQ(detections.size(), 1U);
    EXPECT_EQ(detections[0].ifnum, 1);
    EXPECT_TRUE(bmc->requests().empty());
    EXPECT_EQ(other->requests(), (std::vector<Bytes>{kGetDeviceId, kPicmgGetAddressInfo}));
}

TEST_F(PowerOffTest, InterfaceGoingAwayAbortsAPowerOffUnderWay)
{
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x80));
    auto po = detect();
    std::optional<PowerOffOutcome> out;
    po->powerOff([&out](PowerOffOutcome o) { out = std::move(o); });
    loop.runPosted();
    EXPECT_FALSE(out); // Chassis Control unanswered
    mh->removeInterface(0);
    loop.runPosted();
    ASSERT_TRUE(out);
    EXPECT_FALSE(out->commanded);
    ASSERT_TRUE(out->problem.has_value());
    EXPECT_NE(out->problem->find("went away"), std::string::npos);
}

TEST(PowerOffDetectTest, KernelOrderAfterAtca)
{
    EXPECT_EQ(detectFromIdentity({0x0108, 0x0157, 0x80, 0x02}), PowerOffMethod::Cpi1);
    EXPECT_EQ(detectFromIdentity({0x0002A2, 0x0100, 0x00, 0x01}), PowerOffMethod::DellChassis);
    EXPECT_EQ(detectFromIdentity({0x0002A2, 0x0100, 0x00, 0x51}), PowerOffMethod::None); // IPMI 1.5
    EXPECT_EQ(detectFromIdentity({0x0002A2, 0x0100, 0x80, 0x02}), PowerOffMethod::Chassis);
    EXPECT_EQ(detectFromIdentity({0x00000B, 0x8201, 0x00, 0x01}), PowerOffMethod::HpChassis);
    EXPECT_EQ(detectFromIdentity({0x00000B, 0x8201, 0x00, 0x02}), PowerOffMethod::None);
    EXPECT_EQ(detectFromIdentity({0x00000B, 0x8202, 0x00, 0x01}), PowerOffMethod::None);
    EXPECT_EQ(detectFromIdentity({0x001234, 0x0001, 0x80, 0x02}), PowerOffMethod::Chassis);
    EXPECT_EQ(detectFromIdentity({0x001234, 0x0001, 0x7F, 0x02}), PowerOffMethod::None);
    EXPECT_TRUE(isPigeonPoint({0x0000A1, 0x0051, 0, 0}));
    EXPECT_FALSE(isPigeonPoint({0x0000A1, 0x0052, 0, 0}));
}

// ---- the shutdown-hook runner ---------------------------------------------------------

class PowerOffRunTest : public ServicesTest
{
  protected:
    PowerOffOutcome run(std::unique_ptr<ScriptedInterface> iface, PowerOffHookOptions options)
    {
        return runPowerOff(
            loop, [this](Clock::duration d) { loop.advance(std::min<Clock::duration>(d, milliseconds(10))); },
            std::move(iface), options);
    }
};

TEST_F(PowerOffRunTest, RegistersDetectsAndPowersOffWithinTheLimit)
{
    auto iface = std::make_unique<ScriptedInterface>();
    auto* raw = iface.get();
    raw->enableIdentity(); // Get Device ID: chassis bit set (0xBF)
    answer(0x2C, 0x01, {0xC1});
    answer(0x00, 0x02, {0x00});
    raw->setResponder([this](const SmiBytes& req) { return respond(req); });
    PowerOffHookOptions options;
    options.powerCycle = 1;
    const auto start = loop.now();
    auto out = run(std::move(iface), options);
    EXPECT_EQ(out.method, PowerOffMethod::Chassis);
    EXPECT_TRUE(out.commanded);
    EXPECT_TRUE(out.powerCycled);
    EXPECT_LT(loop.now() - start, milliseconds(100));
}

TEST_F(PowerOffRunTest, GivesUpAtTheTimeLimit)
{
    auto iface = std::make_unique<ScriptedInterface>();
    iface->enableIdentity();
    answer(0x2C, 0x01, {0xC1});
    // Chassis Control is never answered.
    iface->setResponder([this](const SmiBytes& req) { return respond(req); });
    PowerOffHookOptions options;
    options.timeLimit = milliseconds(3000);
    const auto start = loop.now();
    auto out = run(std::move(iface), options);
    EXPECT_FALSE(out.commanded);
    ASSERT_TRUE(out.problem.has_value());
    EXPECT_NE(out.problem->find("3000 ms"), std::string::npos) << *out.problem;
    EXPECT_GE(loop.now() - start, milliseconds(3000));
    EXPECT_LT(loop.now() - start, milliseconds(3100));
}

TEST_F(PowerOffRunTest, NoMethodEndsAtOnce)
{
    auto iface = std::make_unique<ScriptedInterface>();
    answer(0x06, 0x08, {0xC1});                                 // no GUID
    answer(0x06, 0x01, deviceIdAnswer(0x001234, 0x0042, 0x00)); // not a chassis device
    answer(0x06, 0x42, {0xC1});                                 // no channels
    answer(0x2C, 0x01, {0xC1});
    iface->setResponder([this](const SmiBytes& req) { return respond(req); });
    auto out = run(std::move(iface), PowerOffHookOptions{});
    EXPECT_EQ(out.method, PowerOffMethod::None);
    EXPECT_FALSE(out.commanded);
    ASSERT_TRUE(out.problem.has_value());
    EXPECT_NE(out.problem->find("unable to find"), std::string::npos) << *out.problem;
}

} // namespace
} // namespace ipmi::core::services::testing
