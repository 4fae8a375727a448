#include "model/missing_bars.h"

namespace spark {

std::vector<int64_t> FindMissingOpenTimes(std::span<const Candle> bars, const Interval& interval, TimeRange range,
                                          size_t limit) {
    std::vector<int64_t> missing;
    size_t i = 0;
    for (int64_t t = interval.AlignUp(range.start_ms); t < range.end_ms && missing.size() < limit;
         t = interval.Next(t)) {
        while (i < bars.size() && bars[i].open_time_ms < t) ++i;
        if (i < bars.size() && bars[i].open_time_ms == t) continue;
        missing.push_back(t);
    }
    return missing;
}

}  // namespace spark
