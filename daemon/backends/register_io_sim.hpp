// Register access to a simulated interface: the BMC-side register models of
// sim/models/. Register n is the model's register n (the simulated bus has
// no spacing or shift to apply). An optional hook runs after every access so
// the owner can notice that the BMC may have new work (a delayed response,
// a new deadline). The state machine tests in tests/unit/si/ use it too.
#pragma once

#include "si/register_io.hpp"
#include "sim/models/bmc_port.hpp"

#include <functional>
#include <string>
#include <utility>

namespace ipmi::daemon {

class SimRegisterIo : public si::RegisterIo
{
  public:
    SimRegisterIo(sim::RegisterModel& model, std::string description, std::function<void()> afterAccess = {})
        : model_(model), description_(std::move(description)), afterAccess_(std::move(afterAccess))
    {
    }
    [[nodiscard]] std::uint8_t read(unsigned index) override
    {
        const std::uint8_t value = model_.read(index);
        notify();
        return value;
    }
    void write(unsigned index, std::uint8_t value) override
    {
        model_.write(index, value);
        notify();
    }
    [[nodiscard]] std::string describe() const override { return description_; }

  private:
    void notify()
    {
        if (afterAccess_) {
            afterAccess_();
        }
    }

    sim::RegisterModel& model_;
    std::string description_;
    std::function<void()> afterAccess_;
};

} // namespace ipmi::daemon
