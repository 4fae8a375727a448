#include "analysis/drawdown.h"

#include <algorithm>

namespace spark::analysis {

DrawdownStatistics ComputeDrawdown(std::span<const double> equity) {
    DrawdownStatistics stats;
    if (equity.empty()) return stats;
    double peak = equity.front();
    int64_t run = 0;
    for (const double e : equity) {
        if (e >= peak) {
            peak = e;
            run = 0;
            continue;
        }
        ++run;
        stats.max_duration_bars = std::max(stats.max_duration_bars, run);
        if (peak > 0) stats.max_drawdown = std::max(stats.max_drawdown, 1.0 - e / peak);
    }
    return stats;
}

}  // namespace spark::analysis
