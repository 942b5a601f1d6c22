// Target (7): the IPMI watchdog device (watchdog_dev/): its file operations
// (open, write with the magic 'V', read, release), its WDIOC ioctls through
// the same two-step unrestricted-ioctl protocol the CUSE glue runs
// (cuse_watchdog.cpp: planIoctl, a retry for ioctlShape's ranges at arg,
// then the command) over a fake caller address space, and the module
// parameters changed at run time, against a BMC port whose answers are the
// input's bytes, given at once or held and released later, on a fake loop.
//
// Checked besides "no crash, no sanitizer report": every store into the
// caller's memory lies inside the ioctl's argument (its _IOC_SIZE) and
// within the out-range the glue asked for; every call completes exactly
// once (a held BMC answer, once given, completes what waited on it; a
// waiting read ends with EINTR when interrupted); a write returns at most
// its length; a second open is EBUSY.
//
// The input: up to three load-time parameters (name index, text), the BMC's
// IPMI version, then operations, each a code byte (mod 14) and its fields
// (Session::step; corpus/generate.py writes them): 0 open, 1 release,
// 2 write BYTES, 3 read COUNT NONBLOCK, 4 ioctl CMD PTR, 5 release a held
// answer BYTES, 6 port mode (hold, fail sends), 7 advance MS, 8 pre-timeout,
// 9 set a parameter at run time, 10 poke caller memory, 11 interrupt the
// oldest waiting read, 12 script the next immediate answer, 13 shutdown VERB.
#include "abi/watchdog.hpp"
#include "core/testing/fake_event_loop.hpp"
#include "fuzz/caller_space.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/fuzz_input.hpp"
#include "watchdog_dev/watchdog_device.hpp"
#include "watchdog_dev/watchdog_timer.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace ipmi::fuzz {
namespace {

using cuse::UserRange;

constexpr std::uint64_t kCaller = 0x20000;
constexpr std::size_t kCallerSize = 0x200;

constexpr std::array<std::uint32_t, 11> kCommands{
    abi::WDIOC_GETSUPPORT,    abi::WDIOC_GETSTATUS,     abi::WDIOC_GETBOOTSTATUS, abi::WDIOC_GETTEMP,
    abi::WDIOC_SETOPTIONS,    abi::WDIOC_KEEPALIVE,     abi::WDIOC_SETTIMEOUT,    abi::WDIOC_GETTIMEOUT,
    abi::WDIOC_SETPRETIMEOUT, abi::WDIOC_GETPRETIMEOUT, abi::WDIOC_GETTIMELEFT,
};

constexpr std::array<std::string_view, 9> kParameters{
    "timeout",   "pretimeout", "action",       "preaction",         "preop",
    "start_now", "nowayout",   "ifnum_to_use", "panic_wdt_timeout",
};

// The BMC behind the message handler: each request is answered with the
// input's bytes ([cc][data...], possibly empty or short): at once with the
// next scripted answer (success, 0x00, when none is left), or, while
// holding, when the program releases it with the bytes it gives then.
class FuzzPort final : public watchdog::WatchdogIpmiPort
{
  public:
    explicit FuzzPort(core::testing::FakeEventLoop& loop) : loop_(loop) {}

    int send(std::uint8_t /*netfn*/, std::uint8_t /*cmd*/, std::span<const std::uint8_t> /*data*/,
             bool /*highPriority*/, watchdog::ResponseHandler onResponse) override
    {
        if (sendError != 0) {
            return sendError;
        }
        if (hold) {
            held_.push_back(std::move(onResponse));
            return 0;
        }
        std::vector<std::uint8_t> answer{0x00};
        if (!script.empty()) {
            answer = std::move(script.front());
            script.pop_front();
        }
        loop_.post([fn = std::move(onResponse), answer = std::move(answer)] { fn(answer); });
        return 0;
    }
    [[nodiscard]] std::optional<watchdog::IpmiVersion> ipmiVersion() const override { return version; }

    void releaseOne(const std::vector<std::uint8_t>& answer)
    {
        if (held_.empty()) {
            return;
        }
        auto fn = std::move(held_.front());
        held_.pop_front();
        fn(answer);
    }
    [[nodiscard]] bool holding() const { return !held_.empty(); }

