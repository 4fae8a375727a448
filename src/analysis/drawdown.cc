#include "analysis/drawdown.h"

#include <algorithm>

namespace spark::analysis {
namespace {

constexpr double kFilterMargin = 1e-9;

}  // namespace

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
        // Divide only when this bar may deepen the drawdown (the filter keeps a margin, so the
        // exact comparison below decides).
        if (peak > 0 && e <= peak * (1.0 - stats.max_drawdown) * (1.0 + kFilterMargin)) {
            stats.max_drawdown = std::max(stats.max_drawdown, 1.0 - e / peak);
        }
    }
    return stats;
}

}  // namespace spark::analysis
