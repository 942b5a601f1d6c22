// The BMC side of a BT (block transfer) interface: BT_CTRL at offset 0, the
// HOST2BMC (write) / BMC2HOST (read) buffer port at offset 1 with its
// auto-incrementing pointers, and BT_INTMASK at offset 2. Each access acts at
// once. A request is taken when the host sets H2B_ATN (B_BUSY is up only
// while the BMC takes it, or for good while the model is stalled); when the
// response is ready the BMC raises B2H_ATN (and the B2H interrupt bit when
// enabled). A response never lands while the host holds H_BUSY.
// SMS_ATN rises when the BMC's attention rises and stays until the host
// clears it.
//
// Behaviour follows the IPMI 2.0 BT interface and QEMU's ipmi_bt.c; a frame
// whose length byte disagrees with the bytes written is ignored (the host
// times out), as in QEMU.
#pragma once

#include "sim/models/bmc_port.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace ipmi::sim {

namespace bt {
inline constexpr unsigned kControlRegister = 0;
inline constexpr unsigned kBufferRegister = 1;
inline constexpr unsigned kInterruptMaskRegister = 2;

inline constexpr std::uint8_t kClrWrPtr = 0x01;
inline constexpr std::uint8_t kClrRdPtr = 0x02;
inline constexpr std::uint8_t kH2bAtn = 0x04;
inline constexpr std::uint8_t kB2hAtn = 0x08;
inline constexpr std::uint8_t kSmsAtn = 0x10;
inline constexpr std::uint8_t kOem0 = 0x20;
inline constexpr std::uint8_t kHBusy = 0x40;
inline constexpr std::uint8_t kBBusy = 0x80;

inline constexpr std::uint8_t kB2hIrqEnable = 0x01;
inline constexpr std::uint8_t kB2hIrq = 0x02;
inline constexpr std::uint8_t kBmcHwReset = 0x80;
} // namespace bt

class BtBmcModel : public RegisterModel
{
  public:
    // Buffer sizes count the length byte, as Get BT Interface Capabilities
    // reports them. Bytes written past the input buffer are lost and the
    // request is answered with 0xC8 (request data length exceeded).
    explicit BtBmcModel(BmcPort& port, std::size_t inputBufferSize = 256, std::size_t outputBufferSize = 256);
    ~BtBmcModel() override;
    BtBmcModel(const BtBmcModel&) = delete;
    BtBmcModel& operator=(const BtBmcModel&) = delete;

    [[nodiscard]] std::uint8_t read(unsigned offset) override;
    void write(unsigned offset, std::uint8_t value) override;
    [[nodiscard]] unsigned registerCount() const override { return 3; }

    // While stalled the BMC holds B_BUSY and does not take requests.
    void setStalled(bool stalled) override;
    // A BMC reset while the host writes a request, the BMC works on one or
    // the host has not read all of the response: every register and buffer
    // back to its power-on value, as after BMC_HWRST (B_BUSY and the ATN
    // bits drop, the B2H interrupt is disabled), and the request and its
    // response are lost: the host sees no answer and times out.
    bool resetMidTransfer() override;
    // The B2H interrupt line (B2H_IRQ set while enabled).
    [[nodiscard]] bool irqAsserted() const;
    [[nodiscard]] std::size_t requestsDispatched() const { return dispatched_; }

  private:
    void refreshAttention();
    void takeRequest();
    void onResponse(std::uint8_t seq, Bytes response);
    void deliver(Bytes frame);
    void raiseIrq();
    void reset();

    BmcPort& port_;
    std::size_t inputSize_;
    std::size_t outputSize_;
    bool h2bAtn_ = false;
    bool b2hAtn_ = false;
    bool smsAtn_ = false;
    bool oem0_ = false;
    bool hBusy_ = false;
    bool bBusy_ = false;
    bool irqEnable_ = false;
    bool irq_ = false;
    bool stalled_ = false;
    bool lastAttention_ = false;
    bool inputOverflow_ = false;
    bool hostWriting_ = false;     // bytes written since the last request was taken
    bool requestInFlight_ = false; // taken, not answered yet
    Bytes input_;
    Bytes output_;
    std::size_t readPos_ = 0;
    std::optional<Bytes> heldFrame_; // a response waiting for H_BUSY to drop
    PortRequest inFlight_;
    std::size_t dispatched_ = 0;
};

} // namespace ipmi::sim