    std::deque<std::vector<std::uint8_t>> script;
    int sendError = 0;
    bool hold = false;
    std::optional<watchdog::IpmiVersion> version = watchdog::IpmiVersion{2, 0};

  private:
    core::testing::FakeEventLoop& loop_;
    std::deque<watchdog::ResponseHandler> held_;
};

// One call that completes through a callback: must complete exactly once.
struct Completion
{
    std::string what;
    int times = 0;
};

class Session
{
  public:
    explicit Session(FuzzInput& in) : in_(in), port_(loop_), timer_(parameters()), device_(timer_)
    {
        space_.map(kCaller, kCallerSize);
        const std::uint8_t version = in_.u8();
        if (version >= 0xF0) {
            port_.version.reset();
        } else {
            port_.version = watchdog::IpmiVersion{static_cast<std::uint8_t>(version % 3), 0};
        }
        timer_.attach(port_, expect("attach"));
        loop_.runPosted();
    }

    void run()
    {
        while (!in_.empty()) {
            step(in_.u8());
        }
        settle();
    }

  private:
    watchdog::Parameters parameters()
    {
        watchdog::Parameters params;
        const std::uint8_t count = in_.u8() % 4;
        for (std::uint8_t i = 0; i < count; ++i) {
            const auto name = kParameters.at(in_.u8() % kParameters.size());
            const auto value = in_.shortBytes();
            (void)watchdog::applyParameter(params, name, std::string(value.begin(), value.end()),
                                           watchdog::ParameterTime::Startup);
        }
        return params;
    }

    void step(std::uint8_t op)
    {
        switch (op % 14) {
        case 0: {
            const bool wasOpen = device_.isOpen();
            const int rv = device_.open();
            if (wasOpen ? rv != -EBUSY : rv != 0) {
                fail("open returned " + std::to_string(rv) + (wasOpen ? " while open" : " while closed"));
            }
            break;
        }
        case 1:
            if (device_.isOpen() && !releasing_) {
                releasing_ = true;
                auto done = expect("release");
                device_.release([this, done] {
                    releasing_ = false;
                    done(0);
                });
            }
            break;
        case 2: {
            const auto data = in_.shortBytes();
            auto done = expect("write");
            device_.write(data, [done, size = data.size()](long rv) {
                if (rv > static_cast<long>(size)) {
                    fail("write returned more than its length");
                }
                done(static_cast<int>(rv));
            });
            break;
        }
        case 3: {
            const std::size_t count = in_.u8() % 4;
            auto done = expect("read");
            const std::uint64_t ticket = device_.read(count, in_.flag(), [done](long rv) {
                if (rv > 1) {
                    fail("read returned more than one byte");
                }
                done(static_cast<int>(rv));
            });
            if (ticket != 0) {
                tickets_.push_back(ticket);
            }
            break;
        }
        case 4:
            ioctl();
            break;
        case 5:
            port_.releaseOne(in_.shortBytes());
            break;
        case 6: {
            const std::uint8_t mode = in_.u8();
            port_.hold = (mode & 1U) != 0;
            port_.sendError = (mode & 2U) != 0 ? -ENOMEM : 0;
            break;
        }
        case 7:
            loop_.advance(std::chrono::milliseconds(in_.u16()));
            break;
        case 8:
            timer_.pretimeout();
            break;
        case 9: {
            const auto name = kParameters.at(in_.u8() % kParameters.size());
            const auto value = in_.shortBytes();
            auto done = expect("parameter " + std::string(name));
            if (timer_.changeParameter(name, std::string(value.begin(), value.end()), done)) {
                done(0); // refused: done is not called, as documented
            }
            break;
        }
        case 10: {
            const std::uint64_t at = kCaller + in_.u8() % kCallerSize;
            const auto bytes = in_.shortBytes();
            space_.write(at, bytes.data(), bytes.size());
            break;
        }
        case 11:
            if (!tickets_.empty()) {
                device_.interruptRead(tickets_.front());
                tickets_.pop_front();
            }
            break;
        case 12:
            port_.script.push_back(in_.shortBytes());
            break;
        default:
            timer_.systemShutdown(static_cast<watchdog::ShutdownVerb>(in_.u8() % 4), expect("shutdown"));
            break;
        }
        loop_.runPosted();
    }

