#include "indicators/bollinger.h"

#include <cmath>
#include <limits>

namespace spark::indicators {

//! Four independent partial sums: shorter dependency chains than one running sum (the compiler
//! may not reorder floating-point additions itself).
double SquaredDeviations(const double* x, size_t n, double mean) {
    double partial[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (size_t k = 0; k < 4; ++k) partial[k] += (x[i + k] - mean) * (x[i + k] - mean);
    }
    for (; i < n; ++i) partial[0] += (x[i] - mean) * (x[i] - mean);
    return (partial[0] + partial[1]) + (partial[2] + partial[3]);
}

namespace {

BollingerValue Bands(double mean, double squares, double n, double k) {
    const double deviation = std::sqrt(squares / n);
    return {mean - k * deviation, mean, mean + k * deviation};
}

}  // namespace

std::optional<BollingerValue> Bollinger::Update(double value) {
    history_.push_back(value);
    sum_.Add(value);
    if (history_.size() > period_) sum_.Add(-history_[history_.size() - 1 - period_]);
    if (history_.size() < period_) return std::nullopt;
    if (history_.size() >= 2 * period_) {
        history_.erase(history_.begin(), history_.end() - static_cast<ptrdiff_t>(period_));
    }
    const double n = static_cast<double>(period_);
    const double mean = sum_.Value() / n;
    return Bands(mean, SquaredDeviations(history_.data() + history_.size() - period_, period_, mean), n, k_);
}

void ComputeBollinger(std::span<const double> values, size_t period, double k, std::span<double> lower,
                      std::span<double> middle, std::span<double> upper) {
    constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
    for (size_t t = 0; t < values.size() && t + 1 < period; ++t) lower[t] = middle[t] = upper[t] = kAbsent;
    VisitBollinger(values, period, k, [&](size_t t, const BollingerValue& v) {
        lower[t] = v.lower;
        middle[t] = v.middle;
        upper[t] = v.upper;
    });
}

}  // namespace spark::indicators
