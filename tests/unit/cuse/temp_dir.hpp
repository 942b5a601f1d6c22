// The shared scratch directory (tests/unit/temp_dir.hpp) and what the CUSE
// glue's tests fake in it.
#pragma once

#include "tests/unit/temp_dir.hpp"

#include <string>

namespace ipmi::cuse::testing {

using ipmi::testing::TempDir;

// Fakes what CUSE adds on registration: class/cuse/NAME/dev under a sysfs root.
inline void writeCuseDev(const TempDir& sysfs, const std::string& name, const std::string& text)
{
    sysfs.write("class/cuse/" + name + "/dev", text);
}

} // namespace ipmi::cuse::testing
