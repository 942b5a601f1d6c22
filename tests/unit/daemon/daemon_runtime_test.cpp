// The running daemon in-process: a Daemon with the simulated BMC on its own
// real Asio loop (a thread of the test), its control socket in a temporary
// directory and a recording device publisher instead of CUSE. Files are
// opened through the OpenFileFn the daemon hands its devices, exactly what
// the CUSE front end calls on open(2).
// Covered: a clean stop (requestStop and SIGTERM) answers a request in
// flight before its interface and device go (with its real answer, or 0xFF
// once the drain runs out); `status` over the socket shows
// the counters move; `fault` acts on the running BMC and is refused without
// --sim; `hotmod` and `ssif` add and remove interfaces (new device, device
// torn down), refuse what the kernel owns and name bad fields.

// GCC 12 reports a -Wnull-dereference false positive inside libstdc++'s
// vector relocation at -O2; the pragma must precede the first library header.
#pragma GCC diagnostic ignored "-Wnull-dereference"
// GCC 12 with -fsanitize=address: -Wmaybe-uninitialized false positive in
// std::variant's move constructor; the pragma must precede <variant>.
#if !defined(__clang__) // clang has no such warning (nor the false positive)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "daemon/asio.hpp"

#include "abi/ipmi.hpp"
#include "core/testing/direct_user_memory.hpp"
#include "daemon/backends/si_factory.hpp"
#include "daemon/backends/ssif_factory.hpp"
#include "daemon/control_socket.hpp"
#include "daemon/daemon_service.hpp"
#include "sim/bmc.hpp"
#include "tests/unit/cuse/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>
#include <utility>

namespace ipmi::daemon {
namespace {

using namespace std::chrono_literals;
using core::testing::DirectUserMemory;

// What the fake publisher saw, shared with the test thread.
struct Published
{
    std::mutex mutex;
    std::vector<std::string> started;
    std::vector<std::string> stopped;
    std::map<std::string, cuse::OpenFileFn> open; // by node name, while published
    std::function<void(const std::string&)> onStop;
    bool withNodes = false; // report a node (char 120:N for ipmiN) for the CDI spec
};

class RecordingDevice final : public PublishedDevice
{
  public:
    RecordingDevice(boost::asio::io_context& io, std::shared_ptr<Published> seen, std::string name,
                    cuse::OpenFileFn open)
        : io_(io), seen_(std::move(seen)), name_(std::move(name)), open_(std::move(open))
    {
    }

    std::optional<std::string> start(ReadyFn onReady, LostFn) override
    {
        {
            std::lock_guard lock(seen_->mutex);
            seen_->started.push_back(name_);
            seen_->open[name_] = open_;
        }
        boost::asio::post(io_, [this, onReady = std::move(onReady)] {
            ready_ = true;
            onReady(std::nullopt);
        });
        return std::nullopt;
    }
    void stop() override
    {
        if (stopped_) {
            return;
        }
        stopped_ = true;
        if (seen_->onStop) {
            seen_->onStop(name_);
        }
        std::lock_guard lock(seen_->mutex);
        seen_->stopped.push_back(name_);
        seen_->open.erase(name_);
    }
    [[nodiscard]] bool ready() const override { return ready_; }
    [[nodiscard]] const std::string& name() const override { return name_; }
    // Distinct figures, so the status line shows each in its place.
    [[nodiscard]] cuse::CuseDeviceCounters counters() const override { return {7, 3, 2, 1}; }
    [[nodiscard]] std::optional<cdi::PublishedNode> node() const override
    {
        if (!seen_->withNodes || !ready_) {
            return std::nullopt;
        }
        const auto minor = static_cast<unsigned>(name_.back() - '0');
        return cdi::PublishedNode{name_, "/dev/" + name_, 120, minor, 0640, 0, 5};
    }

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<Published> seen_;
    std::string name_;
    cuse::OpenFileFn open_;
    bool ready_ = false;
    bool stopped_ = false;
};

using cuse::testing::TempDir;

class RunningDaemon : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        config.daemon.sim = true;
        config.daemon.controlSocket = dir.path() / "control";
        config.daemon.sysroot = (dir.path() / "root").string();
        config.daemon.stopGrace = 20ms;
        config.device.watchdogName.clear();
    }

