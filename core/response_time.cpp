// ResponseTime: see response_time.hpp.
#include "core/response_time.hpp"

#include <algorithm>

namespace ipmi::core {

void ResponseTime::answeredAtFirstLook()
{
    lowerBy(expected_ - expected_ / 2);
}

void ResponseTime::lowerBy(Clock::duration step)
{
    const auto sooner = expected_ - step;
    expected_ = sooner < floor_ ? Clock::duration::zero() : sooner;
}

void ResponseTime::answeredAfter(Clock::duration notReadyAt)
{
    const auto limit = std::max(expected_ * 2, floor_);
    expected_ = std::min({notReadyAt, limit, ceiling_});
}

} // namespace ipmi::core