    // The argument's address: mostly inside the caller's memory, sometimes
    // straddling its end, null or wild.
    std::uint64_t pointer()
    {
        const std::uint8_t sel = in_.u8();
        if (sel < 0xF0) {
            return kCaller + (sel * 4U) % kCallerSize;
        }
        switch (sel & 3U) {
        case 0:
            return 0;
        case 1:
            return kCaller + kCallerSize - (in_.u8() % 8);
        default:
            return in_.u64();
        }
    }

    // cuse_watchdog.cpp's ioctl over the kernel's retry protocol: the first
    // call brings nothing; a Retry names the ranges at arg; the kernel
    // fetches the in-range (EFAULT if it faults) and calls again; the reply's
    // bytes are stored into the out-range when the command completes.
    void ioctl()
    {
        const std::uint8_t sel = in_.u8();
        const std::uint32_t cmd = sel < 0xF0 ? kCommands.at(sel % kCommands.size()) : in_.u32();
        const std::uint64_t arg = pointer();
        std::vector<std::uint8_t> inBytes;
        std::size_t outSize = 0;
        for (int round = 0;; ++round) {
            switch (watchdog::planIoctl(cmd, inBytes.size(), outSize)) {
            case watchdog::IoctlStep::Unsupported:
                return;
            case watchdog::IoctlStep::Retry: {
                if (round > 0) {
                    fail("watchdog ioctl: a retry after the ranges asked for were given");
                }
                const auto shape = watchdog::ioctlShape(cmd).value_or(watchdog::IoctlShape{});
                inBytes.resize(shape.in);
                if (!space_.read(arg, shape.in, inBytes.data())) {
                    return; // EFAULT before the device sees anything
                }
                outSize = shape.out;
                continue;
            }
            case watchdog::IoctlStep::Run:
                break;
            }
            break;
        }
        if (abi::ioc_size(cmd) < outSize) {
            fail("watchdog ioctl: an out-range larger than the argument");
        }
        auto done = expect("ioctl " + std::to_string(cmd));
        device_.ioctl(cmd, inBytes, [this, done, arg, outSize](watchdog::IoctlReply reply) {
            if (reply.out.size() > outSize) {
                fail("watchdog ioctl: more bytes out than the out-range holds");
            }
            space_.store(arg, reply.out.data(), reply.out.size());
            for (const auto& s : space_.takeStores()) {
                if (!covered(s, {UserRange{arg, outSize}})) {
                    fail("watchdog ioctl stored outside its argument");
                }
            }
            done(static_cast<int>(reply.result));
        });
    }

    watchdog::Done expect(std::string what)
    {
        auto& c = completions_.emplace_back(std::make_shared<Completion>(Completion{std::move(what), 0}));
        return [c](int result) {
            trace(c->what + ": " + std::to_string(result));
            if (++c->times > 1) {
                fail(c->what + " completed twice");
            }
        };
    }

    // The BMC answers what it held and everything after at once; waiting
    // reads are interrupted; then everything must have completed.
    void settle()
    {
        port_.hold = false;
        port_.sendError = 0;
        while (port_.holding()) {
            port_.releaseOne({0x00});
            loop_.runPosted();
        }
        loop_.runPosted();
        for (const std::uint64_t ticket : tickets_) {
            device_.interruptRead(ticket);
        }
        loop_.runPosted();
        for (const auto& c : completions_) {
            if (c->times != 1) {
                fail(c->what + " never completed");
            }
        }
    }

    FuzzInput& in_;
    core::testing::FakeEventLoop loop_;
    FuzzPort port_;
    watchdog::WatchdogTimer timer_;
    watchdog::WatchdogDevice device_;
    CallerSpace space_;
    std::deque<std::uint64_t> tickets_;
    std::vector<std::shared_ptr<Completion>> completions_;
    bool releasing_ = false;
};

} // namespace
} // namespace ipmi::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ipmi::fuzz::silenceLogs();
    ipmi::fuzz::FuzzInput in(data, size);
    ipmi::fuzz::Session session(in);
    session.run();
    return 0;
}