    void TearDown() override
    {
        if (thread.joinable()) {
            daemon->requestStop();
            thread.join();
        }
        daemon.reset(); // before the BMCs its interfaces point at
    }

    // Plans the backends from `config` and launches the daemon over them.
    void start()
    {
        auto planned = planBackends(config);
        ASSERT_TRUE(std::holds_alternative<BackendPlan>(planned)) << std::get<std::string>(planned);
        auto plan = std::get<BackendPlan>(std::move(planned));
        bmc = plan.bmc.get();
        launch(std::move(plan));
    }

    // Runs the daemon over `plan` on its thread and waits for READY.
    void launch(BackendPlan plan)
    {
        hooks.devices = [this](const NodeSpec& spec, cuse::OpenFileFn open) {
            return std::make_unique<RecordingDevice>(daemon->io(), seen, spec.name, std::move(open));
        };
        auto ready = std::make_shared<std::promise<void>>();
        auto readyFuture = ready->get_future();
        hooks.onReady = [ready] { ready->set_value(); };
        daemon = std::make_unique<Daemon>(config, std::move(plan), hooks);
        thread = std::thread([this] { exitCode = daemon->run(); });
        ASSERT_EQ(readyFuture.wait_for(20s), std::future_status::ready);
    }

    int stopAndJoin()
    {
        daemon->requestStop();
        thread.join();
        return exitCode;
    }

    std::string control(const std::string& line)
    {
        std::string reply;
        const auto error = queryControlSocket(config.daemon.controlSocket, line, reply);
        EXPECT_EQ(error, std::nullopt);
        return reply;
    }

    // Runs `work` on the daemon's loop and waits for it.
    template <typename F>
    auto onLoop(F work) -> decltype(work())
    {
        std::packaged_task<decltype(work())()> task(std::move(work));
        auto result = task.get_future();
        boost::asio::post(daemon->io(), [&task] { task(); });
        return result.get();
    }

    // Opens /dev/NAME the way the CUSE front end does.
    std::unique_ptr<core::IpmiFile> openDevice(const std::string& name)
    {
        cuse::OpenFileFn open;
        {
            std::lock_guard lock(seen->mutex);
            open = seen->open.at(name);
        }
        return onLoop([&open]() -> std::unique_ptr<core::IpmiFile> {
            auto result = open();
            auto* file = std::get_if<std::unique_ptr<core::IpmiFile>>(&result);
            return file != nullptr ? std::move(*file) : nullptr;
        });
    }

    // IPMICTL_SEND_COMMAND_SETTIME from the loop thread.
    long send(core::IpmiFile& file, const void* addr, unsigned addrLen, long msgid, std::uint8_t netfn,
              std::uint8_t cmd, int retries = -1, unsigned retryMs = 0)
    {
        return onLoop([&]() {
            abi::ipmi_req_settime r{};
            r.req.addr = static_cast<unsigned char*>(const_cast<void*>(addr));
            r.req.addr_len = addrLen;
            r.req.msgid = msgid;
            r.req.msg.netfn = netfn;
            r.req.msg.cmd = cmd;
            r.retries = retries;
            r.retry_time_ms = retryMs;
            return file.ioctl(abi::IPMICTL_SEND_COMMAND_SETTIME, DirectUserMemory::address(&r), memory, false).value();
        });
    }

    // A system-interface request, then a wait (bounded) until its answer
    // makes the file readable.
    bool sendAndAwaitAnswer(core::IpmiFile& file, const abi::ipmi_system_interface_addr& to, long msgid,
                            std::uint8_t netfn, std::uint8_t cmd)
    {
        auto answered = std::make_shared<std::promise<void>>();
        onLoop([&] {
            file.setWakeup([answered, once = std::make_shared<bool>(false)] {
                if (!std::exchange(*once, true)) {
                    answered->set_value();
                }
            });
            return 0;
        });
        if (send(file, &to, sizeof to, msgid, netfn, cmd) != 0) {
            return false;
        }
        const bool ready = answered->get_future().wait_for(10s) == std::future_status::ready;
        onLoop([&] {
            file.setWakeup(nullptr);
            return 0;
        });
        return ready;
    }

