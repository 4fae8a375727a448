#include "indicators/sma.h"

#include <limits>

namespace spark::indicators {

Sma::Sma(size_t period) : period_(period), window_(period, 0.0) {}

std::optional<double> Sma::Update(double value) {
    const size_t slot = count_ % period_;
    if (count_ >= period_) sum_.Add(-window_[slot]);
    window_[slot] = value;
    sum_.Add(value);
    ++count_;
    return Value();
}

std::optional<double> Sma::Value() const {
    if (count_ < period_) return std::nullopt;
    return sum_.Value() / static_cast<double>(period_);
}

void Sma::Reset() {
    count_ = 0;
    sum_.Reset();
}

void ComputeSma(std::span<const double> values, size_t period, std::span<double> out) {
    ExactSum sum;
    for (size_t t = 0; t < values.size(); ++t) {
        sum.Add(values[t]);
        if (t >= period) sum.Add(-values[t - period]);
        out[t] = t + 1 >= period ? sum.Value() / static_cast<double>(period) : std::numeric_limits<double>::quiet_NaN();
    }
}

}  // namespace spark::indicators
