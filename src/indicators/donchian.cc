#include "indicators/donchian.h"

#include <algorithm>
#include <limits>
#include <vector>

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

namespace {

//! Sliding-window maximum of `x` over `period` values by van Herk / Gil-Werman: prefix maxima
//! within blocks of `period` and suffix maxima within the same blocks; each window spans at most
//! two blocks, so its maximum is max(suffix[start], prefix[end]). Three comparisons per value and
//! no data-dependent branches. `Max` picks the preferred of two values (max for highs, min for lows).
template <typename Max>
void SlidingExtreme(std::span<const double> x, size_t period, Max pick, std::span<double> out) {
    const size_t n = x.size();
    std::vector<double> prefix(n);
    std::vector<double> suffix(n);
    for (size_t block = 0; block < n; block += period) {
        const size_t end = std::min(block + period, n);
        prefix[block] = x[block];
        for (size_t i = block + 1; i < end; ++i) prefix[i] = pick(prefix[i - 1], x[i]);
        suffix[end - 1] = x[end - 1];
        for (size_t i = end - 1; i-- > block;) suffix[i] = pick(suffix[i + 1], x[i]);
    }
    for (size_t t = 0; t < n; ++t) {
        out[t] = t + 1 >= period ? pick(suffix[t + 1 - period], prefix[t]) : std::numeric_limits<double>::quiet_NaN();
    }
}

}  // namespace

void ComputeHighest(std::span<const double> values, size_t period, std::span<double> out) {
    SlidingExtreme(
        values, period, [](double a, double b) { return a > b ? a : b; }, out);
}

void ComputeLowest(std::span<const double> values, size_t period, std::span<double> out) {
    SlidingExtreme(
        values, period, [](double a, double b) { return a < b ? a : b; }, out);
}

void ComputeDonchian(std::span<const Candle> bars, size_t period, std::span<double> lower, std::span<double> upper) {
    std::vector<double> values(bars.size());
    for (size_t t = 0; t < bars.size(); ++t) values[t] = bars[t].high;
    ComputeHighest(values, period, upper);
    for (size_t t = 0; t < bars.size(); ++t) values[t] = bars[t].low;
    ComputeLowest(values, period, lower);
}

}  // namespace spark::indicators
