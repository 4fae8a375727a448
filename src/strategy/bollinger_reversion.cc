#include "strategy/bollinger_reversion.h"

#include <algorithm>

namespace spark {

void BollingerReversion::Signals(const SeriesContext& context, std::span<Signal> out) const {
    // The close's place relative to the bands, as bits (below lower, above upper, above middle,
    // below middle), mapped by table: prices cross the middle often, and branches on it would
    // mispredict. Below the lower band implies below the middle; above the upper, above it.
    static constexpr Signal kByPlace[16] = {
        Signal::kExit,      Signal::kBullish, Signal::kBearish, Signal::kBearish,  // at the middle
        Signal::kExitLong,  Signal::kBullish, Signal::kBearish, Signal::kBearish,  // above the middle
        Signal::kExitShort, Signal::kBullish, Signal::kBearish, Signal::kBearish,  // below the middle
        Signal::kExit,      Signal::kBullish, Signal::kBearish, Signal::kBearish,  // impossible
    };
    const Series& bands = context.Bollinger(period_, k_);  // a = lower, b = middle, c = upper
    const std::span<const double> closes = context.Closes();
    std::fill(out.begin(), out.end(), Signal::kNone);
    for (size_t t = period_ - 1; t < closes.size(); ++t) {
        const double close = closes[t];
        const unsigned place =
            static_cast<unsigned>(close < bands.a[t]) | static_cast<unsigned>(close > bands.c[t]) << 1 |
            static_cast<unsigned>(close > bands.b[t]) << 2 | static_cast<unsigned>(close < bands.b[t]) << 3;
        out[t] = kByPlace[place];
    }
}

}  // namespace spark
