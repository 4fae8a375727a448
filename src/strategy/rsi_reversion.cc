#include "strategy/rsi_reversion.h"

namespace spark {

void RsiReversion::Signals(const SeriesContext& context, std::span<Signal> out) const {
    const std::span<const double> rsi = context.Rsi(period_);
    for (size_t t = 0; t < rsi.size(); ++t) {
        // NaN (warm-up) compares false both ways: no signal.
        out[t] = rsi[t] < lower_ ? Signal::kBullish : rsi[t] > upper_ ? Signal::kBearish : Signal::kNone;
    }
}

}  // namespace spark
