#pragma once

#include <vector>

#include "model/time_range.h"

namespace spark {

//! Sorts and merges overlapping or touching ranges.
std::vector<TimeRange> MergeRanges(std::vector<TimeRange> ranges);

//! The parts of `wanted` not covered by `merged` (the output of MergeRanges).
std::vector<TimeRange> UncoveredRanges(const std::vector<TimeRange>& merged, TimeRange wanted);

//! `range` minus each of `holes`.
std::vector<TimeRange> SubtractRanges(TimeRange range, std::vector<TimeRange> holes);

}  // namespace spark
