// A pump (the loop that moves queued work on) whose work may ask for the
// pump again: a send answered at once, a callback that queues more. Asked
// from inside, the pump does not recurse; the request is kept, and the
// outermost call runs the pump once more after the pass under way, until a
// pass ends with nothing asked. The stack stays flat and the order is the
// order of the requests.
//
// base/ is std only, so every room may use it, cuse/ and sim/ included.
#pragma once

namespace ipmi::base {

class PumpGuard
{
  public:
    PumpGuard() = default;
    PumpGuard(const PumpGuard&) = delete;
    PumpGuard& operator=(const PumpGuard&) = delete;

    template <typename Body>
    void run(Body&& body)
    {
        if (running_) {
            again_ = true;
            return;
        }
        running_ = true;
        const Stop stop{*this};
        do {
            again_ = false;
            body();
        } while (again_);
    }

    // A pass is under way (a caller that must not start its own may skip).
    [[nodiscard]] bool running() const { return running_; }

  private:
    struct Stop
    {
        PumpGuard& guard;
        ~Stop() { guard.running_ = false; }
    };

    bool running_ = false;
    bool again_ = false;
};

} // namespace ipmi::base
