#pragma once

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
    Bollinger(size_t period, double k) : period_(period), k_(k), window_(period, 0.0) {}

    std::optional<BollingerValue> Update(double value);

private:
    size_t period_;
    double k_;
    std::vector<double> window_;
    size_t count_ = 0;
    ExactSum sum_;
};

void ComputeBollinger(std::span<const double> values, size_t period, double k, std::span<double> lower,
                      std::span<double> middle, std::span<double> upper);

}  // namespace spark::indicators
