#include "indicators/ema.h"

#include <limits>

namespace spark::indicators {

Ema::Ema(size_t period) : period_(period), alpha_(2.0 / (static_cast<double>(period) + 1.0)) {}

std::optional<double> Ema::Update(double value) {
    ++count_;
    if (count_ < period_) {
        seed_.Add(value);
        return std::nullopt;
    }
    if (count_ == period_) {
        seed_.Add(value);
        value_ = seed_.Value() / static_cast<double>(period_);
    } else {
        value_ = alpha_ * value + (1.0 - alpha_) * value_;
    }
    return value_;
}

std::optional<double> Ema::Value() const {
    if (count_ < period_) return std::nullopt;
    return value_;
}

void ComputeEma(std::span<const double> values, size_t period, std::span<double> out) {
    Ema ema(period);
    for (size_t t = 0; t < values.size(); ++t) {
        out[t] = ema.Update(values[t]).value_or(std::numeric_limits<double>::quiet_NaN());
    }
}

}  // namespace spark::indicators
