// Messages per second through one open file (IpmiFile) and the message
// handler, with a fake interface that answers every request at once: the
// cost of the userspace stack itself (validation, queues, sequence table,
// user-memory copies), without any hardware or CUSE round trip.
#include "core/device_file.hpp"
#include "core/message_handler.hpp"
#include "core/testing/direct_user_memory.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "core/testing/scripted_interface.hpp"

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>

namespace {

using namespace ipmi;
using core::testing::DirectUserMemory;

struct Bench
{
    Bench()
    {
        spdlog::set_level(spdlog::level::warn);
        auto iface = std::make_unique<core::testing::ScriptedInterface>();
        auto* bmc = iface.get();
        bmc->enableIdentity();
        bmc->setResponder([bmc](const core::SmiBytes& req) -> std::optional<core::SmiBytes> {
            if (req.size() >= 3 && req[1] == abi::IPMI_SEND_MSG_CMD) {
                // Acknowledge the Send Message, then deliver the remote answer
                // as the BMC's receive queue would.
                const auto seqLun = static_cast<std::uint8_t>(req[7] & 0xFC);
                answer_ = core::SmiBytes{0x1C, 0x33, 0x00, 0x00, 0x1E, 0x00, req[3], seqLun, req[8], 0x00, 0x00};
                return core::SmiBytes{0x1C, 0x34, 0x00};
            }
            return core::SmiBytes{static_cast<std::uint8_t>(req[0] | 0x04), req[1], 0x00, 0x20, 0x81};
        });
        ifnum = mh.addInterface(std::move(iface));
        iface_ = bmc;
        file = std::move(core::openDeviceFile(mh, ifnum).value);
    }

    long round(const void* addr, unsigned addrLen, std::uint8_t netfn)
    {
        abi::ipmi_req req{};
        req.addr = static_cast<unsigned char*>(const_cast<void*>(addr));
        req.addr_len = addrLen;
        req.msgid = ++msgid;
        req.msg.netfn = netfn;
        req.msg.cmd = 0x01;
        req.msg.data_len = 1;
        req.msg.data = data.data();
        if (file->ioctl(abi::IPMICTL_SEND_COMMAND, DirectUserMemory::address(&req), mem, false).value() != 0) {
            std::abort();
        }
        if (answer_) {
            auto answer = std::move(*answer_);
            answer_.reset();
            iface_->receive(std::move(answer));
        }
        abi::ipmi_recv rsp{};
        rsp.addr = recvAddr.data();
        rsp.addr_len = recvAddr.size();
        rsp.msg.data = recvData.data();
        rsp.msg.data_len = recvData.size();
        return file->ioctl(abi::IPMICTL_RECEIVE_MSG_TRUNC, DirectUserMemory::address(&rsp), mem, false).value();
    }

    core::testing::FakeEventLoop loop;
    core::MessageHandler mh{loop, core::MessageHandlerParams{}};
    int ifnum = -1;
    std::unique_ptr<core::IpmiFile> file;
    DirectUserMemory mem;
    long msgid = 0;
    std::array<unsigned char, 1> data{0};
    std::array<unsigned char, 40> recvAddr{};
    std::array<unsigned char, 300> recvData{};
    core::testing::ScriptedInterface* iface_ = nullptr;
    static inline std::optional<core::SmiBytes> answer_;
};

void systemInterfaceRoundTrip(benchmark::State& state)
{
    Bench b;
    abi::ipmi_system_interface_addr si{abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE, abi::IPMI_BMC_CHANNEL, 0};
    for (auto _ : state) {
        benchmark::DoNotOptimize(b.round(&si, sizeof(si), 0x06));
    }
    state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(systemInterfaceRoundTrip);

void ipmbRoundTrip(benchmark::State& state)
{
    Bench b;
    abi::ipmi_ipmb_addr ipmb{abi::IPMI_IPMB_ADDR_TYPE, 0, 0x52, 0};
    for (auto _ : state) {
        benchmark::DoNotOptimize(b.round(&ipmb, sizeof(ipmb), 0x06));
    }
    state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(ipmbRoundTrip);

} // namespace

BENCHMARK_MAIN();
