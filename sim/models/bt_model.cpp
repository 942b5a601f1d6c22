// BT BMC side: control-bit semantics (write 1 acts, write 0 does nothing,
// H_BUSY toggles), the request/response framing with the host's sequence
// number echoed back, and the interrupt mask register.
#include "sim/models/bt_model.hpp"

#include "abi/ipmi_msgdefs.hpp"

#include <algorithm>
#include <utility>

namespace ipmi::sim {

BtBmcModel::BtBmcModel(BmcPort& port, std::size_t inputBufferSize, std::size_t outputBufferSize)
    : port_(port), inputSize_(std::clamp<std::size_t>(inputBufferSize, 5, 256)),
      outputSize_(std::clamp<std::size_t>(outputBufferSize, 5, 256)), inFlight_(port)
{
}

BtBmcModel::~BtBmcModel() = default;

void BtBmcModel::refreshAttention()
{
    const bool now = port_.attention();
    if (now && !lastAttention_) {
        smsAtn_ = true;
        raiseIrq();
    }
    lastAttention_ = now;
}

void BtBmcModel::raiseIrq()
{
    if (irqEnable_) {
        irq_ = true;
    }
}

bool BtBmcModel::irqAsserted() const
{
    return irqEnable_ && irq_;
}

std::uint8_t BtBmcModel::read(unsigned offset)
{
    refreshAttention();
    switch (offset) {
    case bt::kControlRegister: {
        std::uint8_t ctrl = 0;
        ctrl |= h2bAtn_ ? bt::kH2bAtn : 0;
        ctrl |= b2hAtn_ ? bt::kB2hAtn : 0;
        ctrl |= smsAtn_ ? bt::kSmsAtn : 0;
        ctrl |= oem0_ ? bt::kOem0 : 0;
        ctrl |= hBusy_ ? bt::kHBusy : 0;
        ctrl |= (bBusy_ || stalled_) ? bt::kBBusy : 0;
        return ctrl;
    }
    case bt::kBufferRegister: {
        // Reading past the frame returns 0, like an empty FIFO slot.
        const std::uint8_t value = readPos_ < output_.size() ? output_[readPos_] : 0;
        ++readPos_;
        return port_.interfaceByte(value);
    }
    case bt::kInterruptMaskRegister:
        return static_cast<std::uint8_t>((irqEnable_ ? bt::kB2hIrqEnable : 0) | (irq_ ? bt::kB2hIrq : 0));
    default:
        return 0xFF;
    }
}

void BtBmcModel::write(unsigned offset, std::uint8_t value)
{
    switch (offset) {
    case bt::kControlRegister:
        if (value & bt::kClrWrPtr) {
            input_.clear();
            inputOverflow_ = false;
        }
        if (value & bt::kClrRdPtr) {
            readPos_ = 0;
        }
        if (value & bt::kB2hAtn) {
            b2hAtn_ = false;
        }
        if (value & bt::kSmsAtn) {
            smsAtn_ = false;
        }
        if (value & bt::kOem0) {
            oem0_ = !oem0_;
        }
        if (value & bt::kHBusy) {
            hBusy_ = !hBusy_;
            if (!hBusy_ && heldFrame_) {
                Bytes frame = std::move(*heldFrame_);
                heldFrame_.reset();
                deliver(std::move(frame));
            }
        }
        if (value & bt::kH2bAtn) {
            h2bAtn_ = true;
            if (!stalled_) {
                takeRequest();
            }
        }
        return;
    case bt::kBufferRegister:
        hostWriting_ = true;
        if (input_.size() < inputSize_) {
            input_.push_back(value);
        } else {
            inputOverflow_ = true;
        }
        return;
    case bt::kInterruptMaskRegister:
        if (value & bt::kBmcHwReset) {
            reset();
            return;
        }
        irqEnable_ = (value & bt::kB2hIrqEnable) != 0;
        if (value & bt::kB2hIrq) {
            irq_ = false;
        }
        return;
    default:
        return;
    }
}

void BtBmcModel::setStalled(bool stalled)
{
    stalled_ = stalled;
    if (!stalled_ && h2bAtn_) {
        takeRequest();
    }
}

bool BtBmcModel::resetMidTransfer()
{
    const bool unread = readPos_ < output_.size();
    if (!hostWriting_ && !h2bAtn_ && !requestInFlight_ && !b2hAtn_ && !heldFrame_ && !unread) {
        return false;
    }
    reset();
    return true;
}

void BtBmcModel::reset()
{
    inFlight_.orphan(); // a response in flight belongs to the old BMC
    hostWriting_ = requestInFlight_ = false;
    h2bAtn_ = b2hAtn_ = smsAtn_ = oem0_ = hBusy_ = bBusy_ = false;
    irqEnable_ = irq_ = false;
    inputOverflow_ = false;
    input_.clear();
    output_.clear();
    readPos_ = 0;
    heldFrame_.reset();
}

void BtBmcModel::takeRequest()
{
    h2bAtn_ = false;
    hostWriting_ = false;
    // [len][netfn/lun][seq][cmd][data...]; len counts the bytes after itself.
    // A malformed frame is ignored; the host's timeout recovers.
    if (input_.size() < 4) {
        return;
    }
    const std::uint8_t seq = input_[2];
    if (inputOverflow_) {
        // The header arrived, the data did not fit: say so.
        ++dispatched_;
        deliver(Bytes{4, static_cast<std::uint8_t>(input_[1] | 0x04), seq, input_[3], abi::IPMI_REQ_LEN_EXCEEDED_ERR});
        return;
    }
    if (input_[0] != input_.size() - 1) {
        return;
    }
    Bytes request;
    request.reserve(input_.size() - 2);
    request.push_back(input_[1]);
    request.insert(request.end(), input_.begin() + 3, input_.end());
    // B_BUSY covers the BMC taking the request out of HOST2BMC; it drops
    // once the request is in, whether or not the answer is ready.
    bBusy_ = true;
    ++dispatched_;
    requestInFlight_ = true;
    inFlight_.send(std::move(request), [this, seq](Bytes response) { onResponse(seq, std::move(response)); });
    bBusy_ = false;
}

void BtBmcModel::onResponse(std::uint8_t seq, Bytes response)
{
    requestInFlight_ = false;
    // The sequence number goes after the netfn; a response too short for
    // netfn and cmd (a BMC that miscounts) still goes out, as short a frame.
    Bytes frame;
    frame.reserve(response.size() + 2);
    frame.push_back(0);
    const auto afterNetfn = response.begin() + (response.empty() ? 0 : 1);
    frame.insert(frame.end(), response.begin(), afterNetfn);
    frame.push_back(seq);
    frame.insert(frame.end(), afterNetfn, response.end());
    if (frame.size() > outputSize_) {
        frame.resize(outputSize_);
        if (frame.size() > 4) {
            frame[4] = abi::IPMI_ERR_MSG_TRUNCATED;
        }
    }
    frame[0] = static_cast<std::uint8_t>(frame.size() - 1);
    if (hBusy_) {
        heldFrame_ = std::move(frame);
        return;
    }
    deliver(std::move(frame));
}

void BtBmcModel::deliver(Bytes frame)
{
    output_ = std::move(frame);
    readPos_ = 0;
    b2hAtn_ = true;
    raiseIrq();
}

} // namespace ipmi::sim
