#include "indicators/donchian.h"

#include <limits>

namespace spark::indicators {

std::optional<DonchianValue> Donchian::Update(double high, double low) {
    ++index_;
    while (!highs_.empty() && highs_.back().second <= high) highs_.pop_back();
    highs_.emplace_back(index_, high);
    while (!lows_.empty() && lows_.back().second >= low) lows_.pop_back();
    lows_.emplace_back(index_, low);
    const int64_t oldest = index_ - static_cast<int64_t>(period_) + 1;
    while (highs_.front().first < oldest) highs_.pop_front();
    while (lows_.front().first < oldest) lows_.pop_front();
    if (oldest < 0) return std::nullopt;
    return DonchianValue{lows_.front().second, highs_.front().second};
}

void ComputeDonchian(std::span<const Candle> bars, size_t period, std::span<double> lower, std::span<double> upper) {
    constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
    Donchian channel(period);
    for (size_t t = 0; t < bars.size(); ++t) {
        const std::optional<DonchianValue> v = channel.Update(bars[t].high, bars[t].low);
        lower[t] = v ? v->lower : kAbsent;
        upper[t] = v ? v->upper : kAbsent;
    }
}

}  // namespace spark::indicators
