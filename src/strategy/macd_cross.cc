#include "strategy/macd_cross.h"

#include "strategy/crossover.h"

namespace spark {

void MacdCross::Signals(const SeriesContext& context, std::span<Signal> out) const {
    const Series& macd = context.Macd(fast_, slow_, signal_);
    // The signal line is the later of the two: defined from slow + signal - 2.
    CrossoverSignals(macd.a, macd.b, slow_ + signal_ - 2, out);
}

}  // namespace spark
