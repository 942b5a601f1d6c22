// Shared fixture of the core/services tests: a MessageHandler on a
// FakeEventLoop, scripted interfaces that finished registration through the
// identity responder, and a table of answers by (netfn, cmd) that every
// interface's responder consults; requests with no answer stay pending for
// the test to answer (or to let time out).
#pragma once

#include "core/message_handler.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/scripted_interface.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace ipmi::core::services::testing {

using Bytes = std::vector<std::uint8_t>;
using core::testing::FakeEventLoop;
using core::testing::ScriptedInterface;

// A Get Device ID answer (cc first) with the fields the services read.
inline Bytes deviceIdAnswer(std::uint32_t manufacturer, std::uint16_t product, std::uint8_t capabilities,
                            std::uint8_t ipmiVersion = 0x02)
{
    return Bytes{0x00,
                 0x20,
                 0x01,
                 0x02,
                 0x03,
                 ipmiVersion,
                 capabilities,
                 static_cast<std::uint8_t>(manufacturer & 0xFF),
                 static_cast<std::uint8_t>((manufacturer >> 8) & 0xFF),
                 static_cast<std::uint8_t>((manufacturer >> 16) & 0xFF),
                 static_cast<std::uint8_t>(product & 0xFF),
                 static_cast<std::uint8_t>(product >> 8)};
}

inline std::uint8_t ipmbSum(const Bytes& b, std::size_t from, std::size_t to)
{
    std::uint8_t sum = 0;
    for (std::size_t i = from; i < to; ++i) {
        sum = static_cast<std::uint8_t>(sum + b[i]);
    }
    return static_cast<std::uint8_t>(-sum);
}

// The Send Message frame the handler builds for an IPMB request on channel 0:
// [0x18 0x34 ch rsSA netfn/lun chk rqSA seq/lun cmd data... chk].
inline Bytes ipmbFrame(std::uint8_t rsSa, std::uint8_t netfn, std::uint8_t rsLun, std::uint8_t seq, std::uint8_t cmd,
                       const Bytes& data, std::uint8_t rqSa = 0x20, std::uint8_t rqLun = 2)
{
    Bytes f{0x18,
            0x34,
            0x00,
            rsSa,
            static_cast<std::uint8_t>((netfn << 2) | rsLun),
            0,
            rqSa,
            static_cast<std::uint8_t>((seq << 2) | rqLun),
            cmd};
    f[5] = ipmbSum(f, 3, 5);
    f.insert(f.end(), data.begin(), data.end());
    f.push_back(ipmbSum(f, 6, f.size()));
    return f;
}

// The Get Message reply answering such a frame with `ccAndData`.
inline Bytes ipmbReplyTo(const Bytes& frame, const Bytes& ccAndData)
{
    const std::uint8_t netfn = frame[4] >> 2;
    Bytes r{0x1C,
            0x33,
            0x00,
            frame[2],
            static_cast<std::uint8_t>(((netfn | 1) << 2) | (frame[7] & 3)),
            0,
            frame[3],
            static_cast<std::uint8_t>((frame[7] & 0xFC) | (frame[4] & 3)),
            frame[8]};
    r[5] = ipmbSum(Bytes{frame[6], r[4]}, 0, 2);
    r.insert(r.end(), ccAndData.begin(), ccAndData.end());
    r.push_back(ipmbSum(r, 6, r.size()));
    return r;
}

class ServicesTest : public ::testing::Test
{
  protected:
    using Answer = std::function<Bytes(const Bytes& request)>;

    static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }

    void SetUp() override { mh = std::make_unique<MessageHandler>(loop, MessageHandlerParams{}); }

    void TearDown() override
    {
        mh.reset();
        loop.runPosted();
        if (!tmp_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(tmp_, ec);
        }
    }

    // Registers a scripted interface (identity answered automatically), then
    // hands it to the answer table. Returns it; its number goes to *ifnumOut.
    ScriptedInterface* addInterface(InterfaceInfo info = ScriptedInterface::defaultInfo(), int* ifnumOut = nullptr)
    {
        auto iface = std::make_unique<ScriptedInterface>(std::move(info));
        auto* raw = iface.get();
        raw->enableIdentity();
        const int n = mh->addInterface(std::move(iface));
        loop.runPosted();
        raw->disableIdentity();
        raw->clearRequests();
        raw->setResponder([this](const SmiBytes& req) { return respond(req); });
        if (ifnumOut != nullptr) {
            *ifnumOut = n;
        }
        return raw;
    }

    void answer(std::uint8_t netfn, std::uint8_t cmd, Bytes ccAndData)
    {
        answers[{netfn, cmd}] = [ccAndData](const Bytes&) { return ccAndData; };
    }
    void answerWith(std::uint8_t netfn, std::uint8_t cmd, Answer fn) { answers[{netfn, cmd}] = std::move(fn); }

    std::optional<SmiBytes> respond(const SmiBytes& req)
    {
        if (req.size() < 2) {
            return std::nullopt;
        }
        auto it = answers.find({static_cast<std::uint8_t>(req[0] >> 2), req[1]});
        if (it == answers.end()) {
            return std::nullopt;
        }
        SmiBytes rsp{static_cast<std::uint8_t>(req[0] | 0x04), req[1]};
        const auto tail = it->second(req);
        rsp.insert(rsp.end(), tail.begin(), tail.end());
        return rsp;
    }

    // A fresh directory for this test, removed afterwards.
    std::filesystem::path tempDir()
    {
        if (tmp_.empty()) {
            const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
            tmp_ = std::filesystem::temp_directory_path() / (std::string("ipmi-svc-") + info->test_suite_name() + "-" +
                                                             info->name() + "-" + std::to_string(::getpid()));
            std::filesystem::remove_all(tmp_);
            std::filesystem::create_directories(tmp_);
        }
        return tmp_;
    }

    FakeEventLoop loop;
    std::unique_ptr<MessageHandler> mh;
    std::map<std::pair<std::uint8_t, std::uint8_t>, Answer> answers;

  private:
    std::filesystem::path tmp_;
};

} // namespace ipmi::core::services::testing
