#include "strategy/donchian_breakout.h"

#include <algorithm>
#include <vector>

#include "indicators/donchian.h"

namespace spark {

void DonchianBreakout::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    const size_t n = bars.size();
    std::vector<double> entry_low(n);
    std::vector<double> entry_high(n);
    std::vector<double> exit_low(n);
    std::vector<double> exit_high(n);
    indicators::ComputeDonchian(bars, entry_, entry_low, entry_high);
    indicators::ComputeDonchian(bars, exit_, exit_low, exit_high);
    std::fill(out.begin(), out.end(), Signal::kNone);
    // The channel of the previous N bars is the channel ending at t - 1; NaN (not yet defined)
    // compares false, so no breakout is seen before index N.
    for (size_t t = 1; t < n; ++t) {
        const double close = bars[t].close;
        if (close > entry_high[t - 1]) {
            out[t] = Signal::kBullish;
        } else if (close < entry_low[t - 1]) {
            out[t] = Signal::kBearish;
        } else if (close < exit_low[t - 1]) {
            out[t] = Signal::kExitLong;
        } else if (close > exit_high[t - 1]) {
            out[t] = Signal::kExitShort;
        }
    }
}

}  // namespace spark
