#pragma once

#include <string>
#include <vector>

#include "model/time_range.h"

namespace spark {

//! Sorts and merges overlapping or touching ranges.
std::vector<TimeRange> MergeRanges(std::vector<TimeRange> ranges);

//! The parts of `wanted` not covered by `merged` (the output of MergeRanges).
std::vector<TimeRange> UncoveredRanges(const std::vector<TimeRange>& merged, TimeRange wanted);

//! `range` minus each of `holes`.
std::vector<TimeRange> SubtractRanges(TimeRange range, std::vector<TimeRange> holes);

//! The first few ranges as `2024-01-01T00:00:00Z .. 2024-01-08T00:00:00Z, ... and N more`, for
//! messages that say what the cache lacks or holds.
std::string SummarizeRanges(const std::vector<TimeRange>& ranges);

}  // namespace spark
