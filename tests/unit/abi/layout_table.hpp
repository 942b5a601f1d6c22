// One row per ABI fact (an ioctl number, a struct size, a field offset or a
// constant), so the system's <linux/*.h> and abi/ can each fill a table in
// their own translation unit (their names collide, so they cannot share one)
// and the test can compare the two row by row.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ipmi::abi_test {

using FactTable = std::map<std::string, std::int64_t>;

FactTable systemFacts(); // from <linux/ipmi.h>, <linux/ipmi_msgdefs.h>, <linux/watchdog.h>
FactTable mirrorFacts(); // from abi/

} // namespace ipmi::abi_test
