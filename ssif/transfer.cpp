// Transfer: one SSIF transaction with adaptive polling (see transfer.hpp).
#include "ssif/transfer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

namespace ipmi::ssif {

namespace {

TransferResult failure(int error, std::string problem, std::optional<std::size_t> failedPart = std::nullopt)
{
    TransferResult result;
    result.error = error;
    result.problem = std::move(problem);
    result.failedPart = failedPart;
    return result;
}

constexpr std::uint8_t kLastBlock = 0xFF;
constexpr std::size_t kPartData = kSmbusBlockMax - 1;

} // namespace

void splitRequest(std::span<const std::uint8_t> request, bool cmd8Works, std::vector<WritePart>& parts)
{
    std::size_t used = 0;
    const auto put = [&](std::uint8_t command, std::size_t from, std::size_t count) {
        if (used == parts.size()) {
            parts.emplace_back();
        }
        const auto first = request.begin() + static_cast<std::ptrdiff_t>(from);
        parts[used].command = command;
        parts[used].data.assign(first, first + static_cast<std::ptrdiff_t>(count));
        ++used;
    };
    if (request.size() <= kSmbusBlockMax) {
        put(kCmdSingleWrite, 0, request.size());
    } else {
        put(kCmdMultiWriteStart, 0, kSmbusBlockMax);
        for (std::size_t pos = kSmbusBlockMax;;) {
            const std::size_t left = request.size() - pos;
            const std::size_t count = std::min(left, kSmbusBlockMax);
            const bool end = cmd8Works ? count == left : count < kSmbusBlockMax;
            put(cmd8Works && end ? kCmdMultiWriteEnd : kCmdMultiWriteMiddle, pos, count);
            pos += count;
            if (end) {
                break;
            }
        }
    }
    parts.resize(used);
}

std::vector<WritePart> splitRequest(std::span<const std::uint8_t> request, bool cmd8Works)
{
    std::vector<WritePart> parts;
    splitRequest(request, cmd8Works, parts);
    return parts;
}

Transfer::Transfer(core::EventLoop& loop, SmbusRunner& bus, TransferTiming timing)
    : loop_(loop), bus_(bus), timing_(timing), timer_(loop.makeTimer()),
      readDelay_(timing.minPollGap, timing.maxPollGap)
{
}

Transfer::~Transfer() = default;

void Transfer::start(std::vector<WritePart> parts, bool retryWrites, Done done)
{
    cancel();
    parts_ = std::move(parts);
    begin(retryWrites, std::move(done));
}

void Transfer::start(std::span<const std::uint8_t> request, bool cmd8Works, bool retryWrites, Done done)
{
    cancel();
    splitRequest(request, cmd8Works, parts_); // the worker has its own copy of any part on the bus
    begin(retryWrites, std::move(done));
}

void Transfer::begin(bool retryWrites, Done done)
{
    done_ = std::move(done);
    retryWrites_ = retryWrites;
    partIndex_ = 0;
    writeAttempts_ = 0;
    writeStart_ = loop_.now();
    writeGap_ = std::chrono::milliseconds(1);
    alerted_ = false;
    refused_ = false;
    lastNakAt_ = {};
    trace_ = {};
    busAtStart_ = bus_.busTime();
    writePart();
}

void Transfer::cancel()
{
    ++generation_; // completions already queued for the old transaction are ignored
    timer_->cancel();
    phase_ = Phase::Idle;
    done_ = nullptr;
}

void Transfer::writePart()
{
    phase_ = Phase::Writing;
    const std::uint64_t generation = generation_;
    const WritePart& part = parts_[partIndex_];
    ++trace_.writes;
    if (partIndex_ + 1 == parts_.size() && readDelay_.expected() <= core::Clock::duration::zero()) {
        // The BMC has been answering the first read: read in the same trip
        // to the worker as the last write part.
        bus_.writeThenRead(part.command, part.data, kCmdRead,
                           [this, generation](int writeError, int readError, Bytes data) {
                               onWrittenAndRead(generation, writeError, readError, std::move(data));
                           });
        return;
    }
    bus_.write(part.command, part.data, [this, generation](int error, const Bytes&) { onWritten(generation, error); });
}

void Transfer::onWrittenAndRead(std::uint64_t generation, int writeError, int readError, Bytes data)
{
    if (generation != generation_ || phase_ != Phase::Writing) {
        return;
    }
    if (writeError != 0) {
        onWritten(generation, writeError);
        return;
    }
    ++counters_.parts;
    ++partIndex_;
    markWritten();
    trace_.firstReadDelay = core::Clock::duration::zero();
    phase_ = Phase::Reading;
    multiPart_ = false;
    nextBlock_ = 0;
    assembled_.clear();
    lastReadAt_ = readStart_;
    ++trace_.reads;
    onRead(generation, readError, std::move(data));
}

void Transfer::onWritten(std::uint64_t generation, int error)
{
    if (generation != generation_ || phase_ != Phase::Writing) {
        return;
    }
    if (error == 0) {
        ++counters_.parts;
        if (++partIndex_ < parts_.size()) {
            writePart();
        } else {
            beginReading();
        }
        return;
    }
    // The whole message is resent from its first part, as the kernel does:
    // the BMC dropped whatever it had assembled.
    ++writeAttempts_;
    const auto elapsed = loop_.now() - writeStart_;
    const bool inBudget = elapsed + writeGap_ <= timing_.writeBudget || writeAttempts_ <= timing_.minWriteRetries;
    if (!retryWrites_ || !inBudget) {
        finish(failure(error,
                       fmt::format("write of part {} (command 0x{:02x}) failed after {} attempt(s): errno {}",
                                   partIndex_, parts_[partIndex_].command, writeAttempts_, error),
                       partIndex_));
        return;
    }
    ++counters_.writeRetries;
    phase_ = Phase::Waiting;
    partIndex_ = 0;
    const std::uint64_t current = generation_;
    timer_->start(writeGap_, [this, current] {
        if (current == generation_) {
            writePart();
        }
    });
    writeGap_ = std::min(writeGap_ * 2, timing_.maxWriteGap);
}

void Transfer::markWritten()
{
    readStart_ = loop_.now();
    trace_.writing = readStart_ - writeStart_;
    pollGap_ = std::max(timing_.minPollGap, readDelay_.expected() / 4);
}

void Transfer::beginReading()
{
    markWritten();
    const auto first = alerted_ ? core::Clock::duration::zero() : std::min(readDelay_.expected(), timing_.maxPollGap);
    trace_.firstReadDelay = first;
    if (first <= core::Clock::duration::zero()) {
        readFirst();
    } else {
        scheduleRead(first);
    }
}

void Transfer::scheduleRead(core::Clock::duration delay)
{
    phase_ = Phase::Waiting;
    const std::uint64_t generation = generation_;
    timer_->start(delay, [this, generation] {
        if (generation == generation_) {
            readFirst();
        }
    });
}

void Transfer::alert()
{
    if (phase_ == Phase::Waiting && !parts_.empty() && partIndex_ >= parts_.size()) {
        timer_->cancel();
        readFirst();
    } else if (phase_ == Phase::Writing) {
        alerted_ = true;
    }
}

void Transfer::readFirst()
{
    phase_ = Phase::Reading;
    multiPart_ = false;
    nextBlock_ = 0;
    assembled_.clear();
    lastReadAt_ = loop_.now();
    readBus(kCmdRead);
}

void Transfer::readBus(std::uint8_t command)
{
    ++trace_.reads;
    const std::uint64_t generation = generation_;
    bus_.read(command, [this, generation](int error, Bytes data) { onRead(generation, error, std::move(data)); });
}

// Called once the first part of a response arrived: what this wait says of
// the BMC's pace (core::ResponseTime; refused reads say it was not ready at
// lastNakAt_).
void Transfer::learnDelay()
{
    if (!refused_) {
        readDelay_.answeredAtFirstLook();
    } else {
        readDelay_.answeredAfter(lastNakAt_);
    }
}

void Transfer::readNotReady(int error, std::string problem)
{
    const auto now = loop_.now();
    ++trace_.naks;
    if (!multiPart_) {
        // A lost middle part says nothing about how soon the BMC answers.
        refused_ = true;
        lastNakAt_ = lastReadAt_ - readStart_;
    }
    if (now + pollGap_ > readStart_ + timing_.readBudget) {
        finish(
            failure(error, fmt::format("no response after {} ms: {}",
                                       std::chrono::duration_cast<std::chrono::milliseconds>(now - readStart_).count(),
                                       problem)));
        return;
    }
    ++counters_.readRetries;
    scheduleRead(pollGap_);
    pollGap_ = std::min(pollGap_ * 2, timing_.maxPollGap);
}

void Transfer::onRead(std::uint64_t generation, int error, Bytes data)
{
    if (generation != generation_ || phase_ != Phase::Reading) {
        return;
    }
    if (error != 0) {
        // Not ready (NAK), or a part lost on the way (PEC): start over at
        // 0x03, which makes the BMC resend the response from its beginning.
        readNotReady(error, fmt::format("read 0x{:02x} errno {}", multiPart_ ? kCmdMultiReadMiddle : kCmdRead, error));
        return;
    }
    if (!multiPart_) {
        if (data.empty()) {
            readNotReady(EAGAIN, "empty response block");
            return;
        }
        if (data.size() >= 2 && data[0] == 0x00 && data[1] == 0x01) {
            multiPart_ = true;
            assembled_.assign(data.begin() + 2, data.end());
            ++counters_.parts;
            learnDelay();
            readBus(kCmdMultiReadMiddle);
            return;
        }
        assembled_ = std::move(data);
    } else {
        if (data.empty()) {
            finish(failure(EIO, "multi-part read: a part without a block number"));
            return;
        }
        const std::uint8_t block = data[0];
        const std::size_t count = data.size() - 1;
        if (block != kLastBlock && count != kPartData) {
            finish(failure(EIO, fmt::format("multi-part read: block {} has {} bytes, not 31", block, count)));
            return;
        }
        if (assembled_.size() + count > kMaxResponse) {
            finish(failure(E2BIG, fmt::format("multi-part read: response over {} bytes", kMaxResponse)));
            return;
        }
        if (block != kLastBlock && block != nextBlock_) {
            finish(
                failure(EIO, fmt::format("multi-part read: block {} out of sequence, expected {}", block, nextBlock_)));
            return;
        }
        assembled_.insert(assembled_.end(), data.begin() + 1, data.end());
        ++counters_.parts;
        if (block != kLastBlock) {
            ++nextBlock_;
            readBus(kCmdMultiReadMiddle);
            return;
        }
    }
    if (!multiPart_) {
        learnDelay();
    }
    TransferResult success;
    success.response = std::move(assembled_);
    finish(std::move(success));
}

void Transfer::finish(TransferResult result)
{
    if (phase_ != Phase::Idle && !parts_.empty() && partIndex_ >= parts_.size()) {
        trace_.reading = loop_.now() - readStart_;
    }
    if (phase_ != Phase::Idle) {
        trace_.busTime = bus_.busTime() - busAtStart_;
    }
    result.trace = trace_;
    timer_->cancel();
    phase_ = Phase::Idle;
    ++generation_;
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) {
        done(std::move(result));
    }
}

} // namespace ipmi::ssif
