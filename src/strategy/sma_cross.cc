#include "strategy/sma_cross.h"

#include <algorithm>
#include <vector>

#include "indicators/sma.h"

namespace spark {

void SmaCross::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    const size_t n = bars.size();
    std::vector<double> closes(n);
    std::vector<double> fast(n);
    std::vector<double> slow(n);
    for (size_t t = 0; t < n; ++t) closes[t] = bars[t].close;
    indicators::ComputeSma(closes, fast_, fast);
    indicators::ComputeSma(closes, slow_, slow);

    std::fill(out.begin(), out.end(), Signal::kNone);
    // Both averages are defined from index max(fast, slow) - 1; a cross also needs the bar before.
    const size_t first = std::max(fast_, slow_);
    for (size_t t = first; t < n; ++t) {
        const bool above_now = fast[t] > slow[t];
        const bool below_now = fast[t] < slow[t];
        const bool above_before = fast[t - 1] > slow[t - 1];
        const bool below_before = fast[t - 1] < slow[t - 1];
        if (above_now && !above_before) out[t] = Signal::kBullish;
        if (below_now && !below_before) out[t] = Signal::kBearish;
    }
}

}  // namespace spark
