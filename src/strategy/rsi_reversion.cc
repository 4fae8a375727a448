#include "strategy/rsi_reversion.h"

#include <cmath>
#include <vector>

#include "indicators/rsi.h"

namespace spark {

void RsiReversion::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    const size_t n = bars.size();
    std::vector<double> closes(n);
    std::vector<double> rsi(n);
    for (size_t t = 0; t < n; ++t) closes[t] = bars[t].close;
    indicators::ComputeRsi(closes, period_, rsi);
    for (size_t t = 0; t < n; ++t) {
        // NaN (warm-up) compares false both ways: no signal.
        out[t] = rsi[t] < lower_ ? Signal::kBullish : rsi[t] > upper_ ? Signal::kBearish : Signal::kNone;
    }
}

}  // namespace spark
