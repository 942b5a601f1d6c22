// libFuzzer target: the simulated BMC's command dispatcher and handlers
// (sim/) with arbitrary request bytes, netfn, LUN, command and data, in
// sequences with pauses between them, so stateful commands (reservations,
// SEL and SDR reads, FRU writes, the watchdog, Send Message to the IPMB
// satellites and Get Message for their answers) reach deep states.
//
// Input: the requests, each a pause, a length and that many bytes
// (the integers come from the end, see input_provider.hpp); the first integer
// picks the system interface, whose message limit the BMC keeps.
//
// Checks (a failed check aborts, so libFuzzer keeps the input): with no
// fault configured every request gets exactly one answer at once, with
// the completion code, its netfn (response bit set), LUN and command, and
// at most IPMI_MAX_MSG_LENGTH bytes; the BMC's clock never loops.
#include "fuzz/bmc_harness.hpp"
#include "sim/config.hpp"

#include <array>

namespace {

constexpr std::array<ipmi::sim::SystemInterfaceType, 4> kInterfaces = {
    ipmi::sim::SystemInterfaceType::Kcs, ipmi::sim::SystemInterfaceType::Smic, ipmi::sim::SystemInterfaceType::Bt,
    ipmi::sim::SystemInterfaceType::Ssif};

const ipmi::sim::SteadyTime kStart = ipmi::sim::SteadyTime{} + std::chrono::hours(1000);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace ipmi;
    fuzz::silenceLogs();
    fuzz::InputProvider input(data, size);
    sim::BmcConfig config = sim::BmcConfig::defaults();
    config.systemInterface = kInterfaces[input.integral<std::uint8_t>() % kInterfaces.size()];
    sim::Bmc bmc(config, kStart);
    fuzz::BmcDriver driver(bmc, kStart);
    fuzz::sendSequence(input, driver, true);
    driver.advance(std::chrono::minutes(10)); // satellites answer, the watchdog expires
    return 0;
}
