#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "indicators/exact_sum.h"

namespace spark::indicators {

struct BollingerValue {
    double lower = 0;
    double middle = 0;
    double upper = 0;
};

//! Bollinger Bands: middle = SMA(period), bands = middle ± k × the population standard deviation
//! of the same window (two-pass over the window, so the deviation is accurate for any price
//! level). Warm-up: the first value appears with the `period`-th input.
class Bollinger {
  public:
    Bollinger(size_t period, double k) : period_(period), k_(k) {}

    std::optional<BollingerValue> Update(double value);

  private:
    size_t period_;
    double k_;
    //! Recent inputs in arrival order, the window being the last `period`; compacted when it
    //! reaches twice that, so the window is always contiguous.
    std::vector<double> history_;
    ExactSum sum_;
};

void ComputeBollinger(std::span<const double> values, size_t period, double k, std::span<double> lower,
                      std::span<double> middle, std::span<double> upper);

//! Σ (x − mean)² over a contiguous window (four partial sums, fixed order).
double SquaredDeviations(const double* x, size_t n, double mean);

//! Batch form as a visit: `visit(t, bands)` for every t from period-1 on, without materialising
//! arrays (strategies that only compare against the bands use this).
template <typename Visit>
void VisitBollinger(std::span<const double> values, size_t period, double k, Visit&& visit) {
    const double n = static_cast<double>(period);
    ExactSum sum;
    for (size_t t = 0; t < values.size(); ++t) {
        sum.Add(values[t]);
        if (t >= period) sum.Add(-values[t - period]);
        if (t + 1 < period) continue;
        const double mean = sum.Value() / n;
        const double deviation = std::sqrt(SquaredDeviations(values.data() + (t + 1 - period), period, mean) / n);
        visit(t, BollingerValue{mean - k * deviation, mean, mean + k * deviation});
    }
}

}  // namespace spark::indicators
