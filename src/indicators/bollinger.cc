#include "indicators/bollinger.h"

#include <cmath>
#include <limits>

namespace spark::indicators {

std::optional<BollingerValue> Bollinger::Update(double value) {
    const size_t slot = count_ % period_;
    if (count_ >= period_) sum_.Add(-window_[slot]);
    window_[slot] = value;
    sum_.Add(value);
    if (++count_ < period_) return std::nullopt;
    const double n = static_cast<double>(period_);
    const double mean = sum_.Value() / n;
    double squares = 0;
    for (const double x : window_) squares += (x - mean) * (x - mean);
    const double deviation = std::sqrt(squares / n);
    return BollingerValue{mean - k_ * deviation, mean, mean + k_ * deviation};
}

void ComputeBollinger(std::span<const double> values, size_t period, double k, std::span<double> lower,
                      std::span<double> middle, std::span<double> upper) {
    constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
    Bollinger bands(period, k);
    for (size_t t = 0; t < values.size(); ++t) {
        const std::optional<BollingerValue> v = bands.Update(values[t]);
        lower[t] = v ? v->lower : kAbsent;
        middle[t] = v ? v->middle : kAbsent;
        upper[t] = v ? v->upper : kAbsent;
    }
}

}  // namespace spark::indicators
