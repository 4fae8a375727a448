#include "indicators/atr.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace spark::indicators {

std::optional<double> Atr::Update(double high, double low, double close) {
    if (!has_previous_) {
        has_previous_ = true;
        previous_close_ = close;
        return std::nullopt;
    }
    const double range = std::max({high - low, std::abs(high - previous_close_), std::abs(low - previous_close_)});
    previous_close_ = close;
    const auto n = static_cast<double>(period_);
    ++ranges_;
    if (ranges_ < period_) {
        seed_.Add(range);
        return std::nullopt;
    }
    if (ranges_ == period_) {
        seed_.Add(range);
        value_ = seed_.Value() / n;
    } else {
        value_ = (*value_ * (n - 1.0) + range) / n;
    }
    return value_;
}

void ComputeAtr(std::span<const Candle> bars, size_t period, std::span<double> out) {
    Atr atr(period);
    for (size_t t = 0; t < bars.size(); ++t) {
        out[t] =
            atr.Update(bars[t].high, bars[t].low, bars[t].close).value_or(std::numeric_limits<double>::quiet_NaN());
    }
}

}  // namespace spark::indicators
