#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/interval.h"
#include "model/candle.h"
#include "model/time_range.h"

namespace spark {

//! The first `limit` open times in `range` at which `interval` expects a bar that `bars`
//! (sorted) lacks. Real exchanges have holes; they are reported, never filled.
std::vector<int64_t> FindMissingOpenTimes(std::span<const Candle> bars, const Interval& interval, TimeRange range,
                                          size_t limit);

}  // namespace spark
