#include "strategy/donchian_breakout.h"

#include <algorithm>

namespace spark {

void DonchianBreakout::Signals(const SeriesContext& context, std::span<Signal> out) const {
    const Series& entry = context.Donchian(entry_);  // a = lowest low, b = highest high
    const Series& exit = context.Donchian(exit_);
    const std::span<const Candle> bars = context.Bars();
    std::fill(out.begin(), out.end(), Signal::kNone);
    // The channel of the previous N bars is the channel ending at t - 1; NaN (not yet defined)
    // compares false, so no breakout is seen before index N.
    for (size_t t = 1; t < bars.size(); ++t) {
        const double close = bars[t].close;
        if (close > entry.b[t - 1]) {
            out[t] = Signal::kBullish;
        } else if (close < entry.a[t - 1]) {
            out[t] = Signal::kBearish;
        } else if (close < exit.a[t - 1]) {
            out[t] = Signal::kExitLong;
        } else if (close > exit.b[t - 1]) {
            out[t] = Signal::kExitShort;
        }
    }
}

}  // namespace spark
