// Registers that read a script, then stick: register n gives the next of
// its scripted bytes, then its stuck value for ever; writes go nowhere. For
// the stuck-register bounds of the state machines (what the fuzz target
// si_sm found), where the register models are too well-behaved.
#pragma once

#include "si/register_io.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <string>

namespace ipmi::si::testing {

class ScriptedRegisters : public RegisterIo
{
  public:
    explicit ScriptedRegisters(std::array<std::uint8_t, 3> stuck) : stuck_(stuck) {}
    void script(unsigned index, std::deque<std::uint8_t> values) { scripts_.at(index) = std::move(values); }
    [[nodiscard]] std::uint8_t read(unsigned index) override
    {
        auto& script = scripts_.at(index);
        if (script.empty()) {
            return stuck_.at(index);
        }
        const std::uint8_t value = script.front();
        script.pop_front();
        return value;
    }
    void write(unsigned /*index*/, std::uint8_t /*value*/) override {}
    [[nodiscard]] std::string describe() const override { return "scripted registers"; }

  private:
    std::array<std::uint8_t, 3> stuck_;
    std::array<std::deque<std::uint8_t>, 3> scripts_;
};

} // namespace ipmi::si::testing
