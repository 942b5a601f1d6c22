// The KCS, BT and SMIC register models against minimal host-side sequences
// written here, byte by byte, as QEMU's ipmi-kcs-test does against its model.
#include "sim/models/bt_model.hpp"
#include "sim/models/kcs_model.hpp"
#include "sim/models/smic_model.hpp"
#include "tests/unit/sim/models/fake_bmc_port.hpp"

#include <gtest/gtest.h>

namespace ipmi::sim {
namespace {

using testing::FakeBmcPort;
using testing::kGetDeviceIdResponse;

const Bytes kGetDeviceId = {0x18, 0x01};

std::uint8_t kcsState(std::uint8_t status)
{
    return static_cast<std::uint8_t>(status >> kcs::kStateShift);
}

// The host's write phase: WRITE_START, all bytes but the last, WRITE_END, the last.
void kcsWrite(KcsBmcModel& m, const Bytes& request)
{
    ASSERT_EQ(m.read(1) & kcs::kStatusIbf, 0);
    m.write(1, kcs::kWriteStart);
    ASSERT_EQ(kcsState(m.read(1)), kcs::kStateWrite);
    for (std::size_t i = 0; i + 1 < request.size(); ++i) {
        m.write(0, request[i]);
        ASSERT_EQ(kcsState(m.read(1)), kcs::kStateWrite);
    }
    m.write(1, kcs::kWriteEnd);
    ASSERT_EQ(kcsState(m.read(1)), kcs::kStateWrite);
    m.write(0, request.back());
}

// The host's read phase, up to the idle state and its dummy byte.
Bytes kcsRead(KcsBmcModel& m)
{
    Bytes out;
    for (int guard = 0; guard < 1000; ++guard) {
        const std::uint8_t status = m.read(1);
        if (kcsState(status) == kcs::kStateIdle) {
            EXPECT_TRUE(status & kcs::kStatusObf); // the dummy byte
            EXPECT_EQ(m.read(0), 0x00);
            return out;
        }
        EXPECT_EQ(kcsState(status), kcs::kStateRead);
        EXPECT_TRUE(status & kcs::kStatusObf);
        out.push_back(m.read(0));
        m.write(0, kcs::kReadByte);
    }
    ADD_FAILURE() << "read phase never ended";
    return out;
}

TEST(KcsBmcModel, GetDeviceIdGoldenBytes)
{
    FakeBmcPort port;
    KcsBmcModel m(port);
    EXPECT_EQ(m.read(1), 0x00); // idle, nothing pending
    kcsWrite(m, kGetDeviceId);
    EXPECT_EQ(m.read(1), 0x41); // read state, OBF, last write was data
    EXPECT_EQ(kcsRead(m), kGetDeviceIdResponse);
    ASSERT_EQ(port.requests.size(), 1U);
    EXPECT_EQ(port.requests[0], kGetDeviceId);
    EXPECT_EQ(m.read(1), 0x00);
}

TEST(KcsBmcModel, AbortDuringWriteReportsAbortedAndDispatchesNothing)
{
    FakeBmcPort port;
    KcsBmcModel m(port);
    m.write(1, kcs::kWriteStart);
    m.write(0, 0x18);
    m.write(1, kcs::kGetStatusAbort);
    EXPECT_EQ(m.read(1), 0x88); // write state, IBF clear, command last
    m.write(0, 0x00);
    EXPECT_EQ(m.read(1), 0x41); // read state, OBF
    EXPECT_EQ(m.read(0), kcs::kErrorAborted);
    m.write(0, kcs::kReadByte);
    EXPECT_EQ(m.read(1), 0x01); // idle, dummy byte waiting
    EXPECT_EQ(m.read(0), 0x00);
    EXPECT_TRUE(port.requests.empty());
    // And the interface works afterwards.
    kcsWrite(m, kGetDeviceId);
    EXPECT_EQ(kcsRead(m), kGetDeviceIdResponse);
}

TEST(KcsBmcModel, AbortOrphansALateResponse)
{
    FakeBmcPort port;
    port.mode = FakeBmcPort::Mode::Hold;
    KcsBmcModel m(port);
    kcsWrite(m, kGetDeviceId);
    EXPECT_EQ(m.read(1), 0x40); // read state, no byte yet
    m.write(1, kcs::kGetStatusAbort);
    m.write(0, 0x00);
    EXPECT_EQ(m.read(0), kcs::kErrorAborted);
    m.write(0, kcs::kReadByte);
    EXPECT_EQ(m.read(0), 0x00);
    port.releaseHeld();
    EXPECT_EQ(m.read(1), 0x00); // still idle: the response was dropped
}

TEST(KcsBmcModel, IllegalControlCodeEntersErrorState)
{
    FakeBmcPort port;
    KcsBmcModel m(port);
    m.write(1, 0x65);
    EXPECT_EQ(kcsState(m.read(1)), kcs::kStateError);
    m.write(0, 0x12); // data in error state stays an error
    EXPECT_EQ(kcsState(m.read(1)), kcs::kStateError);
    m.write(1, kcs::kGetStatusAbort);
    m.write(0, 0x00);
    EXPECT_EQ(m.read(0), kcs::kErrorIllegalControlCode);
    m.write(0, kcs::kReadByte);
    EXPECT_EQ(kcsState(m.read(1)), kcs::kStateIdle);
}

TEST(KcsBmcModel, OverlongRequestIsALengthError)
{
    FakeBmcPort port;
    KcsBmcModel m(port, 4);
    m.write(1, kcs::kWriteStart);
    for (std::uint8_t b = 0; b < 5; ++b) {
        m.write(0, b);
    }
    EXPECT_EQ(kcsState(m.read(1)), kcs::kStateError);
    m.write(1, kcs::kGetStatusAbort);
    m.write(0, 0x00);
    EXPECT_EQ(m.read(0), kcs::kErrorLength);
}

TEST(KcsBmcModel, SmsAtnFollowsTheBmc)
{
    FakeBmcPort port;
    KcsBmcModel m(port);
    port.setAttention(true);
    EXPECT_EQ(m.read(1), kcs::kStatusSmsAtn);
    port.setAttention(false);
    EXPECT_EQ(m.read(1), 0x00);
}

TEST(KcsBmcModel, StalledControllerKeepsIbf)
{
    FakeBmcPort port;
    KcsBmcModel m(port);
    m.setStalled(true);
    m.write(1, kcs::kWriteStart);
    EXPECT_EQ(m.read(1), kcs::kStatusIbf | kcs::kStatusCommandData);
    m.setStalled(false);
    EXPECT_EQ(m.read(1), 0x88); // consumed: write state
}

TEST(KcsBmcModel, ResetMidTransferDropsTheRequestAndGoesIdle)
{
    FakeBmcPort port;
    port.mode = FakeBmcPort::Mode::Hold;
    KcsBmcModel m(port);
    EXPECT_FALSE(m.resetMidTransfer()) << "idle: nothing to cut";
    kcsWrite(m, kGetDeviceId);
    ASSERT_EQ(port.heldCount(), 1U);
    EXPECT_TRUE(m.resetMidTransfer());
    EXPECT_EQ(m.read(1), 0x00); // idle, no OBF, no IBF
    port.releaseHeld();         // the old BMC's answer never shows
    EXPECT_EQ(m.read(1), 0x00);
    port.mode = FakeBmcPort::Mode::Answer;
    kcsWrite(m, kGetDeviceId);
    EXPECT_EQ(kcsRead(m), kGetDeviceIdResponse);
}

// BT: the host's sequence from the IPMI spec.
Bytes btTransact(BtBmcModel& m, const Bytes& frame)
{
    EXPECT_EQ(m.read(0) & (bt::kBBusy | bt::kH2bAtn), 0);
    m.write(0, bt::kClrWrPtr);
    for (const auto b : frame) {
        m.write(1, b);
    }
    m.write(0, bt::kH2bAtn);
    EXPECT_EQ(m.read(0) & (bt::kBBusy | bt::kH2bAtn), 0);
    EXPECT_TRUE(m.read(0) & bt::kB2hAtn);
    m.write(0, bt::kHBusy);
    m.write(0, bt::kB2hAtn);
    m.write(0, bt::kClrRdPtr);
    Bytes out{m.read(1)};
    for (unsigned i = 0; i < out[0]; ++i) {
        out.push_back(m.read(1));
    }
    m.write(0, bt::kHBusy);
    EXPECT_EQ(m.read(0), 0x00);
    return out;
}

TEST(BtBmcModel, GetDeviceIdGoldenBytes)
{
    FakeBmcPort port;
    BtBmcModel m(port);
    m.write(2, bt::kB2hIrqEnable);
    const Bytes frame = btTransact(m, {0x03, 0x18, 0x2A, 0x01});
    const Bytes expected = {0x13, 0x1C, 0x2A, 0x01, 0x00, 0x20, 0x01, 0x01, 0x00, 0x02,
                            0xBF, 0xD9, 0x7E, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    EXPECT_EQ(frame, expected);
    ASSERT_EQ(port.requests.size(), 1U);
    EXPECT_EQ(port.requests[0], kGetDeviceId);
    EXPECT_TRUE(m.irqAsserted());
    m.write(2, bt::kB2hIrqEnable | bt::kB2hIrq);
    EXPECT_FALSE(m.irqAsserted());
    EXPECT_EQ(m.read(2), bt::kB2hIrqEnable);
}

TEST(BtBmcModel, MalformedLengthIsIgnored)
{
    FakeBmcPort port;
    BtBmcModel m(port);
    m.write(0, bt::kClrWrPtr);
    for (const std::uint8_t b : {0x07, 0x18, 0x01, 0x01}) {
        m.write(1, b);
    }
    m.write(0, bt::kH2bAtn);
    EXPECT_EQ(m.read(0), 0x00);
    EXPECT_TRUE(port.requests.empty());
}

TEST(BtBmcModel, OverflowingTheInputBufferAnswersC8)
{
    FakeBmcPort port;
    BtBmcModel m(port, 8);
    Bytes frame = {0x09, 0x18, 0x05, 0x01, 1, 2, 3, 4, 5, 6};
    EXPECT_EQ(btTransact(m, frame), (Bytes{0x04, 0x1C, 0x05, 0x01, 0xC8}));
    EXPECT_TRUE(port.requests.empty());
}

TEST(BtBmcModel, SmsAtnRisesWithTheBmcAndStaysClearedByTheHost)
{
    FakeBmcPort port;
    BtBmcModel m(port);
    port.setAttention(true);
    EXPECT_EQ(m.read(0), bt::kSmsAtn);
    m.write(0, bt::kSmsAtn);
    EXPECT_EQ(m.read(0), 0x00); // cleared although the BMC still wants attention
    port.setAttention(false);
    EXPECT_EQ(m.read(0), 0x00);
    port.setAttention(true);
    EXPECT_EQ(m.read(0), bt::kSmsAtn);
}

TEST(BtBmcModel, ResponseWaitsForHBusyToDrop)
{
    FakeBmcPort port;
    port.mode = FakeBmcPort::Mode::Hold;
    BtBmcModel m(port);
    m.write(0, bt::kClrWrPtr);
    for (const std::uint8_t b : {0x03, 0x18, 0x07, 0x01}) {
        m.write(1, b);
    }
    m.write(0, bt::kH2bAtn);
    EXPECT_EQ(m.read(0), 0x00); // request taken, answer pending
    m.write(0, bt::kHBusy);
    port.releaseHeld();
    EXPECT_EQ(m.read(0), bt::kHBusy); // no B2H_ATN while H_BUSY
    m.write(0, bt::kHBusy);
    EXPECT_EQ(m.read(0), bt::kB2hAtn);
}

TEST(BtBmcModel, StalledBmcHoldsBBusy)
{
    FakeBmcPort port;
    BtBmcModel m(port);
    m.setStalled(true);
    EXPECT_EQ(m.read(0), bt::kBBusy);
    m.setStalled(false);
    EXPECT_EQ(m.read(0), 0x00);
}

TEST(BtBmcModel, ResetMidTransferLosesTheRequestAndItsAnswer)
{
    FakeBmcPort port;
    port.mode = FakeBmcPort::Mode::Hold;
    BtBmcModel m(port);
    EXPECT_FALSE(m.resetMidTransfer()) << "idle: nothing to cut";
    m.write(2, bt::kB2hIrqEnable);
    m.write(0, bt::kClrWrPtr);
    m.write(1, 0x03);
    EXPECT_TRUE(m.resetMidTransfer()) << "the host is writing a request";
    m.write(0, bt::kClrWrPtr);
    for (const std::uint8_t b : {0x03, 0x18, 0x07, 0x01}) {
        m.write(1, b);
    }
    m.write(0, bt::kH2bAtn);
    ASSERT_EQ(port.heldCount(), 1U);
    m.setStalled(true);
    EXPECT_TRUE(m.resetMidTransfer()) << "the BMC is working on it";
    m.setStalled(false);
    port.releaseHeld();
    EXPECT_EQ(m.read(0), 0x00) << "no B2H_ATN for the lost request, B_BUSY down";
    EXPECT_EQ(m.read(2), 0x00) << "the interrupt disabled, as at power-on";
    EXPECT_FALSE(m.resetMidTransfer());
    port.mode = FakeBmcPort::Mode::Answer;
    EXPECT_EQ(btTransact(m, {0x03, 0x18, 0x08, 0x01}).size(), 20U);
}

// A response too short for netfn and cmd still goes out, as short a frame;
// the host's length check is what catches it.
TEST(BtBmcModel, ShortResponsesGoOutAsShortFrames)
{
    FakeBmcPort port;
    BtBmcModel m(port);
    port.setAnswer(0x06, 0x01, {0x1C, 0x01});
    EXPECT_EQ(btTransact(m, {0x03, 0x18, 0x09, 0x01}), (Bytes{0x03, 0x1C, 0x09, 0x01}));
    port.setAnswer(0x06, 0x01, {0x1C});
    EXPECT_EQ(btTransact(m, {0x03, 0x18, 0x0A, 0x01}), (Bytes{0x02, 0x1C, 0x0A}));
    port.setAnswer(0x06, 0x01, {});
    EXPECT_EQ(btTransact(m, {0x03, 0x18, 0x0B, 0x01}), (Bytes{0x01, 0x0B}));
}

// SMIC: control code, data byte, BUSY, wait for BUSY to clear.
void smicStep(SmicBmcModel& m, std::uint8_t control, std::optional<std::uint8_t> data = std::nullopt)
{
    ASSERT_EQ(m.read(2) & smic::kFlagBusy, 0);
    m.write(1, control);
    if (data) {
        m.write(0, *data);
    }
    m.write(2, static_cast<std::uint8_t>(m.read(2) | smic::kFlagBusy));
    ASSERT_EQ(m.read(2) & smic::kFlagBusy, 0);
}

TEST(SmicBmcModel, GetDeviceIdGoldenBytes)
{
    FakeBmcPort port;
    SmicBmcModel m(port);
    smicStep(m, smic::kCcGetStatus);
    EXPECT_EQ(m.read(1), smic::kScReady);
    smicStep(m, smic::kCcWrStart, 0x18);
    EXPECT_EQ(m.read(1), smic::kScWrStart);
    EXPECT_TRUE(m.read(2) & smic::kFlagTxDataReady);
    smicStep(m, smic::kCcWrEnd, 0x01);
    EXPECT_EQ(m.read(1), smic::kScWrEnd);
    EXPECT_EQ(m.read(0), 0x00);
    EXPECT_TRUE(m.read(2) & smic::kFlagRxDataReady);
    smicStep(m, smic::kCcRdStart);
    EXPECT_EQ(m.read(1), smic::kScRdStart);
    Bytes out{m.read(0)};
    for (;;) {
        smicStep(m, smic::kCcRdNext);
        const std::uint8_t status = m.read(1);
        out.push_back(m.read(0));
        if (status == smic::kScRdEnd) {
            break;
        }
        ASSERT_EQ(status, smic::kScRdNext);
        ASSERT_LT(out.size(), 100U);
    }
    smicStep(m, smic::kCcRdEnd);
    EXPECT_EQ(m.read(1), smic::kScReady);
    EXPECT_EQ(m.read(0), 0x00);
    EXPECT_EQ(out, kGetDeviceIdResponse);
    EXPECT_EQ(m.read(2), 0x00);
}

TEST(SmicBmcModel, OutOfSequenceControlCodeIsIllegal)
{
    FakeBmcPort port;
    SmicBmcModel m(port);
    smicStep(m, smic::kCcWrNext, 0x01);
    EXPECT_EQ(m.read(1), smic::kScReady);
    EXPECT_EQ(m.read(0), smic::kErrorIllegalControl);
    smicStep(m, smic::kCcWrStart, 0x18);
    smicStep(m, smic::kCcGetStatus); // aborts the half-written request
    EXPECT_EQ(m.read(0), smic::kErrorAborted);
    EXPECT_TRUE(port.requests.empty());
}

TEST(SmicBmcModel, SmsAtnAndStall)
{
    FakeBmcPort port;
    SmicBmcModel m(port);
    port.setAttention(true);
    EXPECT_EQ(m.read(2), smic::kFlagSmsAtn);
    m.setStalled(true);
    m.write(1, smic::kCcGetStatus);
    m.write(2, smic::kFlagBusy);
    EXPECT_EQ(m.read(2), smic::kFlagSmsAtn | smic::kFlagBusy);
    m.setStalled(false);
    EXPECT_EQ(m.read(2), smic::kFlagSmsAtn);
}

TEST(SmicBmcModel, ResetMidTransferGoesBackToReady)
{
    FakeBmcPort port;
    SmicBmcModel m(port);
    EXPECT_FALSE(m.resetMidTransfer()) << "idle: nothing to cut";
    smicStep(m, smic::kCcWrStart, 0x18);
    ASSERT_EQ(m.read(1), smic::kScWrStart);
    EXPECT_TRUE(m.resetMidTransfer());
    EXPECT_EQ(m.read(1), smic::kScReady) << "where the host expects WR_START";
    EXPECT_EQ(m.read(0), smic::kErrorNone);
    EXPECT_EQ(m.read(2), 0x00) << "no TX_DATA_RDY, no BUSY";
    smicStep(m, smic::kCcWrEnd, 0x01);
    EXPECT_EQ(m.read(0), smic::kErrorIllegalControl) << "the written byte went with the reset";
    EXPECT_TRUE(port.requests.empty());

    // A response the host has not read is lost too.
    smicStep(m, smic::kCcWrStart, 0x18);
    smicStep(m, smic::kCcWrEnd, 0x01);
    ASSERT_TRUE(m.read(2) & smic::kFlagRxDataReady);
    EXPECT_TRUE(m.resetMidTransfer());
    EXPECT_EQ(m.read(2), 0x00);
    smicStep(m, smic::kCcRdStart);
    EXPECT_EQ(m.read(0), smic::kErrorIllegalControl);
}

} // namespace
} // namespace ipmi::sim