    // IPMICTL_RECEIVE_MSG_TRUNC; the data bytes, or nullopt with `rv`.
    std::optional<std::vector<std::uint8_t>> receive(core::IpmiFile& file, long& msgid, long& rv)
    {
        std::array<unsigned char, 64> addr{};
        std::array<unsigned char, 64> data{};
        abi::ipmi_recv r{};
        r.addr = addr.data();
        r.addr_len = addr.size();
        r.msg.data = data.data();
        r.msg.data_len = data.size();
        rv = file.ioctl(abi::IPMICTL_RECEIVE_MSG_TRUNC, DirectUserMemory::address(&r), memory, false).value();
        if (rv != 0) {
            return std::nullopt;
        }
        msgid = r.msgid;
        return std::vector<std::uint8_t>(data.begin(), data.begin() + r.msg.data_len);
    }

    static std::uint64_t counter(const std::string& status, const std::string& name)
    {
        std::smatch m;
        const std::regex re("\\b" + name + " ([0-9]+)");
        if (!std::regex_search(status, m, re)) {
            ADD_FAILURE() << name << " not in:\n" << status;
            return 0;
        }
        return std::stoull(m[1]);
    }

    TempDir dir;
    Config config;
    DaemonHooks hooks;
    std::shared_ptr<Published> seen = std::make_shared<Published>();
    std::unique_ptr<Daemon> daemon;
    sim::Bmc* bmc = nullptr;
    std::thread thread;
    int exitCode = -1;
    DirectUserMemory memory;
};

abi::ipmi_system_interface_addr bmcAddr()
{
    abi::ipmi_system_interface_addr a{};
    a.addr_type = abi::IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    a.channel = abi::IPMI_BMC_CHANNEL;
    return a;
}

abi::ipmi_ipmb_addr absentIpmb()
{
    abi::ipmi_ipmb_addr a{};
    a.addr_type = abi::IPMI_IPMB_ADDR_TYPE;
    a.channel = 0;
    a.slave_addr = 0x7E; // no satellite answers there
    return a;
}

TEST_F(RunningDaemon, StopAnswersARequestInFlightBeforeTheDeviceGoes)
{
    // The 100 ms timeout is seen on the handler's one-second tick, so the
    // answer can come just after the default 1 s drain: a loaded machine
    // then got 0xFF. The drain ends as soon as the answer is in.
    config.daemon.stopDrain = 5000ms;
    start();
    auto file = openDevice("ipmi0");
    ASSERT_NE(file, nullptr);
    const auto ipmb = absentIpmb();
    ASSERT_EQ(send(*file, &ipmb, sizeof ipmb, 4242, 0x06, 0x01, 0, 100), 0);
    bool readableAtStop = false;
    seen->onStop = [&](const std::string& name) {
        if (name == "ipmi0") {
            readableAtStop = file->readable();
        }
    };
    EXPECT_EQ(stopAndJoin(), 0);
    EXPECT_TRUE(readableAtStop) << "the answer must be queued while the device still exists";
    long msgid = 0;
    long rv = 0;
    const auto data = receive(*file, msgid, rv);
    ASSERT_TRUE(data.has_value()) << rv;
    EXPECT_EQ(msgid, 4242);
    EXPECT_EQ(*data, std::vector<std::uint8_t>{abi::IPMI_TIMEOUT_COMPLETION_CODE});
    EXPECT_EQ(seen->stopped, std::vector<std::string>{"ipmi0"});
    EXPECT_FALSE(std::filesystem::exists(config.daemon.controlSocket));
    file.reset();
}

