#include "indicators/wma.h"

#include <limits>

namespace spark::indicators {

Wma::Wma(size_t period) : period_(period), window_(period, 0.0) {}

std::optional<double> Wma::Update(double value) {
    window_[next_] = value;
    next_ = (next_ + 1) % period_;
    if (++count_ < period_) return std::nullopt;
    double weighted = 0;
    for (size_t i = 0; i < period_; ++i) {
        // Oldest first: window_[next_] has weight 1, the value just added weight `period`.
        weighted += static_cast<double>(i + 1) * window_[(next_ + i) % period_];
    }
    const double n = static_cast<double>(period_);
    value_ = weighted / (n * (n + 1.0) / 2.0);
    return value_;
}

void ComputeWma(std::span<const double> values, size_t period, std::span<double> out) {
    Wma wma(period);
    for (size_t t = 0; t < values.size(); ++t) {
        out[t] = wma.Update(values[t]).value_or(std::numeric_limits<double>::quiet_NaN());
    }
}

}  // namespace spark::indicators
