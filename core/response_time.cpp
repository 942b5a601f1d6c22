// ResponseTime: see response_time.hpp.
#include "core/response_time.hpp"

#include <algorithm>

namespace ipmi::core {

void ResponseTime::answeredAtFirstLook()
{
    expected_ = expected_ / 2 < floor_ ? Clock::duration::zero() : expected_ / 2;
}

void ResponseTime::answeredAfter(Clock::duration notReadyAt)
{
    const auto limit = std::max(expected_ * 2, floor_);
    expected_ = std::min({notReadyAt, limit, ceiling_});
}

} // namespace ipmi::core
