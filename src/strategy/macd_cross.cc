#include "strategy/macd_cross.h"

#include <vector>

#include "indicators/macd.h"
#include "strategy/crossover.h"

namespace spark {

void MacdCross::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    const size_t n = bars.size();
    std::vector<double> closes(n);
    std::vector<double> line(n);
    std::vector<double> signal(n);
    std::vector<double> histogram(n);
    for (size_t t = 0; t < n; ++t) closes[t] = bars[t].close;
    indicators::ComputeMacd(closes, fast_, slow_, signal_, line, signal, histogram);
    // The signal line is the later of the two: defined from slow + signal - 2.
    CrossoverSignals(line, signal, slow_ + signal_ - 2, out);
}

}  // namespace spark
