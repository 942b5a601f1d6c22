#include "core/asio_event_loop.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <utility>

namespace ipmi::core {
namespace {

class AsioTimer : public Timer
{
  public:
    explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
    ~AsioTimer() override { cancel(); }
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
            // to "now", wake epoll for it and re-arm it again (two
            // timerfd_settime and an epoll_wait per start, measured in the
            // VM); a post runs it on the next turn of the loop all the same.
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
        timer_.async_wait([state = state_, generation, fn = std::move(onExpiry)](
                              const boost::system::error_code& ec) {
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

std::unique_ptr<Timer> AsioEventLoop::makeTimer() { return std::make_unique<AsioTimer>(io_); }

void AsioEventLoop::post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

} // namespace ipmi::core
