#include "marketdata/coverage.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/time_format.h"

namespace spark {

std::vector<TimeRange> MergeRanges(std::vector<TimeRange> ranges) {
    std::erase_if(ranges, [](const TimeRange& r) { return r.Empty(); });
    std::sort(ranges.begin(), ranges.end(),
              [](const TimeRange& a, const TimeRange& b) { return a.start_ms < b.start_ms; });
    std::vector<TimeRange> merged;
    for (const TimeRange& r : ranges) {
        if (!merged.empty() && r.start_ms <= merged.back().end_ms) {
            merged.back().end_ms = std::max(merged.back().end_ms, r.end_ms);
        } else {
            merged.push_back(r);
        }
    }
    return merged;
}

std::vector<TimeRange> UncoveredRanges(const std::vector<TimeRange>& merged, TimeRange wanted) {
    std::vector<TimeRange> gaps;
    int64_t cursor = wanted.start_ms;
    for (const TimeRange& r : merged) {
        if (r.end_ms <= cursor) continue;
        if (r.start_ms >= wanted.end_ms) break;
        if (r.start_ms > cursor) gaps.push_back({cursor, r.start_ms});
        cursor = std::max(cursor, r.end_ms);
    }
    if (cursor < wanted.end_ms) gaps.push_back({cursor, wanted.end_ms});
    return gaps;
}

std::vector<TimeRange> SubtractRanges(TimeRange range, std::vector<TimeRange> holes) {
    return UncoveredRanges(MergeRanges(std::move(holes)), range);
}

std::string SummarizeRanges(const std::vector<TimeRange>& ranges) {
    constexpr size_t kShown = 4;
    std::string out;
    for (size_t i = 0; i < ranges.size() && i < kShown; ++i) {
        out += fmt::format("{}{} .. {}", i == 0 ? "" : ", ", FormatIsoUtc(ranges[i].start_ms),
                           FormatIsoUtc(ranges[i].end_ms));
    }
    if (ranges.size() > kShown) out += fmt::format(" and {} more", ranges.size() - kShown);
    return out;
}

}  // namespace spark
