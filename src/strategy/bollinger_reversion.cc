#include "strategy/bollinger_reversion.h"

#include <algorithm>
#include <vector>

#include "indicators/bollinger.h"

namespace spark {

void BollingerReversion::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    const size_t n = bars.size();
    std::vector<double> closes(n);
    for (size_t t = 0; t < n; ++t) closes[t] = bars[t].close;
    std::fill(out.begin(), out.end(), Signal::kNone);
    // The close's place relative to the bands, as bits (below lower, above upper, above middle,
    // below middle), mapped by table: prices cross the middle often, and branches on it would
    // mispredict. Below the lower band implies below the middle, so the bullish entries need
    // only bit 0; likewise bearish.
    static constexpr Signal kByPlace[16] = {
        Signal::kExit,     Signal::kBullish,  Signal::kBearish,   Signal::kBearish,  // at the middle
        Signal::kExitLong, Signal::kBullish,  Signal::kBearish,   Signal::kBearish,  // above the middle
        Signal::kExitShort, Signal::kBullish, Signal::kBearish,   Signal::kBearish,  // below the middle
        Signal::kExit,     Signal::kBullish,  Signal::kBearish,   Signal::kBearish,  // impossible
    };
    indicators::VisitBollinger(closes, period_, k_, [&](size_t t, const indicators::BollingerValue& band) {
        const double close = closes[t];
        const unsigned place = static_cast<unsigned>(close < band.lower) | static_cast<unsigned>(close > band.upper) << 1 |
                               static_cast<unsigned>(close > band.middle) << 2 |
                               static_cast<unsigned>(close < band.middle) << 3;
        out[t] = kByPlace[place];
    });
}

}  // namespace spark
