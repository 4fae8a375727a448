#include "indicators/rsi.h"

#include <limits>

namespace spark::indicators {

std::optional<double> Rsi::Update(double value) {
    if (!has_previous_) {
        has_previous_ = true;
        previous_ = value;
        return std::nullopt;
    }
    const double change = value - previous_;
    previous_ = value;
    const double gain = change > 0 ? change : 0.0;
    const double loss = change < 0 ? -change : 0.0;
    const auto n = static_cast<double>(period_);
    ++changes_;
    if (changes_ < period_) {
        gain_seed_.Add(gain);
        loss_seed_.Add(loss);
        return std::nullopt;
    }
    if (changes_ == period_) {
        gain_seed_.Add(gain);
        loss_seed_.Add(loss);
        avg_gain_ = gain_seed_.Value() / n;
        avg_loss_ = loss_seed_.Value() / n;
    } else {
        avg_gain_ = (avg_gain_ * (n - 1.0) + gain) / n;
        avg_loss_ = (avg_loss_ * (n - 1.0) + loss) / n;
    }
    if (avg_loss_ == 0) {
        value_ = avg_gain_ == 0 ? 50.0 : 100.0;
    } else {
        value_ = 100.0 - 100.0 / (1.0 + avg_gain_ / avg_loss_);
    }
    return value_;
}

void ComputeRsi(std::span<const double> values, size_t period, std::span<double> out) {
    Rsi rsi(period);
    for (size_t t = 0; t < values.size(); ++t) {
        out[t] = rsi.Update(values[t]).value_or(std::numeric_limits<double>::quiet_NaN());
    }
}

}  // namespace spark::indicators
