#include "daemon/asio_event_loop.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

namespace ipmi::daemon {
namespace {

using core::Clock;
using core::Timer;

class AsioTimer : public Timer
{
  public:
    explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
    // cancel() throws only if the kernel refuses to disarm the timer; a
    // destructor cannot answer that, so it ends the process (docs/architecture.md, "Errors": a
    // broken invariant of ours ends it, and systemd restarts it).
    ~AsioTimer() override { cancel(); } // NOLINT(bugprone-exception-escape)
    AsioTimer(const AsioTimer&) = delete;
    AsioTimer& operator=(const AsioTimer&) = delete;

    void start(Clock::duration delay, std::function<void()> onExpiry) override
    {
        cancel();
        // The handler shares the state rather than `this`: a completion that
        // was already queued when the timer was cancelled or destroyed must
        // neither run the callback nor touch a dead object.
        const auto generation = ++state_->generation;
        state_->armed = true;
        if (delay <= Clock::duration::zero()) {
            // Already due: a steady_timer would re-arm the reactor's timerfd
            // to "now", wake epoll for it and re-arm it again, system calls
            // on every start (benchmarks/README.md); a post runs it on the
            // next turn of the loop all the same.
            boost::asio::post(timer_.get_executor(), [state = state_, generation, fn = std::move(onExpiry)] {
                if (generation != state->generation) {
                    return;
                }
                state->armed = false;
                fn();
            });
            return;
        }
        timer_.expires_after(delay);
        timer_.async_wait([state = state_, generation, fn = std::move(onExpiry)](const boost::system::error_code& ec) {
            if (ec || generation != state->generation) {
                return;
            }
            state->armed = false;
            fn();
        });
    }
    void cancel() override
    {
        ++state_->generation;
        state_->armed = false;
        timer_.cancel();
    }
    [[nodiscard]] bool pending() const override { return state_->armed; }

  private:
    struct State
    {
        std::uint64_t generation = 0;
        bool armed = false;
    };
    boost::asio::steady_timer timer_;
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

} // namespace

std::unique_ptr<core::Timer> AsioEventLoop::makeTimer()
{
    return std::make_unique<AsioTimer>(io_);
}

// Work in the order it was posted, each piece numbered. The handler asio::post
// queues for piece N runs every piece up to N that is still waiting, so a
// piece runs exactly once: at its own place in the loop, or earlier, when
// runPosted() took it. Pieces are taken one at a time (a piece may post more,
// from this thread or another).
struct AsioEventLoop::PostedWork
{
    std::mutex mutex;
    std::deque<std::pair<std::uint64_t, std::function<void()>>> waiting; // guarded by mutex
    std::uint64_t lastNumber = 0;                                        // guarded by mutex
    bool running = false; // loop thread only: pieces are running (a nested runPosted() leaves them to it)

    // Runs the waiting pieces numbered up to `upTo`.
    void runUpTo(std::uint64_t upTo)
    {
        if (running) {
            return; // the outer run takes the rest, in order
        }
        running = true;
        struct Reset
        {
            bool& flag;
            ~Reset() { flag = false; }
        } reset{running};
        for (;;) {
            std::function<void()> fn;
            {
                const std::lock_guard lock(mutex);
                if (waiting.empty() || waiting.front().first > upTo) {
                    return;
                }
                fn = std::move(waiting.front().second);
                waiting.pop_front();
            }
            fn();
        }
    }
};

AsioEventLoop::AsioEventLoop(boost::asio::io_context& io) : io_(io), posted_(std::make_shared<PostedWork>())
{
}

AsioEventLoop::~AsioEventLoop() = default;

void AsioEventLoop::post(std::function<void()> fn)
{
    std::uint64_t number = 0;
    {
        const std::lock_guard lock(posted_->mutex);
        number = ++posted_->lastNumber;
        posted_->waiting.emplace_back(number, std::move(fn));
    }
    boost::asio::post(io_, [posted = posted_, number] { posted->runUpTo(number); });
}

void AsioEventLoop::runPosted()
{
    std::uint64_t upTo = 0;
    {
        const std::lock_guard lock(posted_->mutex);
        upTo = posted_->lastNumber;
    }
    posted_->runUpTo(upTo);
}

} // namespace ipmi::daemon
