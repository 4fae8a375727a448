#include "engine/intrabar_path.h"

#include <algorithm>

namespace spark {

std::span<const Candle> IntrabarPath::Inside(int64_t open_time_ms) const {
    const int64_t end_ms = bar_interval_.Next(open_time_ms);
    const auto by_time = [](const Candle& c, int64_t t) { return c.open_time_ms < t; };
    const auto first = std::lower_bound(fine_.begin(), fine_.end(), open_time_ms, by_time);
    const auto last = std::lower_bound(first, fine_.end(), end_ms, by_time);
    const auto count = static_cast<int64_t>(last - first);
    if (count == 0 || count != fine_interval_.CountOpenTimes(open_time_ms, end_ms)) return {};
    return {first, last};
}

int64_t IntrabarPath::IncompleteBars(std::span<const Candle> bars) const {
    return std::count_if(bars.begin(), bars.end(), [&](const Candle& bar) { return Inside(bar.open_time_ms).empty(); });
}

}  // namespace spark
