#include "analysis/return_statistics.h"

#include <cmath>
#include <cstddef>
#include <vector>

namespace spark::analysis {

ReturnStatistics ComputeReturnStatistics(std::span<const double> equity, double periods_per_year) {
    ReturnStatistics stats;
    if (equity.size() < 3) return stats;  // fewer than 2 returns: nothing is defined
    const size_t count = equity.size() - 1;

    // Two passes (mean, then squared deviations) keep the variance accurate for tiny returns;
    // the returns are kept so each costs one division.
    // Reused per thread: a grid search computes these for every combination.
    thread_local std::vector<double> returns;
    returns.resize(count);
    double sum = 0;
    double downside_sq_sum = 0;
    for (size_t t = 0; t < count; ++t) {
        // After a ruin (equity at or below zero) there is nothing left to earn a return on.
        const double r = equity[t] > 0 ? equity[t + 1] / equity[t] - 1.0 : 0.0;
        returns[t] = r;
        sum += r;
        if (r < 0) downside_sq_sum += r * r;
    }
    const double mean = sum / static_cast<double>(count);
    double sq_dev_sum = 0;
    for (const double r : returns) sq_dev_sum += (r - mean) * (r - mean);
    const double stdev = std::sqrt(sq_dev_sum / static_cast<double>(count - 1));
    const double downside = std::sqrt(downside_sq_sum / static_cast<double>(count));
    const double annualiser = std::sqrt(periods_per_year);

    stats.volatility = stdev * annualiser;
    if (stdev > 0 && std::isfinite(stdev)) stats.sharpe = mean / stdev * annualiser;
    if (downside > 0 && std::isfinite(downside)) stats.sortino = mean / downside * annualiser;
    if (!std::isfinite(stats.volatility)) stats.volatility = 0;
    return stats;
}

}  // namespace spark::analysis
