#include "strategy/ema_cross.h"

#include <algorithm>
#include <vector>

#include "indicators/ema.h"
#include "strategy/crossover.h"

namespace spark {

void EmaCross::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    const size_t n = bars.size();
    std::vector<double> closes(n);
    std::vector<double> fast(n);
    std::vector<double> slow(n);
    for (size_t t = 0; t < n; ++t) closes[t] = bars[t].close;
    indicators::ComputeEma(closes, fast_, fast);
    indicators::ComputeEma(closes, slow_, slow);
    CrossoverSignals(fast, slow, std::max(fast_, slow_) - 1, out);
}

}  // namespace spark
