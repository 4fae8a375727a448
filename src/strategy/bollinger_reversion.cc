#include "strategy/bollinger_reversion.h"

#include <algorithm>
#include <vector>

#include "indicators/bollinger.h"

namespace spark {

void BollingerReversion::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    const size_t n = bars.size();
    std::vector<double> closes(n);
    std::vector<double> lower(n);
    std::vector<double> middle(n);
    std::vector<double> upper(n);
    for (size_t t = 0; t < n; ++t) closes[t] = bars[t].close;
    indicators::ComputeBollinger(closes, period_, k_, lower, middle, upper);
    std::fill(out.begin(), out.end(), Signal::kNone);
    for (size_t t = period_ - 1; t < n; ++t) {
        const double close = closes[t];
        if (close < lower[t]) {
            out[t] = Signal::kBullish;
        } else if (close > upper[t]) {
            out[t] = Signal::kBearish;
        } else if (close > middle[t]) {
            out[t] = Signal::kExitLong;
        } else if (close < middle[t]) {
            out[t] = Signal::kExitShort;
        } else {
            out[t] = Signal::kExit;  // exactly at the middle: both sides have reverted
        }
    }
}

}  // namespace spark