TEST_F(RunningDaemon, StopAnswersWithFfWhatOutlivesTheDrain)
{
    config.daemon.stopDrain = 50ms;
    start();
    auto file = openDevice("ipmi0");
    ASSERT_NE(file, nullptr);
    const auto ipmb = absentIpmb();
    // Its own timeout (60 s) is far beyond the drain: only the stop can answer it.
    ASSERT_EQ(send(*file, &ipmb, sizeof ipmb, 77, 0x06, 0x01, 0, 60000), 0);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(stopAndJoin(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    long msgid = 0;
    long rv = 0;
    const auto data = receive(*file, msgid, rv);
    ASSERT_TRUE(data.has_value()) << rv;
    EXPECT_EQ(msgid, 77);
    EXPECT_EQ(*data, std::vector<std::uint8_t>{abi::IPMI_ERR_UNSPECIFIED});
    file.reset();
}

TEST_F(RunningDaemon, SigtermIsACleanStop)
{
    start();
    ::raise(SIGTERM);
    thread.join();
    EXPECT_EQ(exitCode, 0);
    EXPECT_EQ(seen->stopped, std::vector<std::string>{"ipmi0"});
}

TEST_F(RunningDaemon, StatusCountersMoveWithTraffic)
{
    start();
    const auto before = control("status");
    EXPECT_NE(before.find("interface 0 device /dev/ipmi0 type kcs (simulated)"), std::string::npos) << before;
    EXPECT_EQ(counter(before, "users"), 0U);
    EXPECT_NE(before.find("\n  ioctls_in_place 7 ioctls_by_retry 3 polls_held 2 held_polls_ready 1\n"),
              std::string::npos)
        << before;
    auto file = openDevice("ipmi0");
    ASSERT_NE(file, nullptr);
    const auto si = bmcAddr();
    ASSERT_TRUE(sendAndAwaitAnswer(*file, si, 1, 0x06, 0x01));
    const auto after = control("status");
    EXPECT_EQ(counter(after, "requests"), counter(before, "requests") + 1);
    EXPECT_EQ(counter(after, "users"), 1U);
    EXPECT_EQ(counter(after, "timeouts"), 0U);
    onLoop([&] {
        file.reset();
        return 0;
    });
    EXPECT_EQ(counter(control("status"), "users"), 0U);
}

// The default configuration stands for ipmi_si + ipmi_devintf (+
// ipmi_watchdog, off in this fixture): no service of ours holds a user, so
// every max_users slot is an open of /dev/ipmi0, and acpi_ipmi, a module of
// its own, is not "loaded".
TEST_F(RunningDaemon, EveryUserSlotIsLeftToOpensAndTheAcpiBridgeIsOff)
{
    start();
    std::vector<std::unique_ptr<core::IpmiFile>> files;
    for (int i = 0; i < core::MessageHandlerParams{}.maxUsers; ++i) {
        files.push_back(openDevice("ipmi0"));
        ASSERT_NE(files.back(), nullptr) << "open " << i + 1;
    }
    EXPECT_EQ(openDevice("ipmi0"), nullptr);
    EXPECT_EQ(control("acpi-ipmi 0x0601 00:00"),
              "error acpi-ipmi: the bridge is off (start the daemon with --acpi_ipmi.enabled)\n");
    onLoop([&] {
        files.clear();
        return 0;
    });
}

// A BMC that answers 0xC3 is a fault episode of its interface: status
// shows it hosed with what was seen, then recovering once it answers.
TEST_F(RunningDaemon, StatusShowsAFaultEpisodeAndItsCounters)
{
    start();
    auto before = nlohmann::json::parse(control("status json"));
    ASSERT_EQ(before["interfaces"].size(), 1U);
    EXPECT_EQ(before["interfaces"][0]["state"], "up");
    EXPECT_EQ(before["interfaces"][0]["kind"], "sim");
    EXPECT_EQ(before["interfaces"][0]["device"], "/dev/ipmi0");
    EXPECT_FALSE(before["interfaces"][0]["bmc"].is_null());
    EXPECT_EQ(before["interfaces"][0]["driver"]["fault_episodes"], 0);

    EXPECT_NE(control("fault set cc 0x06 0x01 0xc3 2").find("code 0xc3 count 2"), std::string::npos);
    auto file = openDevice("ipmi0");
    ASSERT_NE(file, nullptr);
    const auto si = bmcAddr();
    for (long msgid = 1; msgid <= 2; ++msgid) {
        ASSERT_TRUE(sendAndAwaitAnswer(*file, si, msgid, 0x06, 0x01));
        long got = 0;
        long rv = 0;
        const auto data = onLoop([&] { return receive(*file, got, rv); });
        ASSERT_TRUE(data.has_value()) << rv;
        EXPECT_EQ(*data, std::vector<std::uint8_t>{0xC3});
    }
    const auto hosed = nlohmann::json::parse(control("status json"))["interfaces"][0];
    EXPECT_EQ(hosed["state"], "hosed");
    EXPECT_EQ(hosed["last_error"]["what"], "netfn 0x06 cmd 0x01: completion code 0xc3 (timeout)");
    EXPECT_EQ(hosed["episode"]["failed_transactions"], 2);
    EXPECT_EQ(hosed["driver"]["timed_out_transactions"], 2);
    EXPECT_EQ(hosed["driver"]["fault_episodes"], 1);
    EXPECT_EQ(hosed["counters"]["responses"]["timeout"],
              before["interfaces"][0]["counters"]["responses"]["timeout"].get<int>() + 2);
    const auto text = control("status");
    EXPECT_NE(text.find("\n  state hosed since "), std::string::npos) << text;
    const auto metrics = control("status openmetrics");
    EXPECT_NE(metrics.find("\nipmi_cuse_interface_state{interface=\"0\",state=\"hosed\"} 1\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("\nipmi_cuse_driver_fault_episodes_total{interface=\"0\"} 1\n"), std::string::npos)
        << metrics;
    EXPECT_TRUE(metrics.ends_with("# EOF\n"));

    ASSERT_TRUE(sendAndAwaitAnswer(*file, si, 3, 0x06, 0x01));
    const auto recovering = nlohmann::json::parse(control("status json"))["interfaces"][0];
    EXPECT_EQ(recovering["state"], "recovering");
    EXPECT_EQ(recovering["last_error"]["what"], "netfn 0x06 cmd 0x01: completion code 0xc3 (timeout)");
    onLoop([&] {
        file.reset();
        return 0;
    });
}

TEST_F(RunningDaemon, TheAcpiBridgeServesOnlyWhenEnabled)
{
    config.acpiIpmi.enabled = true;
    start();
    // The simulated interface is no ACPI device: the bridge runs and says so.
    EXPECT_EQ(control("acpi-ipmi 0x0601 00:00"), "error acpi-ipmi: No such device (no interface described by ACPI)\n");
}

TEST_F(RunningDaemon, AFurtherNodeIsPublishedBesideTheInterfacesOwnAndListedInStatus)
{
    NodeConfig monitor;
    monitor.name = "ipmi0-monitor";
    monitor.mode = 0660;
    monitor.gid = 110;
    config.device.nodes.push_back(monitor);
    start();
    {
        std::lock_guard lock(seen->mutex);
        EXPECT_EQ(seen->started, (std::vector<std::string>{"ipmi0", "ipmi0-monitor"}));
    }
    const auto status = control("status");
    EXPECT_NE(status.find("interface 0 device /dev/ipmi0 type kcs"), std::string::npos) << status;
    // With the audit on (the default) each node's gate counts.
    EXPECT_NE(status.find("\n  node /dev/ipmi0 policy full opens 0 ioctls_in_place 7 ioctls_by_retry 3 requests 0 "
                          "refusals 0 refused_ioctls 0\n"),
              std::string::npos)
        << status;
    EXPECT_NE(status.find("\n  node /dev/ipmi0-monitor policy " + cuse::NodePolicy::monitor().text() + " opens 0"),
              std::string::npos)
        << status;
}

TEST_F(RunningDaemon, FaultVerbActsOnTheRunningBmc)
{
    start();
    const auto set = control("fault set cc 0x06 0x01 0xc0 1");
    EXPECT_NE(set.find("cc netfn 0x06 cmd 0x01 code 0xc0 count 1\n"), std::string::npos) << set;
    auto file = openDevice("ipmi0");
    ASSERT_NE(file, nullptr);
    const auto si = bmcAddr();
    ASSERT_TRUE(sendAndAwaitAnswer(*file, si, 9, 0x06, 0x01));
    long msgid = 0;
    long rv = 0;
    const auto data = onLoop([&] { return receive(*file, msgid, rv); });
    ASSERT_TRUE(data.has_value()) << rv;
    EXPECT_EQ(*data, std::vector<std::uint8_t>{0xC0});
    EXPECT_NE(control("fault list").find("forced_cc 1"), std::string::npos);
    EXPECT_EQ(control("fault set cc 0x06"), "error fault set cc: expected NETFN CMD|any CODE [COUNT]\n");
    onLoop([&] {
        file.reset();
        return 0;
    });
}

// A status register held busy (KCS IBF set, as a hung controller shows it):
// the request waits in the register and is answered once it is released,
// well inside the state machine's 5-s IBF timeout.
TEST_F(RunningDaemon, ABusyStatusRegisterHoldsTheAnswerUntilReleased)
{
    start();
    auto file = openDevice("ipmi0");
    ASSERT_NE(file, nullptr);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_NE(control("fault set busy 400ms").find("\nbusy "), std::string::npos);
    ASSERT_TRUE(sendAndAwaitAnswer(*file, bmcAddr(), 3, 0x06, 0x01));
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 400ms);
    long msgid = 0;
    long rv = 0;
    const auto data = onLoop([&] { return receive(*file, msgid, rv); });
    ASSERT_TRUE(data.has_value()) << rv;
    EXPECT_EQ(msgid, 3);
    EXPECT_EQ(data->at(0), 0x00);
    EXPECT_NE(control("fault list").find("busy off\n"), std::string::npos);
    onLoop([&] {
        file.reset();
        return 0;
    });
}

// A BMC with no interrupt wired and 30 ms per command: the running daemon's
// KCS driver finds the answer by its own looks at the status register, no
// sooner than the BMC has it and well before the 5-s OBF timeout.
TEST_F(RunningDaemon, WithoutAnInterruptTheAnswerIsFoundByLooking)
{
    start();
    auto file = openDevice("ipmi0");
    ASSERT_NE(file, nullptr);
    EXPECT_NE(control("fault set no-irq").find("no-irq on\n"), std::string::npos);
    control("fault set delay 30");
    for (long msgid = 1; msgid <= 3; ++msgid) {
        const auto t0 = std::chrono::steady_clock::now();
        ASSERT_TRUE(sendAndAwaitAnswer(*file, bmcAddr(), msgid, 0x06, 0x01));
        const auto took = std::chrono::steady_clock::now() - t0;
        EXPECT_GE(took, 30ms);
        EXPECT_LT(took, 2s);
        long got = 0;
        long rv = 0;
        const auto data = onLoop([&] { return receive(*file, got, rv); });
        ASSERT_TRUE(data.has_value()) << rv;
        EXPECT_EQ(got, msgid);
        EXPECT_EQ(data->at(0), 0x00);
    }
    EXPECT_NE(control("fault clear no-irq").find("no-irq off\n"), std::string::npos);
    onLoop([&] {
        file.reset();
        return 0;
    });
}

// A BMC reset in the middle of a KCS transfer: the state machine's error
// recovery restarts the transfer, and the client gets the real answer.
TEST_F(RunningDaemon, AResetMidTransferIsRecoveredAndAnswered)
{
    start();
    auto file = openDevice("ipmi0");
    ASSERT_NE(file, nullptr);
    EXPECT_NE(control("fault set reset").find("reset pending\n"), std::string::npos);
    ASSERT_TRUE(sendAndAwaitAnswer(*file, bmcAddr(), 4, 0x06, 0x01));
    long msgid = 0;
    long rv = 0;
    const auto data = onLoop([&] { return receive(*file, msgid, rv); });
    ASSERT_TRUE(data.has_value()) << rv;
    EXPECT_EQ(msgid, 4);
    EXPECT_EQ(data->at(0), 0x00);
    EXPECT_GT(data->size(), 11U);
    const auto list = control("fault list");
    EXPECT_NE(list.find("reset off\n"), std::string::npos) << list;
    EXPECT_EQ(counter(list, "transfer_resets"), 1U);
    onLoop([&] {
        file.reset();
        return 0;
    });
}

// A daemon whose one interface is "hardware" (a simulated interface the
// plan does not present as the simulator): fault must be refused.
TEST_F(RunningDaemon, FaultIsRefusedWithoutTheSimulator)
{
    config.daemon.sim = false;
    auto hardwareBmc = std::make_unique<sim::Bmc>(sim::BmcConfig::defaults(), std::chrono::steady_clock::now());
    BackendPlan plan;
    Backend backend;
    backend.description = "kcs i/o 0xca2 (test)";
    backend.target.address = 0xCA2;
    backend.make = [b = hardwareBmc.get()](core::EventLoop& loop) -> MakeResult {
        return makeSimulatedSi(loop, *b, si::SiType::Kcs);
    };
    plan.backends.push_back(backend);
    launch(std::move(plan));
    EXPECT_EQ(control("fault list"),
              "error fault: fault injection acts on the simulated BMC, and this daemon drives real hardware "
              "(start it with --sim)\n");
    EXPECT_EQ(stopAndJoin(), 0);
}

class RunningDaemonWithHotmod : public RunningDaemon
{
  protected:
    void SetUp() override
    {
        RunningDaemon::SetUp();
        // "Hardware" for run-time adds: a second simulated BMC, so the add
        // path (interface, registration, device) runs for real.
        hooks.hotmodBackend = [this](const Config& c, const si::discovery::DiscoveredInterface& d) {
            Backend b = siBackend(c, d, 0);
            b.make = [this](core::EventLoop& loop) -> MakeResult {
                return makeSimulatedSi(loop, hardware, si::SiType::Kcs);
            };
            return b;
        };
        hooks.ssifBackend = [this](const Config& c, const ssif::SsifParams& p) {
            Backend b = ssifBackend(c, p);
            b.make = [this](core::EventLoop& loop) -> MakeResult { return makeSimulatedSsif(loop, hardware); };
            return b;
        };
    }

    sim::Bmc hardware{sim::BmcConfig::defaults(), std::chrono::steady_clock::now()};
};

TEST_F(RunningDaemonWithHotmod, AddThenRemoveAnInterfaceAndItsDevice)
{
    start();
    const auto added = control("hotmod add,kcs,i/o,0xca2,rsp=1");
    EXPECT_EQ(added, "interface 1 added: hotmod operation 0 (add kcs i/o 0xca2): kcs i/o 0xca2 spacing 1 "
                     "(hotmod), /dev/ipmi1\n");
    {
        std::lock_guard lock(seen->mutex);
        EXPECT_EQ(seen->started, (std::vector<std::string>{"ipmi0", "ipmi1"}));
    }
    EXPECT_NE(control("status").find("interface 1 device /dev/ipmi1"), std::string::npos);
    auto file = openDevice("ipmi1");
    ASSERT_NE(file, nullptr);
    onLoop([&] {
        file.reset();
        return 0;
    });

    // Like ipmi_si's hotmod: the duplicate is not added, yet the write succeeds.
    EXPECT_EQ(control("hotmod add,kcs,i/o,0xca2"),
              "hotmod operation 0 (add kcs i/o 0xca2): not added, interface 1 is already at this address\n");
    EXPECT_EQ(control("  hotmod remove,kcs,i/o,0xca2\n"),
              "interface 1 removed: hotmod operation 0 (remove kcs i/o 0xca2)\n");
    {
        std::lock_guard lock(seen->mutex);
        EXPECT_EQ(seen->stopped, std::vector<std::string>{"ipmi1"});
        EXPECT_FALSE(seen->open.contains("ipmi1"));
    }
    EXPECT_EQ(control("status").find("interface 1"), std::string::npos);
    // Like ipmi_si's hotmod, removing what is not there is no error.
    EXPECT_EQ(control("hotmod remove,kcs,i/o,0xca2"), "hotmod operation 0 (remove kcs i/o 0xca2): no such interface\n");
    // The simulator's own interface is not hardware: hotmod never removes it.
    EXPECT_NE(control("status").find("interface 0 device /dev/ipmi0"), std::string::npos);
    EXPECT_EQ(stopAndJoin(), 0);
}

// The spec appears with READY, follows a run-time add and remove, and goes
// on stop; a node CDI cannot name is left out.
TEST_F(RunningDaemonWithHotmod, TheCdiSpecFollowsTheNodes)
{
    seen->withNodes = true;
    config.device.cdiDir = dir.path() / "cdi";
    const auto spec = config.device.cdiDir / "ipmi-cuse.org-ipmi.json";
    const cdi::PublishedNode ipmi0{"ipmi0", "/dev/ipmi0", 120, 0, 0640, 0, 5};
    const cdi::PublishedNode ipmi1{"ipmi1", "/dev/ipmi1", 120, 1, 0640, 0, 5};
    const auto fileText = [&spec] {
        std::ifstream in(spec);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    };
    start();
    EXPECT_EQ(fileText(), cdi::buildSpec(cdi::kDefaultKind, {ipmi0}));
    ASSERT_NE(control("hotmod add,kcs,i/o,0xca2,rsp=1").find("added"), std::string::npos);
    EXPECT_EQ(fileText(), cdi::buildSpec(cdi::kDefaultKind, {ipmi0, ipmi1}));
    ASSERT_NE(control("hotmod remove,kcs,i/o,0xca2").find("removed"), std::string::npos);
    EXPECT_EQ(fileText(), cdi::buildSpec(cdi::kDefaultKind, {ipmi0}));
    EXPECT_EQ(stopAndJoin(), 0);
    EXPECT_FALSE(std::filesystem::exists(spec));
    EXPECT_TRUE(std::filesystem::exists(config.device.cdiDir));
}

TEST_F(RunningDaemon, NoCdiSpecWhenTurnedOff)
{
    seen->withNodes = true;
    config.device.cdi = false;
    config.device.cdiDir = dir.path() / "cdi";
    start();
    EXPECT_FALSE(std::filesystem::exists(config.device.cdiDir));
    EXPECT_EQ(stopAndJoin(), 0);
}

TEST_F(RunningDaemonWithHotmod, BadStringsNameTheField)
{
    start();
    EXPECT_EQ(control("hotmod add,kcs,i/o,zz"),
              "error hotmod operation 0 'add,kcs,i/o,zz': invalid hotmod address 'zz'\n");
    EXPECT_EQ(control("hotmod add,kcs,i/o,0xca2:add,ipmb,i/o,0xca8"),
              "error hotmod operation 1 'add,ipmb,i/o,0xca8': invalid hotmod interface type 'ipmb' (kcs, bt or "
              "smic)\n");
    EXPECT_EQ(control("hotmod add,kcs,i/o,0xca2,rsi=3"),
              "error hotmod operation 0 'add,kcs,i/o,0xca2,rsi=3': bad option given for 'rsi': 3 (1, 2, 4 or 8)\n");
    // A refused string changes nothing.
    EXPECT_EQ(control("status").find("interface 1"), std::string::npos);
}

TEST_F(RunningDaemonWithHotmod, RefusesWhatTheKernelDrives)
{
    dir.write("root/proc/ioports", "0ca2-0ca3 : ipmi_si\n");
    dir.write("root/sys/bus/i2c/drivers/ipmi_ssif/0-0010/uevent", "");
    start();
    const auto si = control("hotmod add,kcs,i/o,0xca2");
    EXPECT_EQ(si.rfind("error hotmod operation 0 (add kcs i/o 0xca2): kcs i/o 0xca2 spacing 1 (hotmod): the kernel's "
                       "ipmi_si holds ca2-ca3 in /proc/ioports",
                       0),
              0U)
        << si;
    const auto ssif = control("ssif add i2c-0 0x10");
    EXPECT_EQ(ssif.rfind("error ssif add i2c-0 0x10: ssif i2c-0 addr 16 (hotmod): the kernel's ipmi_ssif already "
                         "drives i2c-0 address 0x10",
                         0),
              0U)
        << ssif;
    std::lock_guard lock(seen->mutex);
    EXPECT_EQ(seen->started, std::vector<std::string>{"ipmi0"});
}

TEST_F(RunningDaemonWithHotmod, SsifAddAndRemove)
{
    start();
    EXPECT_EQ(control("ssif add 3 0x10"), "interface 1 added: ssif add 3 0x10: ssif 3 addr 16 (hotmod), /dev/ipmi1\n");
    EXPECT_NE(control("status").find("interface 1 device /dev/ipmi1 type ssif"), std::string::npos);
    EXPECT_EQ(control("ssif remove i2c-3 0x10"), "interface 1 removed: ssif remove i2c-3 0x10\n");
    EXPECT_EQ(control("ssif remove i2c-3 0x10"),
              "error ssif remove i2c-3 0x10: no such interface\nssif remove i2c-3 0x10: no such interface\n");
    EXPECT_EQ(control("ssif add i2c-3 0x80"),
              "error ssif add: ADDR '0x80' is not a number in 1..127 (a 7-bit SMBus address)\n");
    EXPECT_EQ(control("ssif add 0x10"), "error ssif add needs ADAPTER ADDR (e.g. i2c-0 0x10)\n");
    EXPECT_EQ(stopAndJoin(), 0);
}

} // namespace
} // namespace ipmi::daemon
